"""Fixtures every test shares: fake AWS credentials, and a console app under moto."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws
from werkzeug.routing.rules import Rule

from webapp import create_app
from webapp.aws import clients

from tests.helpers import PASSWORD, csrf_token, injected, shared_session

TESTS = Path(__file__).parent

# Python's cyclic collector, as tuned for a service, ran three thousand times in a run of the unit
# tests, walking every moto backend and app a test had left behind: collecting every 50,000 new
# objects instead of every 700 takes a tenth off a test worker's CPU for a little more memory
# (bench/README.md, "The test loop").
gc.set_threshold(50_000, 20, 100)


def reuse_url_builders() -> None:
    """Build each URL rule's builder function once per test process, not once per app.

    The unit tests create an app per test, and Werkzeug compiles two Python functions for each
    of the console's routes every time (about 35 ms of the 43 ms create_app takes). A builder is
    generated from the rule's parts alone and reads the rule's converters through its `self`
    argument, so rules with the same parts and no defaults can share one; the rest compile as
    before. If Werkzeug renames this private method, the tests only run slower.
    """
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:
        return
    built: dict[tuple[bool, tuple[tuple[bool, str], ...]], object] = {}

    def reused(self: Rule, append_unknown: bool = True) -> object:
        if self.defaults:
            return compile_builder(self, append_unknown)
        key = (append_unknown, tuple(self._trace))
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    Rule._compile_builder = reused  # type: ignore[method-assign]


def reuse_compiled_rules() -> None:
    """Parse each URL rule's text once per test process, not once per app.

    Adding the console's 128 routes to a new app's URL map spends 7 of create_app's 11 ms
    parsing each rule into the parts Werkzeug matches and builds with. The parts depend only on
    the rule's text, its host or subdomain, slash merging and the map's converter classes, and
    Werkzeug replaces them (never changes them) when a rule compiles again, so rules with the
    same key share them; the builder is still bound to each rule. If Werkzeug renames these
    private attributes, the tests only run slower.
    """
    compile_rule = Rule.compile
    if not all(hasattr(Rule, name) for name in ("_parse_rule", "_compile_builder")):
        return
    compiled: dict[tuple[object, ...], tuple[list[Any], list[Any], dict[str, Any], frozenset[str]]] = {}

    def reused(self: Rule) -> None:
        url_map = self.map
        if url_map is None:
            return compile_rule(self)
        key = (self.rule, self.subdomain, self.host, self.merge_slashes, url_map.host_matching,
               tuple(sorted((name, id(kind)) for name, kind in url_map.converters.items())))
        found = compiled.get(key)
        if found is None:
            compile_rule(self)
            compiled[key] = (self._parts, self._trace, self._converters,
                             frozenset(self.arguments))
            return None
        self._parts, self._trace, self._converters, arguments = found
        self.arguments.update(arguments)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)
        return None

    Rule.compile = reused  # type: ignore[method-assign]


reuse_url_builders()
reuse_compiled_rules()


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake keys, and no config files, so a developer's real AWS profile can never leak in."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                 "CONSOLE_PASSWORD", "FLASK_RUN_HOST", "CONSOLE_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_REGION", "ap-northeast-2")


@pytest.fixture(autouse=True)
def own_aws_context() -> Iterator[None]:
    """Each test starts with no console clients and no region chosen, and leaves none behind
    (tests run one after another in one thread of each worker)."""
    serving = clients.serve(None, None)
    yield
    clients.stop_serving(serving)


@pytest.fixture(autouse=True)
def private_instance_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test keeps its test events and the wizard's record in files of its own, never in the
    project's instance folder."""
    monkeypatch.setenv("CONSOLE_TEST_EVENTS_FILE", str(tmp_path / "test-events.json"))
    monkeypatch.setenv("CONSOLE_WIZARD_RECORD_FILE", str(tmp_path / "wizard.sqlite3"))
    monkeypatch.setenv("CONSOLE_SIGNED_OUT_FILE", str(tmp_path / "signed-out.jsonl"))


@pytest.fixture(autouse=True)
def shared_default_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """`boto3.client(...)` in a test builds on the shared session too: moto clears boto3's default
    session at every start, and a new session reads botocore's endpoint rules and service models
    again (about 0.1 s of CPU a test)."""
    def use_shared_session() -> None:
        boto3.DEFAULT_SESSION = shared_session()

    monkeypatch.setattr(boto3, "setup_default_session", use_shared_session)


@pytest.fixture
def app() -> Iterator[Flask]:
    """The console on the "aws" backend, with boto3 patched in-process by moto."""
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                          "CONSOLE_PASSWORD": PASSWORD})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client, not signed in."""
    return app.test_client()


@pytest.fixture
def signed_in(client: FlaskClient) -> FlaskClient:
    """A client signed in with the password."""
    reply = client.post("/login", data={"secret": PASSWORD, "csrf_token": csrf_token(client)})
    assert reply.status_code == 303
    return client


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the message catalogues when a .po is newer than its .mo (make does it too)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from webapp.config import PROJECT_ROOT

    for po_path in (PROJECT_ROOT / "webapp/translations").glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with open(po_path, "rb") as po_file:
            catalogue = read_po(po_file)
        with open(mo_path, "wb") as mo_file:
            write_mo(mo_file, catalogue)


# One call to each service the console speaks to: what moto imports on a service's first request.
FIRST_CALLS = (("sts", "get_caller_identity"), ("dynamodb", "list_tables"),
               ("lambda", "list_functions"), ("iam", "list_roles"), ("apigateway", "get_rest_apis"),
               ("logs", "describe_log_groups"), ("cloudwatch", "list_metrics"))


def import_what_moto_imports_on_first_use() -> None:
    """Make one call to each service under moto, in this thread, before any test runs.

    moto imports a service's backend, its response and URL modules and its IAM access check when
    the first request reaches them. The console makes calls from several threads at once (the
    dashboard's counts, the tables' descriptions), so a test process's first such page had its
    threads importing moto's modules, which import one another, at the same time, and Python now
    and then refused one with `_DeadlockError` (7 of 60 fresh processes making the dashboard's
    calls at once on a loaded machine). Imported here first, nothing is left to import in them.
    """
    with mock_aws():
        session = boto3.session.Session(aws_access_key_id="testing",
                                        aws_secret_access_key="testing",
                                        region_name="ap-northeast-2")
        for service, operation in FIRST_CALLS:
            getattr(session.client(service), operation)()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Import what moto imports on first use, then set aside what collecting imported (the
    console, moto, boto3, every test module): Python's cyclic collector no longer walks those
    objects each time a test's garbage fills a generation. The controller of the test workers
    runs no test, so it does neither."""
    config = session.config
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        return
    import_what_moto_imports_on_first_use()
    gc.freeze()
