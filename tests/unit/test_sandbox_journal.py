"""The sandbox's journal: its file, which calls it records, moto's randomness kept for replay."""
import gzip
import json
import threading
import time
from pathlib import Path

import pytest
from moto.moto_api._internal import mock_random
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from webapp.sandbox.dispatch import AwsOperation
from webapp.sandbox.persistence import clock, draws
from webapp.sandbox.persistence.changes import is_change, is_partiql_read
from webapp.sandbox.persistence.journal import Journal, JournalError, encode, header, parse
from webapp.sandbox.persistence.replay import request_entry


def operation(service: str, name: str) -> AwsOperation:
    return AwsOperation(service=service, name=name, region="ap-northeast-2", access_key_id="k")


def test_a_new_directory_gets_a_journal_holding_nothing(tmp_path: Path) -> None:
    journal, loaded = Journal.in_directory(tmp_path / "data")
    journal.close()
    assert loaded.entries == [] and journal.count == 0
    assert json.loads((tmp_path / "data" / "journal.jsonl").read_bytes()) == header()


def test_appended_changes_load_again_in_order(tmp_path: Path) -> None:
    journal, _ = Journal.in_directory(tmp_path)
    for number in range(3):
        journal.append({"n": number, "text": "되돌리기 ✓"})
    journal.close()
    again, loaded = Journal.in_directory(tmp_path)
    again.close()
    assert loaded.entries == [{"n": number, "text": "되돌리기 ✓"} for number in range(3)]
    assert again.count == 3


def test_a_last_line_cut_short_is_dropped_and_cut_from_the_file(tmp_path: Path) -> None:
    journal, _ = Journal.in_directory(tmp_path)
    journal.append({"n": 1})
    journal.close()
    path = tmp_path / "journal.jsonl"
    with path.open("ab") as stream:
        stream.write(b'{"n": 2, "cut')
    again, loaded = Journal.in_directory(tmp_path)
    again.append({"n": 3})
    again.close()
    assert loaded.entries == [{"n": 1}]
    assert parse(path.read_bytes()).entries == [{"n": 1}, {"n": 3}]


def test_a_damaged_line_in_the_middle_is_skipped_and_counted() -> None:
    data = encode(header()) + b'{"n": 1}\n\x00\x00garbage\n[1, 2]\n{"n": 2}\n'
    loaded = parse(data)
    assert loaded.entries == [{"n": 1}, {"n": 2}]
    assert loaded.skipped == 2


@pytest.mark.parametrize(("data", "message"), [
    (b"", "not a sandbox snapshot"),
    (b"id,name\n1,x\n", "not a sandbox snapshot"),
    (b'{"format": "something-else", "version": 1}\n', "not a sandbox snapshot"),
    (b'{"format": "serverless-console-sandbox-journal", "version": 99}\n', "version 99"),
    (b"\x1f\x8b\x08\x00broken", "not a readable gzip file"),
])
def test_files_that_are_not_journals_are_refused_with_the_reason(data: bytes,
                                                                  message: str) -> None:
    with pytest.raises(JournalError, match=message):
        parse(data)


def test_a_gzip_snapshot_parses_like_the_plain_file() -> None:
    data = encode(header()) + encode({"n": 1})
    assert parse(gzip.compress(data)).entries == parse(data).entries == [{"n": 1}]


def test_replacing_the_journal_keeps_exactly_the_new_changes(tmp_path: Path) -> None:
    journal, _ = Journal.in_directory(tmp_path)
    journal.append({"old": True})
    journal.replace([{"new": 1}, {"new": 2}])
    journal.append({"new": 3})
    snapshot = b"".join(journal.chunks())
    journal.close()
    assert parse(snapshot).entries == [{"new": 1}, {"new": 2}, {"new": 3}]
    assert Journal.in_directory(tmp_path)[1].entries == [{"new": 1}, {"new": 2}, {"new": 3}]
    assert [path.name for path in tmp_path.iterdir()] == ["journal.jsonl"]


def test_a_temporary_journal_serves_its_changes_and_leaves_no_file(tmp_path: Path) -> None:
    journal = Journal.temporary()
    journal.append({"n": 1})
    assert journal.path is None
    assert parse(b"".join(journal.chunks())).entries == [{"n": 1}]
    journal.replace([])
    assert parse(b"".join(journal.chunks())).entries == []
    journal.close()


@pytest.mark.parametrize(("service", "name", "changes"), [
    ("dynamodb", "PutItem", True),
    ("dynamodb", "BatchWriteItem", True),
    ("dynamodb", "TransactWriteItems", True),
    ("dynamodb", "Query", False),
    ("s3", "HeadObject", False),
    ("dynamodb", "BatchGetItem", False),
    ("dynamodb", "TransactGetItems", False),
    ("iam", "CreateRole", True),
    ("iam", "SimulatePrincipalPolicy", False),
    ("lambda", "Invoke", False),
    ("lambda", "UpdateFunctionCode", True),
    ("apigateway", "TestInvokeMethod", False),
    ("apigateway", "CreateDeployment", True),
    ("logs", "FilterLogEvents", False),
    ("sts", "AssumeRole", True),
    ("sts", "GetCallerIdentity", False),
])
def test_calls_that_change_state_are_told_from_reads(service: str, name: str,
                                                     changes: bool) -> None:
    assert is_change(operation(service, name)) is changes


def test_unsigned_requests_are_not_changes() -> None:
    assert is_change(None) is False


