"""Start the sandbox as a child process and stop it when the console exits.

The console knows the sandbox only as a URL it started: it runs `python -m webapp.sandbox` and
never imports it. Under Flask's reloader the parent process starts the sandbox and the reloaded
child finds its URL in the environment, so there is one sandbox, and it outlives code reloads.

A second console on the same SANDBOX_PORT (`make run` twice) finds the first one's sandbox
answering there and uses it without starting one: a child of its own could only fail on the busy
port. That sandbox is the first console's to stop and restart; should it go away for good (its
console stopped), the second takes over and starts its own, so the one console still running
keeps working rather than showing "unreachable" until someone restarts it.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from webapp.config import SANDBOX_ACCOUNT_ID, Settings

logger = logging.getLogger(__name__)

# Set by the process that started the sandbox; children (the reloader's) inherit it.
RUNNING_SANDBOX_URL = "_CONSOLE_SANDBOX_URL"
# Generous: a sandbox replays its whole journal before it answers (bench/sandbox_state.py).
STARTUP_SECONDS = 300.0
POLL_SECONDS = 0.1
HEALTH_PATH = "/_sandbox/health"
# How long whatever holds the port has to answer the health check before it is taken for
# something else; a loaded sandbox answers it in milliseconds.
PROBE_SECONDS = 5.0
# How often a console using another console's sandbox checks that it is still there.
BORROWED_POLL_SECONDS = 2.0
# What the sandbox needs from the console's environment; nothing else (no keys, no passwords).
PASSED_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SANDBOX_PERSIST",
                    "SANDBOX_DATA_DIR", "SANDBOX_PORT", "SANDBOX_LAMBDA_IDLE_SECONDS",
                    "SANDBOX_TABLE_CREATING_SECONDS", "SANDBOX_ISOLATION",
                    "SANDBOX_ALLOWED_HOSTS", "SANDBOX_PRIVATE_COOKIES")


class SandboxStartError(RuntimeError):
    """The sandbox did not come up; the message is one line for the terminal."""


@dataclass(frozen=True, slots=True)
class SandboxOptions:
    """What the sandbox child is started with."""

    port: int
    region: str
    persist: bool
    data_dir: str


def options_for(settings: Settings) -> SandboxOptions | None:
    """The sandbox this console runs, or None: another backend, an endpoint of the user's own,
    or CONSOLE_START_SANDBOX=0."""
    if settings.backend != "sandbox" or not settings.start_sandbox or settings.aws_endpoint_url:
        return None
    return SandboxOptions(port=settings.sandbox_port, region=settings.region,
                          persist=settings.sandbox_persist, data_dir=settings.sandbox_data_dir)


def ensure_sandbox(options: SandboxOptions) -> str:
    """Start the sandbox unless this process tree already has, or another console's answers on
    the port; return its URL.

    The sandbox is then watched: should it die (a crash, an OOM kill, someone's kill -9), it is
    started again on the same port, so pages that showed "unreachable" recover by themselves.
    Raises SandboxStartError when the port is held by something that is not a sandbox.
    """
    running = os.environ.get(RUNNING_SANDBOX_URL)
    if running:
        return running
    url = f"http://127.0.0.1:{options.port}"
    supervisor = _Supervisor(options, url)
    if probe(url) is not None:
        print(f"Serverless Console: using the sandbox another console started at {url} "
              f"(it stays that console's to stop); {state_line(url)}", flush=True)
    else:
        supervisor.start()
        print(f"Serverless Console: {state_line(url)}", flush=True)
    atexit.register(supervisor.stop)
    os.environ[RUNNING_SANDBOX_URL] = url
    threading.Thread(target=supervisor.watch, name="sandbox-watch", daemon=True).start()
    return url


def probe(url: str) -> dict[str, object] | None:
    """What holds the sandbox's port: a sandbox's health answer, or None when nothing listens.

    Raises SandboxStartError when something listens there but does not answer as a sandbox:
    starting one could only fail on the busy port.
    """
    port = url.rsplit(":", 1)[1]
    try:
        with urllib.request.urlopen(f"{url}{HEALTH_PATH}", timeout=PROBE_SECONDS) as reply:
            answer = json.load(reply)
    except urllib.error.URLError as err:
        if isinstance(err.reason, ConnectionRefusedError):
            return None
        answer = None
    except (OSError, ValueError):
        answer = None
    if is_sandbox_health(answer):
        return answer
    raise SandboxStartError(
        f"port {port} is in use by something that does not answer as a sandbox ({HEALTH_PATH}); "
        "stop what holds it or set SANDBOX_PORT to a free port")


def is_sandbox_health(answer: object) -> bool:
    """Whether a health answer is a sandbox's: its status, account and region are all there."""
    return (isinstance(answer, dict) and answer.get("status") == "ok"
            and answer.get("account_id") == SANDBOX_ACCOUNT_ID
            and isinstance(answer.get("region"), str))


def state_line(url: str) -> str:
    """One line saying where the sandbox keeps its state, and what it brought back."""
    try:
        with urllib.request.urlopen(f"{url}{HEALTH_PATH}", timeout=5) as reply:
            state = json.load(reply).get("state") or {}
    except (OSError, ValueError):
        return "the sandbox's state is unknown (its health check did not answer)"
    if not state.get("persist"):
        return "sandbox state is in memory only (SANDBOX_PERSIST=0): gone when it stops"
    line = f"sandbox state is kept in {state.get('data_dir')}"
    restored = state.get("restored")
    if restored:
        line += f"; {restored['changes']} change(s) restored in {restored['seconds']:.1f} s"
        if restored.get("failed"):
            line += f", {restored['failed']} could not be replayed"
    return line


RESTART_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)


