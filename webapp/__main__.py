"""`python -m webapp`: start the sandbox (in sandbox mode) and serve the console."""
from __future__ import annotations

import signal
from types import FrameType

from webapp import create_app, process_hardening


def _stop_like_ctrl_c(signum: int, frame: FrameType | None) -> None:
    # The server treats Ctrl-C as a clean stop, so atexit hooks (stopping the sandbox) run.
    raise KeyboardInterrupt


def main() -> None:
    """Serve the console on FLASK_RUN_HOST:FLASK_RUN_PORT until stopped."""
    process_hardening.forbid_inspection()  # the user's other processes cannot read our environ
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    app = create_app()
    settings = app.config["SETTINGS"]
    app.run(host=settings.host, port=settings.port, debug=False,
            use_reloader=settings.debug, threaded=True)


if __name__ == "__main__":
    main()
