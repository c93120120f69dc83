"""Settings from the environment (and .env): the only module that reads os.environ."""
from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGION = "ap-northeast-2"
SANDBOX_ACCOUNT_ID = "123456789012"
BACKENDS = ("sandbox", "aws")
# Handed from a reloader's parent process to its child so both show the same login URL.
LOGIN_TOKEN_HANDOFF = "_CONSOLE_LOGIN_TOKEN"


class ConfigError(ValueError):
    """A setting that cannot work, with the line a person needs to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the console reads from its environment, validated."""

    backend: str = "sandbox"
    region: str = DEFAULT_REGION
    aws_profile: str | None = None
    aws_endpoint_url: str | None = None
    sandbox_port: int = 4566
    start_sandbox: bool = True
    sandbox_persist: bool = True
    sandbox_data_dir: str = str(PROJECT_ROOT / ".sandbox-data")
    host: str = "127.0.0.1"
    port: int = 5000
    # Host names the console answers besides loopback on its port (CONSOLE_ALLOWED_HOSTS).
    allowed_hosts: frozenset[str] = frozenset()
    password: str | None = None
    login_token: str = ""
    secret_key: str | None = None
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    login_attempts_per_minute: int = 10
    connect_timeout: float = 3.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    debug: bool = False
    test_events_file: str = str(PROJECT_ROOT / "instance" / "test-events.json")
    # The setup wizard's record of what it made (webapp/wizard/record.py).
    wizard_record_file: str = str(PROJECT_ROOT / "instance" / "wizard.sqlite3")
    # Sessions that signed out (webapp/signed_out.py).
    signed_out_file: str = str(PROJECT_ROOT / "instance" / "signed-out.jsonl")

    @property
    def endpoint_url(self) -> str | None:
        """Where boto3 is sent: the sandbox, a chosen endpoint, or AWS itself (None)."""
        if self.backend == "sandbox":
            return self.aws_endpoint_url or f"http://127.0.0.1:{self.sandbox_port}"
        return self.aws_endpoint_url

    @property
    def is_loopback(self) -> bool:
        """True when the console listens only on this machine."""
        return is_loopback_host(self.host)

    def validate(self) -> Settings:
        """Raise ConfigError for a setting that cannot work; return self otherwise."""
        if self.backend not in BACKENDS:
            raise ConfigError(
                f"CONSOLE_BACKEND must be one of {', '.join(BACKENDS)}, not {self.backend!r}"
            )
        if not self.is_loopback and not self.password:
            raise ConfigError(
                f"refusing to listen on {self.host}: it is reachable from other machines. "
                "Set CONSOLE_PASSWORD to a strong password, or use FLASK_RUN_HOST=127.0.0.1"
            )
        for name, value in (("SANDBOX_PORT", self.sandbox_port), ("FLASK_RUN_PORT", self.port)):
            if not 0 < value < 65536:
                raise ConfigError(f"{name} must be a port number between 1 and 65535, not {value}")
        return self


def is_loopback_host(host: str) -> bool:
    """True for localhost and the 127.0.0.0/8 and ::1 addresses."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _flag(raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


def _number(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as err:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from err


def _from_mapping(environ: Mapping[str, str]) -> Settings:
    backend = environ.get("CONSOLE_BACKEND", "sandbox").strip().lower()
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    return Settings(
        backend=backend,
        region=region,
        aws_profile=environ.get("AWS_PROFILE") or None,
        aws_endpoint_url=environ.get("AWS_ENDPOINT_URL") or None,
        sandbox_port=_number(environ, "SANDBOX_PORT", 4566),
        start_sandbox=_flag(environ.get("CONSOLE_START_SANDBOX"), True),
        sandbox_persist=_flag(environ.get("SANDBOX_PERSIST"), True),
        sandbox_data_dir=environ.get("SANDBOX_DATA_DIR") or str(PROJECT_ROOT / ".sandbox-data"),
        host=environ.get("FLASK_RUN_HOST") or "127.0.0.1",
        port=_number(environ, "FLASK_RUN_PORT", 5000),
        allowed_hosts=frozenset(name.lower() for name in
                                environ.get("CONSOLE_ALLOWED_HOSTS", "").replace(",", " ").split()),
        password=environ.get("CONSOLE_PASSWORD") or None,
        login_token=environ.get(LOGIN_TOKEN_HANDOFF) or secrets.token_urlsafe(24),
        secret_key=environ.get("CONSOLE_SECRET_KEY") or None,
        session_idle_minutes=_number(environ, "CONSOLE_SESSION_MINUTES", 60),
        debug=_flag(environ.get("CONSOLE_DEBUG"), False),
        test_events_file=(environ.get("CONSOLE_TEST_EVENTS_FILE")
                          or str(PROJECT_ROOT / "instance" / "test-events.json")),
        wizard_record_file=(environ.get("CONSOLE_WIZARD_RECORD_FILE")
                            or str(PROJECT_ROOT / "instance" / "wizard.sqlite3")),
        signed_out_file=(environ.get("CONSOLE_SIGNED_OUT_FILE")
                         or str(PROJECT_ROOT / "instance" / "signed-out.jsonl")),
    )


def load_settings(overrides: Mapping[str, object] | None = None) -> Settings:
    """Read settings from .env and the environment.

    `overrides` (tests) may use environment names (`CONSOLE_BACKEND`) or field names
    (`connect_timeout`); they win over both.
    """
    overrides = overrides or {}
    environ: dict[str, str] = {
        key: value for key, value in dotenv_values(PROJECT_ROOT / ".env").items() if value is not None
    }
    environ.update(os.environ)
    environ.update({key: str(value) for key, value in overrides.items() if key.isupper()})
    settings = _from_mapping(environ)
    names = {field.name for field in fields(Settings)}
    chosen = {key: value for key, value in overrides.items() if key in names}
    return replace(settings, **chosen).validate()