class _Supervisor:
    """The sandbox child and its restarts, or another console's sandbox while it answers."""

    def __init__(self, options: SandboxOptions, url: str) -> None:
        self.options, self.url = options, url
        self.stopping = threading.Event()
        # None while the sandbox on the port is another console's.
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        """Start this console's own sandbox; SandboxStartError if it does not come up."""
        self.process = _start(self.options, self.url)
        logger.info("sandbox started at %s (pid %d)", self.url, self.process.pid)

    def watch(self) -> None:
        """Wait for the sandbox to end; unless the console is stopping, start it again."""
        while not self.stopping.is_set():
            if self.process is None:
                self._wait_while_borrowed()
                if self.stopping.is_set():
                    return
                logger.warning("the sandbox another console started at %s stopped answering; "
                               "starting one here", self.url)
            else:
                status = self.process.wait()
                if self.stopping.is_set():
                    return
                logger.warning("the sandbox stopped (status %s); starting it again on %s",
                               status, self.url)
            self._start_again()

    def _wait_while_borrowed(self) -> None:
        while not self.stopping.wait(BORROWED_POLL_SECONDS):
            if not _is_healthy(self.url, PROBE_SECONDS):
                return

    def _start_again(self) -> None:
        """Start a sandbox, pausing longer after each failure, unless another console did."""
        failures = 0
        while not self.stopping.is_set():
            self.stopping.wait(RESTART_PAUSES[min(failures, len(RESTART_PAUSES) - 1)])
            if self.stopping.is_set():
                return
            try:
                if probe(self.url) is not None:
                    self.process = None
                    logger.info("using the sandbox another console started at %s", self.url)
                    return
                self.start()
                return
            except SandboxStartError as err:
                failures += 1
                logger.error("the sandbox did not start again: %s", err)

    def stop(self) -> None:
        """Stop this console's sandbox for good (the console is exiting); never another's."""
        self.stopping.set()
        if self.process is not None:
            _stop(self.process)


def _start(options: SandboxOptions, url: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp.sandbox", "--port", str(options.port),
         "--parent-pid", str(os.getpid())],
        cwd=Path(__file__).resolve().parent.parent,
        env=_sandbox_environment(options),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_until_healthy(process, url)
    threading.Thread(target=_forward_stderr, args=(process,), daemon=True).start()
    return process


def _sandbox_environment(options: SandboxOptions) -> dict[str, str]:
    environment = {name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ}
    environment.update(
        AWS_REGION=options.region,
        SANDBOX_PORT=str(options.port),
        SANDBOX_PERSIST="1" if options.persist else "0",
        SANDBOX_DATA_DIR=options.data_dir,
        PYTHONUNBUFFERED="1",
    )
    return environment


def _wait_until_healthy(process: subprocess.Popen[str], url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            lines = (process.stderr.read() if process.stderr else "").strip().splitlines()
            reason = lines[-1] if lines else f"it exited with status {process.returncode}"
            raise SandboxStartError(reason)
        if _is_healthy(url):
            return
        time.sleep(POLL_SECONDS)
    _stop(process)
    raise SandboxStartError(f"sandbox: not answering on {url} after {STARTUP_SECONDS:.0f} s")


def _forward_stderr(process: subprocess.Popen[str]) -> None:
    # Drained so a chatty sandbox never blocks on a full pipe.
    for line in process.stderr or ():
        sys.stderr.write(line)


def _is_healthy(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}{HEALTH_PATH}", timeout=timeout) as reply:
            return is_sandbox_health(json.load(reply))
    except (OSError, ValueError):
        return False


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
