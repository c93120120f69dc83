"""Small helpers the tests share."""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import threading
import socket
from pathlib import Path
from typing import Any

import pytest

from flask.testing import FlaskClient
from moto.iam import models as moto_iam

from webapp.sandbox.config import DEFAULT_NODE_MODULES

PASSWORD = "correct horse battery staple"
# Node.js tests run where node (and the SDK `make` installs) are; CI sets REQUIRE_NODE=1, where
# they run regardless, so a missing node fails them instead of skipping them.
NODE_REQUIRED = os.environ.get("REQUIRE_NODE") == "1"


def needs_node() -> pytest.MarkDecorator:
    """Skip without node, except under REQUIRE_NODE=1."""
    return pytest.mark.skipif(shutil.which("node") is None and not NODE_REQUIRED,
                              reason="node is not installed (apt-get install nodejs)")


def needs_node_sdk(node_modules: Path = DEFAULT_NODE_MODULES) -> pytest.MarkDecorator:
    """Skip without the SDK for JavaScript in `node_modules`, except under REQUIRE_NODE=1."""
    installed = (node_modules / "@aws-sdk" / "lib-dynamodb").is_dir()
    return pytest.mark.skipif(not installed and not NODE_REQUIRED,
                              reason="the SDK for JavaScript is not installed in .node-runtime "
                                     "(make node-runtime)")


def require_node(what: str, present: bool) -> None:
    """Inside a test: skip it without `what`, or fail it under REQUIRE_NODE=1 (CI)."""
    if present:
        return
    if NODE_REQUIRED:
        pytest.fail(f"REQUIRE_NODE=1 but {what} is missing", pytrace=False)
    pytest.skip(f"{what} is missing (apt-get install nodejs npm, then make test)")


# How often a test's HTTP server looks for shutdown(): serve_forever's default of 0.5 s is what
# stopping one would otherwise cost each test.
SERVER_POLL_SECONDS = 0.01


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token from a form on `path`, as a browser would read it."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load_only_managed_policies(monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...]) -> None:
    """Make the next moto mock load just these AWS-managed policies, as the sandbox has them.

    Parsing all of moto's 1,582 costs about a second per test; a test needs two or three. They
    are parsed once per test process, and only the wanted ones are handed to moto.
    """
    every_policy = _every_managed_policy(moto_iam.aws_managed_policies_data)
    wanted = {name: every_policy[name] for name in names}
    monkeypatch.setattr(moto_iam, "aws_managed_policies_data", json.dumps(wanted))
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


@functools.cache
def _every_managed_policy(data: str) -> dict[str, object]:
    return json.loads(data)


_SESSIONS: dict[str, object] = {}


def shared_session(backend: str = "aws") -> object:
    """One boto3 session per backend for the whole test process: botocore reads each service's
    model once, not once per test (most of what building a client costs)."""
    from webapp.aws.clients import Connection, new_session

    if backend not in _SESSIONS:
        _SESSIONS[backend] = reuse_clients(new_session(Connection(backend, "ap-northeast-2")))
    return _SESSIONS[backend]


def reuse_clients(session: Any) -> Any:
    """Make `session.client(...)` give the client it made before for the same arguments.

    Building a botocore client (its class, its copy of the session's event hooks, its endpoint)
    was a seventh of the unit tests' CPU, each test's app and fixtures building their own. A
    client holds no state of moto's (moto's mock is switched on and off around every client),
    so one per service, region, endpoint and settings serves every test of the process. A test
    that registers a handler on a client's events must unregister it (it would outlive the test).
    """
    made: dict[object, Any] = {}
    lock = threading.Lock()
    build = session.client

    def client(*args: Any, **kwargs: Any) -> Any:
        try:
            key = (args, tuple(sorted((name, _settings_key(value))
                                      for name, value in kwargs.items())))
            hash(key)
        except TypeError:
            return build(*args, **kwargs)
        with lock:
            if key not in made:
                made[key] = build(*args, **kwargs)
            return made[key]

    session.client = client
    return session


def _settings_key(value: Any) -> object:
    """A hashable stand-in for a client argument; a botocore Config by the options it was given."""
    options = getattr(value, "_user_provided_options", None)
    if options is not None:
        return ("Config", json.dumps(options, sort_keys=True, default=repr))
    return value


def clients_for(connection: object) -> object:
    """An AwsClients for `connection` on the shared session, with a sleep that returns at once."""
    from webapp.aws.clients import AwsClients

    return AwsClients(connection, session=shared_session(connection.backend),  # type: ignore[attr-defined]
                      sleep=no_sleep)


def no_sleep(seconds: float) -> None:
    """The console's waits (IAM propagation, retries), over at once under moto."""


def injected(backend: str) -> dict[str, object]:
    """The test-config keys that hand create_app the shared session and `no_sleep`."""
    return {"AWS_SESSION": shared_session(backend), "AWS_SLEEP": no_sleep}
