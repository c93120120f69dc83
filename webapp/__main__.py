"""`python -m webapp`: start the sandbox (in sandbox mode) and serve the console."""
from __future__ import annotations

import gc
import signal
import sys
import threading
from types import FrameType

from webapp import create_app, process_hardening
from webapp.config import ConfigError, load_settings
from webapp.sandbox_launcher import SandboxStartError, ensure_sandbox, options_for


def _stop_like_ctrl_c(signum: int, frame: FrameType | None) -> None:
    # The server treats Ctrl-C as a clean stop, so atexit hooks (stopping the sandbox) run.
    raise KeyboardInterrupt


class _SandboxStart(threading.Thread):
    """The sandbox child starting while this process imports Flask, boto3 and the views.

    Both take about half a second and neither needs the other, so the console answers that much
    sooner. create_app then finds the sandbox's URL in the environment and starts no other.
    """

    def __init__(self) -> None:
        super().__init__(name="sandbox-start", daemon=True)
        self.failure: SandboxStartError | None = None
        try:
            self.options = options_for(load_settings())
        except ConfigError:
            self.options = None  # create_app reports the setting

    def run(self) -> None:
        if self.options is None:
            return
        try:
            ensure_sandbox(self.options)
        except SandboxStartError as err:
            self.failure = err


def main() -> None:
    """Serve the console on FLASK_RUN_HOST:FLASK_RUN_PORT until stopped."""
    process_hardening.forbid_inspection()  # the user's other processes cannot read our environ
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    sandbox = _SandboxStart()
    sandbox.start()
    # What the imports and create_app build lives as long as the process: the cyclic collector
    # would walk it again and again while it loads, and after.
    gc.disable()
    import webapp.app  # noqa: F401  (the slow imports, beside the sandbox's start)

    sandbox.join()
    if sandbox.failure is not None:
        sys.exit(f"console: {sandbox.failure}")
    app = create_app()
    gc.freeze()
    gc.enable()
    settings = app.config["SETTINGS"]
    app.run(host=settings.host, port=settings.port, debug=False,
            use_reloader=settings.debug, threaded=True)


if __name__ == "__main__":
    main()
