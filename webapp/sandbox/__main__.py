"""`python -m webapp.sandbox [--port N] [--host 127.0.0.1] [--parent-pid PID] [--verbose]`.

State is kept in SANDBOX_DATA_DIR (default `.sandbox-data/` in the project) unless
SANDBOX_PERSIST=0.

Exit status: 0 when stopped (SIGTERM, SIGINT, or the parent process gone); 2 when it cannot
start (a busy port, a non-loopback host, a bad setting), after one line on stderr.
"""
import errno
import gc
import logging
import os
import sys
import threading

from webapp.sandbox import deferred_validator
from webapp.sandbox.config import ConfigError, SandboxConfig, parse_config, sandbox_environment
from webapp.sandbox.lifecycle import bind_listener, stop_on_signals, watch_parent

EXIT_CANNOT_START = 2


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox until it is told to stop; return the exit status."""
    try:
        config = parse_config(sys.argv[1:] if argv is None else argv, os.environ)
    except ConfigError as err:
        return cannot_start(str(err))
    stop = threading.Event()
    stop_on_signals(stop)
    try:
        listener = bind_listener(config.host, config.port)
    except OSError as err:
        return cannot_start(bind_error_message(config, err))
    configure_logging(config.verbose)
    if config.parent_pid is not None:
        watch_parent(config.parent_pid, stop)
    isolated = sandbox_environment(os.environ, config.region)
    os.environ.clear()
    os.environ.update(isolated)
    # The imports below build a few hundred thousand objects that live as long as the process:
    # the cyclic collector would walk them all again and again while they load, and after.
    gc.disable()
    # Before moto: what it imports and the sandbox never calls waits until called.
    deferred_validator.install()
    # Imported only now: moto reads its settings from the environment set just above.
    from webapp.sandbox.persistence import DataDirectoryBusy, JournalError, StateKeeper
    from webapp.sandbox.server import serve

    try:
        keeper = StateKeeper.open(config.persist, config.data_dir)
    except DataDirectoryBusy as err:
        listener.close()
        return cannot_start(str(err))
    except JournalError as err:
        listener.close()
        return cannot_start(f"{config.data_dir / 'journal.jsonl'}: {err}; move it away to "
                            "start empty")
    except OSError as err:
        listener.close()
        return cannot_start(f"cannot keep the state in {config.data_dir}: "
                            f"{err.strerror or err}; set SANDBOX_DATA_DIR, or SANDBOX_PERSIST=0")
    gc.freeze()
    gc.enable()
    serve(listener, config, keeper, stop)
    return 0


def bind_error_message(config: SandboxConfig, err: OSError) -> str:
    """One line saying why the port cannot be used and what to do."""
    if err.errno == errno.EADDRINUSE:
        return (f"port {config.port} is already in use; "
                "stop what holds it or set SANDBOX_PORT to a free port")
    return f"cannot listen on {config.host}:{config.port}: {err.strerror or err}"


def cannot_start(message: str) -> int:
    """Print the reason on one line and return the exit status for it."""
    print(f"sandbox: {message}", file=sys.stderr, flush=True)
    return EXIT_CANNOT_START


def configure_logging(verbose: bool) -> None:
    """Warnings only, unless --verbose asks for every request."""
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="sandbox: %(levelname)s %(name)s: %(message)s")
    # werkzeug logs each request at INFO and would otherwise install its own handler.
    logging.getLogger("werkzeug").setLevel(level)


def exit_now(status: int) -> None:
    """End the process once everything is stopped and closed, without the interpreter's teardown:
    freeing moto's state object by object took 0.2 s of every stop."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    exit_now(main())
