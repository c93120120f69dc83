"""The console application factory: settings, security, blueprints, and the sandbox when asked."""
from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import Flask

from webapp import i18n, security, static_versions, template_code
from webapp.aws import clients
from webapp.config import LOGIN_TOKEN_HANDOFF, PROJECT_ROOT, ConfigError, Settings, load_settings
from webapp.views.functions.saved_events import TestEventStore
from webapp.sandbox_launcher import SandboxStartError, ensure_sandbox, options_for
from webapp.session_cookie import ActionRefreshedSessions
from webapp.signed_out import SignedOutSessions

logger = logging.getLogger(__name__)

# Test-config keys that hand the app objects (not settings) and stay out of app.config.
INJECTED_KEYS = frozenset({"AWS_SESSION", "AWS_SLEEP"})


def create_app(test_config: Mapping[str, object] | None = None) -> Flask:
    """Build the console. `test_config` overrides settings (by name) and Flask config keys."""
    try:
        settings = load_settings(test_config)
    except ConfigError as err:
        sys.exit(f"console: {err}")
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.jinja_options = {**app.jinja_options, "bytecode_cache": template_code.SHARED}
    static_versions.install(app)
    _configure_flask(app, settings, test_config or {})
    _configure_logging(app)
    sandbox = options_for(settings)
    if sandbox is not None:
        try:
            ensure_sandbox(sandbox)
        except SandboxStartError as err:
            sys.exit(f"console: {err}")
    connection = clients.Connection(
        backend=settings.backend,
        region=settings.region,
        endpoint_url=settings.endpoint_url,
        profile=settings.aws_profile,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_attempts=settings.max_attempts,
    )
    # Tests hand every app one shared boto3 session (and may hand a sleep that returns at once).
    overrides = test_config or {}
    aws = clients.AwsClients(connection, session=overrides.get("AWS_SESSION"),
                             sleep=overrides.get("AWS_SLEEP") or time.sleep)
    app.extensions["aws"] = aws
    clients.use(aws)  # for work done outside a request, in this thread (tests, the CLI)
    app.extensions["test_events"] = TestEventStore(Path(settings.test_events_file))
    app.extensions["signed_out"] = SignedOutSessions(Path(settings.signed_out_file))
    i18n.init_app(app)
    security.init_app(app)
    from webapp.views import register_areas

    register_areas(app)
    _announce_login(app, settings)
    return app


def _announce_login(app: Flask, settings: Settings) -> None:
    """Print where to log in, once per process tree (a reloader child stays quiet)."""
    already_announced = os.environ.get(LOGIN_TOKEN_HANDOFF) == settings.login_token
    # Handed to a reloader child so the printed login URL keeps working after a reload.
    os.environ[LOGIN_TOKEN_HANDOFF] = settings.login_token
    if app.testing or already_announced:
        return
    base = f"http://{settings.host}:{settings.port}"
    if settings.password:
        print(f"Serverless Console: open {base}/ and log in with CONSOLE_PASSWORD", flush=True)
    else:
        print(f"Serverless Console: open {base}/login?token={settings.login_token}", flush=True)


def _configure_flask(app: Flask, settings: Settings, test_config: Mapping[str, object]) -> None:
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key or _instance_secret(Path(app.instance_path)),
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_idle_minutes),
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=60 * 1024 * 1024,
    )
    app.session_interface = ActionRefreshedSessions()
    app.config.update({key: value for key, value in test_config.items()
                       if key.isupper() and key not in INJECTED_KEYS})


def _instance_secret(instance: Path) -> str:
    """A signing key kept in instance/ so sessions survive a restart, made once, owner-only."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        draft = instance / f"secret_key.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # atomic: a process racing us keeps the first key
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(logging.INFO)
