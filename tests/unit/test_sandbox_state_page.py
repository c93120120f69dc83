"""The Sandbox page: its service layer against a fake sandbox, and its forms."""
from __future__ import annotations

import gzip
import io
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp import create_app
from webapp.aws import sandbox_state
from webapp.aws.errors import AwsFailure, ConsoleError, NotSupported, Refused, TimedOut, Unreachable
from webapp.views import sandbox_state as sandbox_page

from tests.helpers import PASSWORD, SERVER_POLL_SECONDS, csrf_token, free_port, injected

SNAPSHOT = gzip.compress(b'{"change": 1}\n' * 5000)
FILENAME = "sandbox-state-20261126-054200.jsonl.gz"
STATE = {"persist": True, "data_dir": "/srv/console/.sandbox-data", "changes": 42,
         "bytes": 5 * 1024 * 1024, "restored": {"changes": 40, "failed": 2, "seconds": 1.25,
                                          "first_failure": "<b>CreateTable</b>: boom"}}


@dataclass
class Reply:
    """What the fake sandbox answers to one method and path."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, value: object) -> Reply:
    return Reply(status, json.dumps(value).encode(), {"Content-Type": "application/json"})


@dataclass
class Seen:
    """One request the fake sandbox received."""

    method: str
    path: str
    action: str | None
    body: bytes


class FakeSandbox:
    """A tiny HTTP server on 127.0.0.1 that answers as told and records every request."""

    def __init__(self) -> None:
        self.replies: dict[tuple[str, str], Reply] = {
            ("GET", "/_sandbox/health"): json_reply(200, {"status": "ok", "state": STATE}),
            ("GET", "/_sandbox/state"): Reply(200, SNAPSHOT, {
                "Content-Type": "application/gzip",
                "Content-Disposition": f'attachment; filename="{FILENAME}"'}),
            ("PUT", "/_sandbox/state"): json_reply(200, {"changes": 12, "failed": 0,
                                                         "seconds": 0.5}),
            ("DELETE", "/_sandbox/state"): json_reply(200, {"changes": 0}),
        }
        self.seen: list[Seen] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake.seen.append(Seen(self.command, self.path,
                                      self.headers.get("X-Sandbox-Action"), body))
                reply = fake.replies.get((self.command, self.path),
                                         json_reply(404, {"message": "no such route"}))
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_PUT = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": SERVER_POLL_SECONDS}, daemon=True)

    def changes(self) -> list[Seen]:
        """The requests that could have changed something."""
        return [seen for seen in self.seen if seen.method != "GET"]


@pytest.fixture
def fake() -> Iterator[FakeSandbox]:
    sandbox = FakeSandbox()
    sandbox.thread.start()
    yield sandbox
    sandbox.server.shutdown()
    sandbox.server.server_close()


# The service layer

def test_state_info_reads_the_health_answers_state(fake: FakeSandbox) -> None:
    state = sandbox_state.state_info(fake.url)
    assert state == sandbox_state.SandboxState(
        persist=True, data_dir="/srv/console/.sandbox-data", changes=42,
        size_bytes=5 * 1024 * 1024,
        restored=sandbox_state.Restored(40, 2, 1.25, "<b>CreateTable</b>: boom"),
        skipped_lines=0, write_error=None)
    assert [(seen.method, seen.path) for seen in fake.seen] == [("GET", "/_sandbox/health")]


def test_a_sandbox_without_state_in_its_health_is_an_older_version(fake: FakeSandbox) -> None:
    fake.replies[("GET", "/_sandbox/health")] = json_reply(200, {"status": "ok"})
    with pytest.raises(ConsoleError) as caught:
        sandbox_state.state_info(fake.url)
    assert isinstance(caught.value, NotSupported)
    assert "older version" in caught.value.message


def test_download_streams_the_file_under_the_sandboxs_name(fake: FakeSandbox) -> None:
    snapshot = sandbox_state.download_snapshot(fake.url)
    assert snapshot.filename == FILENAME
    assert snapshot.content_type == "application/gzip"
    assert b"".join(snapshot.chunks) == SNAPSHOT
    assert [(seen.method, seen.path) for seen in fake.seen] == [("GET", "/_sandbox/state")]


def test_a_file_name_with_a_path_is_replaced(fake: FakeSandbox) -> None:
    fake.replies[("GET", "/_sandbox/state")].headers["Content-Disposition"] = (
        'attachment; filename="../../home/me/.bashrc"')
    snapshot = sandbox_state.download_snapshot(fake.url)
    assert snapshot.filename == sandbox_state.DEFAULT_FILENAME
    b"".join(snapshot.chunks)


def test_restore_puts_the_file_with_the_restore_header(fake: FakeSandbox) -> None:
    restored = sandbox_state.restore(fake.url, io.BytesIO(SNAPSHOT), len(SNAPSHOT))
    assert restored == sandbox_state.Restored(changes=12, failed=0, seconds=0.5)
    assert fake.seen == [Seen("PUT", "/_sandbox/state", "restore", SNAPSHOT)]


def test_a_file_the_sandbox_refuses_is_an_error_about_the_file(fake: FakeSandbox) -> None:
    fake.replies[("PUT", "/_sandbox/state")] = json_reply(
        400, {"message": "line 1 is not a recorded change"})
    with pytest.raises(ConsoleError) as caught:
        sandbox_state.restore(fake.url, io.BytesIO(b"hello"), 5)
    assert caught.value.field == "snapshot"
    assert caught.value.message == (
        "The sandbox could not restore this file: line 1 is not a recorded change")


def test_reset_deletes_the_state_with_the_reset_header(fake: FakeSandbox) -> None:
    assert sandbox_state.reset(fake.url) is None
    assert fake.seen == [Seen("DELETE", "/_sandbox/state", "reset", b"")]


def test_a_refusal_carries_the_sandboxs_message(fake: FakeSandbox) -> None:
    fake.replies[("DELETE", "/_sandbox/state")] = json_reply(
        403, {"message": "X-Sandbox-Action: reset is required"})
    with pytest.raises(ConsoleError) as caught:
        sandbox_state.reset(fake.url)
    assert isinstance(caught.value, Refused)
    assert caught.value.message == (
        "The sandbox refused to reset the sandbox: X-Sandbox-Action: reset is required")


def test_a_sandbox_failure_names_its_status(fake: FakeSandbox) -> None:
    fake.replies[("GET", "/_sandbox/state")] = Reply(500, b"boom")
    with pytest.raises(ConsoleError) as caught:
        sandbox_state.download_snapshot(fake.url)
    assert isinstance(caught.value, AwsFailure)
    assert "HTTP 500" in caught.value.message


def test_a_sandbox_without_the_state_routes_is_an_older_version(fake: FakeSandbox) -> None:
    del fake.replies[("DELETE", "/_sandbox/state")]
    with pytest.raises(ConsoleError) as caught:
        sandbox_state.reset(fake.url)
    assert isinstance(caught.value, NotSupported)


@pytest.mark.parametrize("call", [
    sandbox_state.state_info, sandbox_state.download_snapshot, sandbox_state.reset,
    lambda endpoint: sandbox_state.restore(endpoint, io.BytesIO(SNAPSHOT), len(SNAPSHOT))])
def test_a_refused_connection_is_the_unreachable_error(call) -> None:  # type: ignore[no-untyped-def]
    endpoint = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ConsoleError) as caught:
        call(endpoint)
    assert isinstance(caught.value, Unreachable)
    assert endpoint in caught.value.message


def test_a_sandbox_that_answers_too_late_is_slow_not_unreachable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setattr(sandbox_state, "RESET_TIMEOUT_SECONDS", 0.3)
        with pytest.raises(ConsoleError) as caught:
            sandbox_state.reset(f"http://127.0.0.1:{silent.getsockname()[1]}")
    assert isinstance(caught.value, TimedOut)
    assert "took longer than 0.3 s to reset the sandbox" in caught.value.message


# The page

@pytest.fixture
def sandbox_app(fake: FakeSandbox) -> Flask:
    return create_app({**injected("sandbox"), "TESTING": True, "CONSOLE_BACKEND": "sandbox", "CONSOLE_START_SANDBOX": "0",
                       "AWS_ENDPOINT_URL": fake.url, "CONSOLE_PASSWORD": PASSWORD})


@pytest.fixture
def on_sandbox(sandbox_app: Flask) -> FlaskClient:
    client = sandbox_app.test_client()
    reply = client.post("/login", data={"secret": PASSWORD, "csrf_token": csrf_token(client)})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    return client


def test_the_page_shows_where_and_how_much_state_is_kept(on_sandbox: FlaskClient) -> None:
    reply = on_sandbox.get("/sandbox/")
    assert reply.status_code == HTTPStatus.OK
    assert "/srv/console/.sandbox-data" in reply.text
    assert "5.2 MB" in reply.text  # filesizeformat's decimal megabytes
    assert "40 changes in 1.2 s" in reply.text or "40 changes in 1.3 s" in reply.text
    assert "2 could not be replayed" in reply.text
    assert "The first: &lt;b&gt;CreateTable&lt;/b&gt;: boom" in reply.text  # untrusted: escaped
    assert 'href="/sandbox/snapshot"' in reply.text
    assert '<a href="/sandbox/"' in reply.text  # in the navigation


def test_an_in_memory_sandbox_says_its_state_is_gone_when_it_stops(
        fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    fake.replies[("GET", "/_sandbox/health")] = json_reply(200, {"state": {
        "persist": False, "data_dir": None, "changes": 0, "bytes": 0, "restored": None}})
    reply = on_sandbox.get("/sandbox/")
    assert "in memory only — SANDBOX_PERSIST=0, gone when it stops" in reply.text
    assert "could not be replayed" not in reply.text
    assert "cannot save changes" not in reply.text


def test_a_sandbox_that_cannot_save_or_read_its_journal_says_so(
        fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    fake.replies[("GET", "/_sandbox/health")] = json_reply(200, {"state": {
        **STATE, "skipped_lines": 3, "error": "could not write the journal: disk full"}})
    reply = on_sandbox.get("/sandbox/")
    assert "The sandbox cannot save changes (could not write the journal: disk full)" in reply.text
    assert "3 unreadable lines of the journal were skipped" in reply.text


READ_ONLY = {**STATE, "read_only": True, "read_only_reason": "no space left on /data <disk>",
             "error": "no space left on /data <disk>",
             "dropped_tail": "the journal ended in an incomplete line (12 byte(s)): dropped"}
NO_ISOLATION = {"bwrap": False, "detail": "bwrap not found: install bubblewrap"}


@pytest.mark.parametrize("path", ["/sandbox/", "/"])
def test_a_read_only_sandbox_says_so_and_why(fake: FakeSandbox, on_sandbox: FlaskClient,
                                             path: str) -> None:
    fake.replies[("GET", "/_sandbox/health")] = json_reply(200, {"state": READ_ONLY})
    reply = on_sandbox.get(path)
    assert reply.status_code == HTTPStatus.OK
    assert "The sandbox is read-only" in reply.text
    assert "It cannot save changes (no space left on /data &lt;disk&gt;)" in reply.text
    assert "lost when it stops" not in reply.text  # refused, not lost
    if path == "/sandbox/":
        assert "At start the journal ended in an incomplete line (12 byte(s)): dropped." in (
            reply.text)


@pytest.mark.parametrize("path", ["/sandbox/", "/"])
def test_handlers_without_isolation_are_warned_of(fake: FakeSandbox, on_sandbox: FlaskClient,
                                                  path: str) -> None:
    fake.replies[("GET", "/_sandbox/health")] = json_reply(
        200, {"state": STATE, "isolation": NO_ISOLATION})
    reply = on_sandbox.get(path)
    assert "Your functions&#39; code can read your files" in reply.text or "Your functions' code can read your files" in reply.text
    assert "without isolation. The sandbox says: bwrap not found: install bubblewrap" in (
        reply.text)
    assert reply.text.count('id="sandbox-isolation"') == 1


@pytest.mark.parametrize("path", ["/sandbox/", "/"])
def test_an_isolated_writable_sandbox_warns_of_nothing(fake: FakeSandbox, on_sandbox: FlaskClient,
                                                       path: str) -> None:
    fake.replies[("GET", "/_sandbox/health")] = json_reply(
        200, {"state": STATE, "isolation": {"bwrap": True, "detail": "bwrap 0.8.0"}})
    reply = on_sandbox.get(path)
    assert reply.status_code == HTTPStatus.OK
    assert 'id="sandbox-isolation"' not in reply.text
    assert 'id="sandbox-read-only"' not in reply.text


def test_an_unreachable_sandbox_shows_the_banner_and_reconnects(
        fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    fake.server.shutdown()
    fake.server.server_close()
    reply = on_sandbox.get("/sandbox/")
    assert reply.status_code == HTTPStatus.BAD_GATEWAY
    assert "Cannot reach the AWS endpoint" in reply.text
    assert 'hx-get="/reachable"' in reply.text


def test_the_download_streams_the_sandboxs_file(on_sandbox: FlaskClient) -> None:
    reply = on_sandbox.get("/sandbox/snapshot")
    assert reply.status_code == HTTPStatus.OK
    assert reply.headers["Content-Disposition"] == f'attachment; filename="{FILENAME}"'
    assert reply.mimetype == "application/gzip"
    assert reply.data == SNAPSHOT


def test_a_download_the_sandbox_cannot_serve_shows_the_error_page(
        fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    fake.replies[("GET", "/_sandbox/state")] = json_reply(409, {"message": "a restore is running"})
    reply = on_sandbox.get("/sandbox/snapshot")
    assert reply.status_code == HTTPStatus.BAD_GATEWAY
    assert reply.mimetype == "text/html"
    assert "The sandbox refused to download a snapshot: a restore is running" in reply.text


def reset_form(client: FlaskClient, typed: str) -> dict[str, str]:
    return {"confirm_name": typed, "csrf_token": csrf_token(client, "/sandbox/")}


def test_reset_needs_the_word_typed_exactly(fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    reply = on_sandbox.post("/sandbox/reset", data=reset_form(on_sandbox, "Reset please"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'id="confirm_name-error"' in reply.text
    assert "Type reset exactly to reset the sandbox." in reply.text
    assert 'value="Reset please"' in reply.text
    assert fake.changes() == []


def test_reset_with_the_word_resets_and_says_so(fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    reply = on_sandbox.post("/sandbox/reset", data=reset_form(on_sandbox, "reset"))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == "/sandbox/"
    assert fake.changes() == [Seen("DELETE", "/_sandbox/state", "reset", b"")]
    assert "The sandbox was reset: it holds nothing now." in on_sandbox.get("/sandbox/").text


def test_reset_without_a_csrf_token_changes_nothing(
        monkeypatch: pytest.MonkeyPatch, on_sandbox: FlaskClient) -> None:
    calls: list[str] = []
    monkeypatch.setattr(sandbox_state, "reset", calls.append)
    reply = on_sandbox.post("/sandbox/reset", data={"confirm_name": "reset"})
    assert reply.status_code == HTTPStatus.BAD_REQUEST
    assert calls == []


def test_a_failed_reset_keeps_the_text_and_says_why(
        fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    fake.replies[("DELETE", "/_sandbox/state")] = Reply(500, b"")
    reply = on_sandbox.post("/sandbox/reset", data=reset_form(on_sandbox, "reset"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "The sandbox failed to reset the sandbox (HTTP 500)" in reply.text
    assert 'value="reset"' in reply.text


def restore_form(client: FlaskClient, snapshot: bytes | None, confirmed: bool) -> dict[str, object]:
    form: dict[str, object] = {"csrf_token": csrf_token(client, "/sandbox/")}
    if snapshot is not None:
        form["snapshot"] = (io.BytesIO(snapshot), FILENAME)
    if confirmed:
        form["confirm_replace"] = "yes"
    return form


def test_restore_replaces_the_state_and_says_how_much(
        fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    reply = on_sandbox.post("/sandbox/restore", data=restore_form(on_sandbox, SNAPSHOT, True),
                            content_type="multipart/form-data")
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert fake.changes() == [Seen("PUT", "/_sandbox/state", "restore", SNAPSHOT)]
    assert "Restored 12 changes in 0.5 s." in on_sandbox.get("/sandbox/").text


def test_a_restore_that_could_not_replay_everything_says_why(
        fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    fake.replies[("PUT", "/_sandbox/state")] = json_reply(200, {
        "changes": 10, "failed": 1, "seconds": 2.0, "first_failure": "PutItem: no such table"})
    on_sandbox.post("/sandbox/restore", data=restore_form(on_sandbox, SNAPSHOT, True),
                    content_type="multipart/form-data")
    notice = "Restored 10 changes in 2.0 s. 1 change could not be replayed. The first: PutItem"
    assert notice in on_sandbox.get("/sandbox/").text


@pytest.mark.parametrize(("snapshot", "confirmed", "field", "message"), [
    (SNAPSHOT, False, "confirm_replace", "Tick the box to confirm"),
    (None, True, "snapshot", "Choose a snapshot file downloaded from this page."),
])
def test_restore_needs_a_file_and_the_confirmation(
        fake: FakeSandbox, on_sandbox: FlaskClient, snapshot: bytes | None, confirmed: bool,
        field: str, message: str) -> None:
    form = restore_form(on_sandbox, snapshot, confirmed)
    reply = on_sandbox.post("/sandbox/restore", data=form, content_type="multipart/form-data")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert f'id="{field}-error"' in reply.text
    assert message in reply.text
    assert fake.changes() == []


def test_an_empty_file_is_refused_before_the_sandbox_sees_it(
        fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    form = restore_form(on_sandbox, b"", True)
    reply = on_sandbox.post("/sandbox/restore", data=form, content_type="multipart/form-data")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "The file is empty." in reply.text
    assert fake.changes() == []


def test_a_file_over_the_limit_is_refused_before_the_sandbox_sees_it(
        monkeypatch: pytest.MonkeyPatch, fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    monkeypatch.setattr(sandbox_page, "MAX_SNAPSHOT_BYTES", 1024 * 1024)
    form = restore_form(on_sandbox, b"x" * (1024 * 1024 + 1), True)
    reply = on_sandbox.post("/sandbox/restore", data=form, content_type="multipart/form-data")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "The file is larger than 1 MB." in reply.text
    assert fake.changes() == []


def test_a_snapshot_may_be_larger_than_other_uploads(
        sandbox_app: Flask, fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    sandbox_app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # the console's limit for the rest
    snapshot = b"x" * (2 * 1024 * 1024)
    reply = on_sandbox.post("/sandbox/restore", data=restore_form(on_sandbox, snapshot, True),
                            content_type="multipart/form-data")
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert fake.changes()[0].body == snapshot


def test_a_file_the_sandbox_refuses_is_shown_beside_the_file_field(
        fake: FakeSandbox, on_sandbox: FlaskClient) -> None:
    fake.replies[("PUT", "/_sandbox/state")] = json_reply(
        400, {"message": "not a sandbox snapshot"})
    reply = on_sandbox.post("/sandbox/restore", data=restore_form(on_sandbox, b"junk", True),
                            content_type="multipart/form-data")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'id="snapshot-error"' in reply.text
    assert "The sandbox could not restore this file: not a sandbox snapshot" in reply.text
    assert "checked" in reply.text  # the confirmation is kept


def test_on_aws_there_is_no_sandbox_page(signed_in: FlaskClient) -> None:
    assert signed_in.get("/sandbox/").status_code == HTTPStatus.NOT_FOUND
    assert signed_in.get("/sandbox/snapshot").status_code == HTTPStatus.NOT_FOUND
    token = csrf_token(signed_in, "/tables/")
    reply = signed_in.post("/sandbox/reset", data={"confirm_name": "reset", "csrf_token": token})
    assert reply.status_code == HTTPStatus.NOT_FOUND
    assert 'href="/sandbox/"' not in signed_in.get("/tables/").text
