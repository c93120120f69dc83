"""`python -m webapp`: start the sandbox (in sandbox mode) and serve the console."""
from __future__ import annotations

from . import create_app


def main() -> None:
    """Serve the console on FLASK_RUN_HOST:FLASK_RUN_PORT."""
    app = create_app()
    settings = app.config["SETTINGS"]
    app.run(host=settings.host, port=settings.port, debug=False,
            use_reloader=settings.debug, threaded=True)


if __name__ == "__main__":
    main()
