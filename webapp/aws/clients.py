"""boto3 clients built from the console's settings: one place for region, profile, endpoint,
timeouts and retries.

`configure()` is called by create_app and drops every cached client, so a fresh app means
fresh clients. The region of the current request is a context variable the view layer sets.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import boto3
from botocore.client import BaseClient
from botocore.config import Config

# Any key works as the sandbox's administrator; fixed ones keep a developer's real
# credentials from ever being sent to it.
SANDBOX_ACCESS_KEY = "sandbox"
SANDBOX_SECRET_KEY = "sandbox"


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach AWS (or the sandbox)."""

    backend: str
    region: str
    endpoint_url: str | None = None
    profile: str | None = None
    connect_timeout: float = 3.0
    read_timeout: float = 30.0
    max_attempts: int = 4


_lock = threading.Lock()
_connection: Connection | None = None
_sessions: dict[str, boto3.session.Session] = {}
_clients: dict[tuple[str, str], BaseClient] = {}
_region: ContextVar[str | None] = ContextVar("console_region", default=None)


def configure(connection: Connection) -> None:
    """Use this connection from now on and forget clients made for the previous one."""
    global _connection
    with _lock:
        _connection = connection
        _sessions.clear()
        _clients.clear()


def connection() -> Connection:
    """The configured connection; create_app must have called configure()."""
    if _connection is None:
        raise RuntimeError("webapp.aws.clients.configure() was not called")
    return _connection


def current_region() -> str:
    """The region of this request, else the configured default."""
    return _region.get() or connection().region


@contextmanager
def using_region(region: str) -> Iterator[None]:
    """Send the calls made inside the block to `region`."""
    token = _region.set(region)
    try:
        yield
    finally:
        _region.reset(token)


def set_region(region: str | None) -> None:
    """Send this context's calls to `region` (None: the default) until changed."""
    _region.set(region)


def client(service: str) -> BaseClient:
    """A cached client for `service` in the current region."""
    region = current_region()
    key = (service, region)
    cached = _clients.get(key)
    if cached is not None:
        return cached
    with _lock:
        if key not in _clients:
            _clients[key] = _make_client(service, region)
        return _clients[key]


def _make_client(service: str, region: str) -> BaseClient:
    settings = connection()
    config = Config(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
        user_agent_extra="serverless-console",
    )
    session = _session(settings)
    return session.client(service, region_name=region, endpoint_url=settings.endpoint_url,
                          config=config)


def _session(settings: Connection) -> boto3.session.Session:
    # boto3 sessions are not thread-safe to create clients from; the caller holds _lock.
    cached = _sessions.get(settings.backend)
    if cached is not None:
        return cached
    if settings.backend == "sandbox":
        session = boto3.session.Session(aws_access_key_id=SANDBOX_ACCESS_KEY,
                                        aws_secret_access_key=SANDBOX_SECRET_KEY)
    else:
        session = boto3.session.Session(profile_name=settings.profile)
    _sessions[settings.backend] = session
    return session