@pytest.mark.parametrize(("name", "body", "reads"), [
    ("ExecuteStatement", {"Statement": 'SELECT * FROM "t"'}, True),
    ("ExecuteStatement", {"Statement": '\n  select pk FROM "t"'}, True),
    ("ExecuteStatement", {"Statement": "INSERT INTO \"t\" VALUE {'pk': 'a'}"}, False),
    ("ExecuteStatement", {"Statement": 'SELECTED'}, False),
    ("ExecuteStatement", {"Statement": 7}, False),
    ("ExecuteStatement", {}, False),
    ("BatchExecuteStatement", {"Statements": [{"Statement": 'SELECT * FROM "t"'}]}, True),
    ("BatchExecuteStatement", {"Statements": [{"Statement": 'SELECT * FROM "t"'},
                                              {"Statement": 'DELETE FROM "t" WHERE pk = 1'}]},
     False),
    ("BatchExecuteStatement", {"Statements": []}, False),
    ("PutItem", {"Statement": 'SELECT * FROM "t"'}, False),
])
def test_partiql_selects_are_reads_and_anything_else_a_change(name: str, body: dict[str, object],
                                                             reads: bool) -> None:
    assert is_partiql_read(json.dumps(body).encode(), operation("dynamodb", name)) is reads


def test_a_partiql_body_that_is_not_json_is_a_change() -> None:
    assert is_partiql_read(b"{", operation("dynamodb", "ExecuteStatement")) is False


def test_replayed_draws_make_the_same_ids_again() -> None:
    draws.install()
    with draws.recording() as drawn:
        first = (mock_random.get_random_hex(10), str(mock_random.uuid4()),
                 "".join(mock_random.choices("ABC123", k=8)))
    with draws.replaying(drawn) as script:
        again = (mock_random.get_random_hex(10), str(mock_random.uuid4()),
                 "".join(mock_random.choices("ABC123", k=8)))
    assert again == first
    assert not script.diverged
    assert mock_random.get_random_hex(10) != first[0]  # outside a replay: random again


def test_a_replay_asking_other_draws_than_recorded_diverges_to_fresh_randomness() -> None:
    draws.install()
    with draws.recording() as drawn:
        mock_random.random()
    with draws.replaying(drawn) as script:
        value = mock_random.getrandbits(64)
    assert script.diverged
    assert 0 <= value < 2 ** 64


def test_draws_of_other_threads_are_neither_recorded_nor_replayed() -> None:
    draws.install()
    other: list[str] = []
    with draws.recording() as drawn:
        thread = threading.Thread(target=lambda: other.append(mock_random.get_random_hex(8)))
        thread.start()
        thread.join()
    assert drawn == []
    assert len(other[0]) == 8


def test_a_snapshot_read_while_changes_land_leaves_the_temporary_journal_whole() -> None:
    journal = Journal.temporary()
    for number in range(3):
        journal.append({"n": number, "pad": "x" * 800_000})  # > one read chunk
    reading = journal.chunks()
    next(reading)  # a download has begun...
    for number in range(3, 6):  # ...while changes land
        journal.append({"n": number, "pad": "x" * 800_000})  # > one read chunk
    list(reading)
    whole = parse(b"".join(journal.chunks()))
    journal.close()
    assert [entry["n"] for entry in whole.entries] == [0, 1, 2, 3, 4, 5]
    assert whole.skipped == 0


def test_a_journal_that_cannot_be_replaced_stays_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal, _ = Journal.in_directory(tmp_path)
    journal.append({"n": 1})

    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("webapp.sandbox.persistence.journal._write_atomically", full_disk)
    with pytest.raises(OSError):
        journal.replace([{"other": True}])
    journal.append({"n": 2})  # still writable
    journal.close()
    assert Journal.in_directory(tmp_path)[1].entries == [{"n": 1}, {"n": 2}]


def test_a_snapshot_put_in_place_of_the_journal_is_kept_as_plain_lines(tmp_path: Path) -> None:
    (tmp_path / "journal.jsonl").write_bytes(gzip.compress(encode(header()) + encode({"n": 1})))
    journal, loaded = Journal.in_directory(tmp_path)
    journal.append({"n": 2})
    journal.close()
    assert loaded.entries == [{"n": 1}]
    assert parse((tmp_path / "journal.jsonl").read_bytes()).entries == [{"n": 1}, {"n": 2}]
    assert (tmp_path / "journal.jsonl").read_bytes()[:1] == b"{"


def test_a_presigned_requests_token_and_signature_are_not_kept() -> None:
    query = ("Action=CreateUser&UserName=ann&X-Amz-Credential=AKID%2F20261126%2Fus-east-1%2Fiam"
             "%2Faws4_request&X-Amz-Security-Token=FQoGsecret%2Btoken&X-Amz-Signature=abc123")
    environ = EnvironBuilder(method="GET", path="/", query_string=query).get_environ()
    environ["REQUEST_URI"] = f"/?{query}"
    entry = request_entry(Request(environ), b"", "iam:CreateUser", 1.0, [], [])
    for kept in (entry["request"]["query"], entry["request"]["uri"]):
        assert "FQoG" not in kept and "abc123" not in kept
        assert "X-Amz-Credential=AKID%2F20261126" in kept and "UserName=ann" in kept


def test_replayed_clock_readings_give_the_same_dates_again() -> None:
    clock.install()
    import moto.apigateway.models as gateway_models
    import moto.dynamodb.models.table as dynamodb_models

    with clock.recording() as readings:
        first = (dynamodb_models.utcnow(), gateway_models.time.time())
    time.sleep(0.01)
    with clock.replaying(readings):
        again = (dynamodb_models.utcnow(), gateway_models.time.time())
    assert again == first
    assert [kind for kind, _ in readings] == ["u", "t"]
    assert dynamodb_models.utcnow() > first[0]  # outside a replay: the real clock again
