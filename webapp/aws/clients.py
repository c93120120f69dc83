"""How the console reaches AWS (or the sandbox): one `AwsClients` object per app.

`AwsClients` holds the connection settings (region, profile, endpoint, timeouts, retries), one
boto3 session, the clients made from it (cached per service and region) and the `sleep` that
every wait of the service layer goes through, as Chalice's `TypedAWSClient(session, sleep=…)`
does. create_app builds one and keeps it in `app.extensions["aws"]`; tests hand every app the
same session, so botocore reads each service model once per process, and a `sleep` that
returns at once.

Service functions reach the object of the request they serve through `current()`: the view
layer says which one with `use()` before each request, as Flask's own `current_app` works, and
a thread started for a request carries it with `contextvars.copy_context()`. The region of the
request is a context variable beside it (`using_region`).

`counting_calls()` counts the AWS calls made inside its block (threads started with a copy of
its context included): every client this module makes reports each call to it.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
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


def new_session(connection: Connection) -> boto3.session.Session:
    """A boto3 session for this backend: the sandbox's fixed keys, else the profile's."""
    if connection.backend == "sandbox":
        return boto3.session.Session(aws_access_key_id=SANDBOX_ACCESS_KEY,
                                     aws_secret_access_key=SANDBOX_SECRET_KEY)
    return boto3.session.Session(profile_name=connection.profile)


class AwsClients:
    """One connection, one session, its clients, and the sleep waits go through."""

    def __init__(self, connection: Connection, session: boto3.session.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.connection = connection
        self.session = session if session is not None else new_session(connection)
        self.sleep = sleep
        self._clients: dict[tuple[str, str], BaseClient] = {}
        # boto3 sessions are not safe to create clients from on several threads at once.
        self._lock = threading.Lock()
        self._config = Config(
            connect_timeout=connection.connect_timeout,
            read_timeout=connection.read_timeout,
            retries={"mode": "standard", "total_max_attempts": connection.max_attempts},
            user_agent_extra="serverless-console",
        )

    def client(self, service: str, region: str | None = None) -> BaseClient:
        """A cached client for `service` in `region` (default: the connection's region)."""
        key = (service, region or self.connection.region)
        cached = self._clients.get(key)
        if cached is not None:
            return cached
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._make_client(*key)
            return self._clients[key]

    def _make_client(self, service: str, region: str) -> BaseClient:
        made = self.session.client(service, region_name=region,
                                   endpoint_url=self.connection.endpoint_url, config=self._config)
        # A unique id: a session that hands out a client it made before registers it only once.
        made.meta.events.register("before-call", _count_call, unique_id=_COUNTER_HANDLER)
        return made


class CallCounter:
    """How many AWS calls were made (each page of a paged call, each waiter poll is one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0

    def add(self) -> None:
        """Count one call (from any thread)."""
        with self._lock:
            self.calls += 1


_counter: ContextVar[CallCounter | None] = ContextVar("console_call_counter", default=None)
_COUNTER_HANDLER = "serverless-console-call-counter"


def _count_call(**_: object) -> None:
    # botocore's before-call: once per API call, before its retries (which are not calls made).
    counter = _counter.get()
    if counter is not None:
        counter.add()


@contextmanager
def counting_calls() -> Iterator[CallCounter]:
    """Count the AWS calls made inside the block, and in threads run with a copy of its context."""
    counter = CallCounter()
    token = _counter.set(counter)
    try:
        yield counter
    finally:
        _counter.reset(token)


_current: ContextVar[AwsClients | None] = ContextVar("console_aws_clients", default=None)
_region: ContextVar[str | None] = ContextVar("console_region", default=None)


def use(aws: AwsClients) -> None:
    """Serve this context's calls with `aws` until changed (the view layer, per request)."""
    _current.set(aws)


@contextmanager
def using(aws: AwsClients) -> Iterator[AwsClients]:
    """Serve the calls made inside the block with `aws`."""
    token = _current.set(aws)
    try:
        yield aws
    finally:
        _current.reset(token)


def current() -> AwsClients:
    """The clients of this request (or of the block `using` opened)."""
    aws = _current.get()
    if aws is None:
        raise RuntimeError("no AwsClients in this context: create_app() or clients.use() first")
    return aws


def connection() -> Connection:
    """The connection of this request's clients."""
    return current().connection


def current_region() -> str:
    """The region of this request, else the connection's default."""
    return _region.get() or connection().region


@contextmanager
def using_region(region: str) -> Iterator[None]:
    """Send the calls made inside the block to `region`."""
    token = _region.set(region)
    try:
        yield
    finally:
        _region.reset(token)


@dataclass(frozen=True, slots=True)
class Serving:
    """What `serve` changed, for `stop_serving` to put back."""

    clients_token: Token[AwsClients | None]
    region_token: Token[str | None]


def serve(aws: AwsClients | None, region: str | None) -> Serving:
    """Serve one request's calls with `aws` in `region`, until `stop_serving`.

    A request may run in the thread that made it (Flask's test client, a CLI command): putting
    the previous values back afterwards keeps one request's region from leaking into the next.
    """
    return Serving(_current.set(aws), _region.set(region))


def stop_serving(serving: Serving) -> None:
    """Put back what `serve` changed."""
    _region.reset(serving.region_token)
    _current.reset(serving.clients_token)


def client(service: str) -> BaseClient:
    """A client for `service` in this request's region."""
    return current().client(service, current_region())


def sleep(seconds: float) -> None:
    """Wait through the clients' sleep: real time in the console, none in tests."""
    current().sleep(seconds)
