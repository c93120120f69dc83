"""A change is acknowledged only once its journal line is written: the keeper reserves room
first, refuses with 503 when it cannot, rolls the state back when the write fails anyway, and
stays read-only until space returns; what start-up says of a damaged journal."""
import errno
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.parsers import create_parser
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import Dispatcher
from webapp.sandbox.persistence import effects, journal
from webapp.sandbox.persistence.journal import Journal, draft, encode, header, parse
from webapp.sandbox.persistence.keeper import StateKeeper, read_only_reason
from webapp.sandbox.persistence.unavailable import service_unavailable
from webapp.sandbox.server import startup_lines

SIGNED = ("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, "
          "SignedHeaders=host, Signature=0")
NO_SPACE = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

# The state a fake backend keeps: what the keeper must keep in step with its journal.
store: dict[str, str] = {}
applied_effects: list[str] = []


@effects.effect("test.note")
def note(*, text: str) -> None:
    applied_effects.append(text)


def backend(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """A one-table store answering X-Amz-Target "Store.Put" (a change) and "Store.Get"."""
    request = Request(environ)
    data = json.loads(request.get_data() or b"{}")
    if request.headers["X-Amz-Target"].endswith(".Put"):
        store[data["k"]] = data["v"]
        answer: dict[str, Any] = {}
    else:
        answer = {"v": store.get(data["k"])}
    return Response(json.dumps(answer), mimetype="application/x-amz-json-1.0")(
        environ, start_response)


@pytest.fixture
def keeper(tmp_path: Path) -> Iterator[StateKeeper]:
    store.clear()
    applied_effects.clear()
    kept, loaded = Journal.in_directory(tmp_path)
    state = StateKeeper(kept, loaded)
    state.attach(Dispatcher(backend), stop_workers=lambda: None, after_reset=store.clear)
    yield state
    state.close()


def call(keeper: StateKeeper, operation: str, **body: str) -> Response:
    dispatcher = keeper._require_dispatcher()
    return Client(dispatcher).post("/", data=json.dumps(body), headers={
        "X-Amz-Target": f"Store.{operation}", "Content-Type": "application/x-amz-json-1.0",
        "Authorization": SIGNED.format(service="dynamodb")})


def journaled(tmp_path: Path) -> list[dict[str, Any]]:
    data = (tmp_path / "journal.jsonl").read_bytes()
    assert data.endswith(b"\n")
    return [entry["request"]["body"] for entry in parse(data).entries]


def test_a_change_without_room_for_its_line_is_refused_before_it_runs(
        keeper: StateKeeper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_args: object) -> bool:
        raise NO_SPACE

    monkeypatch.setattr(journal.space, "reserve", full)

    refused = call(keeper, "Put", k="a", v="1")

    assert refused.status_code == 503
    assert json.loads(refused.get_data()) == {"__type": "com.amazon.coral.service#ServiceUnavailable",
                            "message": f"no space left on {tmp_path} (ENOSPC); free space to "
                                       "resume; the change was not made"}
    assert store == {} and journaled(tmp_path) == []
    assert keeper.info()["read_only"] is True
    assert keeper.info()["read_only_reason"] == (f"no space left on {tmp_path} (ENOSPC); "
                                                 "free space to resume")
    assert json.loads(call(keeper, "Get", k="a").get_data()) == {"v": None}  # reads work


def test_the_sandbox_stays_read_only_until_room_can_be_reserved_again(
        keeper: StateKeeper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_args: object) -> bool:
        raise NO_SPACE

    monkeypatch.setattr(journal.space, "reserve", full)
    assert call(keeper, "Put", k="a", v="1").status_code == 503
    assert call(keeper, "Put", k="b", v="2").status_code == 503
    monkeypatch.undo()

    assert keeper.info()["read_only"] is False  # a health check tries again
    assert call(keeper, "Put", k="c", v="3").status_code == 200
    assert store == {"c": "3"}
    assert journaled(tmp_path) == ['{"k": "c", "v": "3"}']


def test_a_change_whose_line_cannot_be_written_after_it_ran_is_rolled_back(
        keeper: StateKeeper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert call(keeper, "Put", k="a", v="1").status_code == 200
    real_write_all = journal._write_all

    def half_then_full(fd: int, data: bytes) -> None:
        real_write_all(fd, data[:len(data) // 2])  # what a filling disk does: part, then no more
        raise NO_SPACE

    monkeypatch.setattr(journal, "_write_all", half_then_full)

    refused = call(keeper, "Put", k="b", v="2")

    assert refused.status_code == 503
    assert store == {"a": "1"}  # rebuilt from the journal: "b" is gone
    assert journaled(tmp_path) == ['{"k": "a", "v": "1"}']  # and nothing of it is in the file
    assert keeper.read_only_reason == f"no space left on {tmp_path} (ENOSPC); free space to resume"
    monkeypatch.undo()
    assert call(keeper, "Put", k="c", v="3").status_code == 200
    assert journaled(tmp_path) == ['{"k": "a", "v": "1"}', '{"k": "c", "v": "3"}']


def test_effects_are_dropped_not_applied_while_read_only(
        keeper: StateKeeper, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_args: object) -> bool:
        raise NO_SPACE

    note(text="kept")
    monkeypatch.setattr(journal.space, "reserve", full)
    note(text="dropped")
    monkeypatch.undo()
    note(text="kept again")
    assert applied_effects == ["kept", "kept again"]


def test_a_write_refused_part_way_leaves_nothing_of_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept, _ = Journal.in_directory(tmp_path)
    kept.append({"n": 1})
    real_write_all = journal._write_all

    def half_then_full(fd: int, data: bytes) -> None:
        real_write_all(fd, data[:len(data) // 2])
        raise NO_SPACE

    monkeypatch.setattr(journal, "_write_all", half_then_full)
    with pytest.raises(OSError):
        kept.append({"n": 2, "pad": "x" * 100})
    monkeypatch.undo()
    kept.append({"n": 3})
    kept.close()
    loaded = parse((tmp_path / "journal.jsonl").read_bytes())
    assert loaded.entries == [{"n": 1}, {"n": 3}]
    assert (loaded.skipped, loaded.dropped_bytes) == (0, 0)


def test_a_drafted_line_finishes_as_the_whole_entry_would_encode() -> None:
    known = {"t": 1.5, "op": "dynamodb:PutItem", "request": {"body": "되돌리기 \"✓\"\n"}}
    recorded = {"draws": [0.25, [64, 12345]], "clock": [["t", 1.5]]}
    assert draft(known).finish(**recorded) == encode({**known, **recorded})


@pytest.mark.parametrize(("code", "reason"), [
    (errno.ENOSPC, "no space left on /data (ENOSPC); free space to resume"),
    (errno.EDQUOT, "disk quota exceeded on /data (EDQUOT); free space to resume"),
    (errno.EROFS, "cannot write the journal in /data (Read-only file system, EROFS); fix it "
                  "to resume"),
])
def test_the_read_only_reason_names_the_directory_and_the_error(code: int, reason: str) -> None:
    assert read_only_reason(OSError(code, os.strerror(code)), "/data") == reason


def request(service: str, **settings: Any) -> Request:
    headers = {"Authorization": SIGNED.format(service=service), **settings.pop("headers", {})}
    return Request(EnvironBuilder(headers=headers, **settings).get_environ())


@pytest.mark.parametrize(("protocol", "built", "code"), [
    ("json", request("dynamodb", method="POST", headers={"X-Amz-Target": "DynamoDB_20120810."
                                                                         "PutItem"}),
     "ServiceUnavailable"),
    ("json", request("logs", method="POST", headers={"X-Amz-Target": "Logs_20140328.PutLogEvents"}),
     "ServiceUnavailableException"),
    ("query", request("iam", method="POST", data={"Action": "CreateRole"}), "ServiceUnavailable"),
    ("rest-json", request("lambda", method="POST", path="/2015-03-31/functions"),
     "ServiceUnavailable"),
    ("rest-json", request("apigateway", method="POST", path="/restapis"),
     "ServiceUnavailableException"),
    ("rest-xml", request("s3", method="PUT", path="/bucket/key"), "ServiceUnavailable"),
    ("smithy-rpc-v2-cbor", request("monitoring", method="POST", headers={
        "Smithy-Protocol": "rpc-v2-cbor"},
        path="/service/GraniteServiceVersion20100801/operation/PutMetricData"),
     "ServiceUnavailable"),
])
def test_refusals_read_as_awss_service_unavailable_in_each_protocol(
        protocol: str, built: Request, code: str) -> None:
    answer = service_unavailable(built, "no space left on /data (ENOSPC)")
    parsed = create_parser(protocol).parse({
        "status_code": answer.status_code, "body": answer.get_data(),
        "headers": {name.lower(): value for name, value in answer.headers.items()}}, None)
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == "no space left on /data (ENOSPC)"


def write_journal(directory: Path, tail: bytes, lock: bytes) -> None:
    directory.mkdir()
    (directory / "journal.jsonl").write_bytes(
        encode(header()) + encode({"effect": "test.note", "args": {"text": "one"}})
        + b"\x00damaged\n" + encode({"effect": "test.note", "args": {"text": "two"}}) + tail)
    (directory / "lock").write_bytes(lock)


def test_start_up_says_a_damaged_line_was_skipped_and_blames_a_kill_only_when_one_happened(
        tmp_path: Path) -> None:
    write_journal(tmp_path / "data", b'{"effect": "test.no', b"running 4242\n")
    keeper = StateKeeper.open(True, tmp_path / "data")
    try:
        lines = startup_lines(keeper)
    finally:
        keeper.close()
    assert lines == [
        "1 damaged line(s) in the middle of the journal could not be read and were skipped: "
        "the changes they held are not restored",
        "the journal's last change was cut short when the previous run was killed or crashed: "
        "its 19 byte(s) were dropped",
    ]
    assert (tmp_path / "data" / "lock").read_bytes() == b"stopped\n"


def test_an_incomplete_last_line_after_a_clean_stop_is_called_what_it_is(tmp_path: Path) -> None:
    write_journal(tmp_path / "data", b"{", b"stopped\n")
    keeper = StateKeeper.open(True, tmp_path / "data")
    try:
        assert startup_lines(keeper)[-1] == (
            "the journal ended in an incomplete line (1 byte(s)): dropped")
        assert (tmp_path / "data" / "lock").read_bytes() == f"running {os.getpid()}\n".encode()
    finally:
        keeper.close()
