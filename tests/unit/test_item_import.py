"""Importing items: batch writing with retries, and the import pages with their progress."""
from __future__ import annotations

import html
import io
import json
import re
import threading
from collections.abc import Iterator
from decimal import Decimal
from http import HTTPStatus

import boto3
import pytest
from botocore.exceptions import ClientError
from flask import Flask
from flask.testing import FlaskClient

from webapp.aws import clients
from webapp.aws.dynamodb import item_import
from webapp.aws.errors import Busy, ConsoleError, InvalidInput, NotFound, Throttled
from webapp.aws.dynamodb.item_import import BatchOutcome, RowFailure
from webapp.aws.dynamodb.import_jobs import (
    MAX_WAITING, UNEXPECTED, WORKERS, ImportJob, ImportJobs, run_import,
)
from webapp.aws.dynamodb.import_rows import Row, RowError
from webapp.views.dynamodb.table_import import JOBS_KEY

from tests.helpers import csrf_token

REGION = "ap-northeast-2"
TABLE = "Orders"


def make_table(table_name: str = TABLE, region: str = REGION, sort_key: bool = False) -> None:
    schema = [{"AttributeName": "id", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "id", "AttributeType": "S"}]
    if sort_key:
        schema.append({"AttributeName": "n", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "n", "AttributeType": "N"})
    boto3.client("dynamodb", region_name=region).create_table(
        TableName=table_name, KeySchema=schema, AttributeDefinitions=definitions,
        BillingMode="PAY_PER_REQUEST")


def stored(table_name: str = TABLE, region: str = REGION) -> dict[str, dict]:
    table = boto3.resource("dynamodb", region_name=region).Table(table_name)
    return {item["id"]: item for item in table.scan()["Items"]}


@pytest.fixture
def table(app: Flask) -> Iterator[str]:
    with app.app_context():
        make_table()
        yield TABLE


def write(rows: list[tuple[int, dict]], key_names: tuple[str, ...] = ("id",),
          table_name: str = TABLE) -> list[BatchOutcome]:
    outcomes: list[BatchOutcome] = []
    item_import.write_items(table_name, rows, key_names, outcomes.append,
                            sleep=lambda seconds: None)
    return outcomes


def test_three_rows_go_in_one_batch(table: str) -> None:
    outcomes = write([(1, {"id": "a", "n": Decimal("1.5")}), (2, {"id": "b"}), (3, {"id": "c"})])
    assert outcomes == [BatchOutcome(3)]
    assert stored()["a"]["n"] == Decimal("1.5")
    assert sorted(stored()) == ["a", "b", "c"]


def test_sixty_rows_go_in_three_batches(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = spy_batch_sizes(monkeypatch)
    outcomes = write([(line, {"id": f"item-{line:03}"}) for line in range(1, 61)])
    assert [outcome.written for outcome in outcomes] == [25, 25, 10]
    assert sizes == [25, 25, 10]
    assert len(stored()) == 60


def spy_batch_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    dynamodb = clients.client("dynamodb")
    real = dynamodb.batch_write_item
    sizes: list[int] = []

    def counting(**kwargs: object) -> dict:
        sizes.append(sum(len(requests) for requests in kwargs["RequestItems"].values()))
        return real(**kwargs)

    monkeypatch.setattr(dynamodb, "batch_write_item", counting)
    return sizes


def test_a_repeated_key_never_shares_a_batch_and_the_later_row_wins(
        table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = spy_batch_sizes(monkeypatch)
    outcomes = write([(1, {"id": "a", "v": "old"}), (2, {"id": "b"}),
                      (3, {"id": "a", "v": "new"}), (4, {"id": "c"})])
    assert sizes == [2, 2]
    assert sum(outcome.written for outcome in outcomes) == 4
    assert not any(outcome.failures for outcome in outcomes)
    assert stored()["a"]["v"] == "new"


def test_equal_numbers_are_the_same_key(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        make_table(sort_key=True)
        sizes = spy_batch_sizes(monkeypatch)
        write([(1, {"id": "a", "n": Decimal("1")}), (2, {"id": "a", "n": Decimal("1.0")})],
              ("id", "n"))
        assert sizes == [1, 1]


def test_a_bad_row_among_good_ones_is_reported_by_line(table: str) -> None:
    too_big = "x" * (410 * 1024)  # DynamoDB's item limit is 400 KB
    outcomes = write([(1, {"id": "a"}), (2, {"id": "b", "blob": too_big}), (3, {"id": "c"})])
    assert [outcome.written for outcome in outcomes] == [2]
    [failure] = outcomes[0].failures
    assert failure.line == 2
    assert isinstance(failure.error, InvalidInput)
    assert sorted(stored()) == ["a", "c"]


def test_unprocessed_items_are_retried_with_growing_delays(
        table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb = clients.client("dynamodb")
    real = dynamodb.batch_write_item
    calls: list[int] = []

    def leaves_two_unprocessed(**kwargs: object) -> dict:
        requests = kwargs["RequestItems"][TABLE]
        calls.append(len(requests))
        if len(calls) == 1:
            real(RequestItems={TABLE: requests[2:]})
            return {"UnprocessedItems": {TABLE: requests[:2]}}
        if len(calls) == 2:
            return {"UnprocessedItems": {TABLE: requests}}
        return real(**kwargs)

    monkeypatch.setattr(dynamodb, "batch_write_item", leaves_two_unprocessed)
    delays: list[float] = []
    outcomes: list[BatchOutcome] = []
    item_import.write_items(TABLE, [(line, {"id": f"r{line}"}) for line in range(1, 6)], ["id"],
                            outcomes.append, sleep=delays.append, jitter=lambda low, high: high)
    assert calls == [5, 2, 2]
    assert delays == [0.05, 0.1]
    assert outcomes == [BatchOutcome(5)]
    assert len(stored()) == 5


def test_rows_left_unprocessed_after_every_retry_fail_by_line(
        table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb = clients.client("dynamodb")
    real = dynamodb.batch_write_item

    def never_takes_row_two(**kwargs: object) -> dict:
        requests = kwargs["RequestItems"][TABLE]
        stuck = [request for request in requests if request["PutRequest"]["Item"]["id"] == {"S": "r2"}]
        rest = [request for request in requests if request not in stuck]
        if rest:
            real(RequestItems={TABLE: rest})
        return {"UnprocessedItems": {TABLE: stuck}}

    monkeypatch.setattr(dynamodb, "batch_write_item", never_takes_row_two)
    delays: list[float] = []
    outcomes: list[BatchOutcome] = []
    item_import.write_items(TABLE, [(line, {"id": f"r{line}"}) for line in range(1, 4)], ["id"],
                            outcomes.append, sleep=delays.append, jitter=lambda low, high: high)
    assert len(delays) == item_import.MAX_RETRIES
    assert max(delays) == item_import.MAX_DELAY_S
    [outcome] = outcomes
    assert outcome.written == 2
    assert [failure.line for failure in outcome.failures] == [2]
    assert isinstance(outcome.failures[0].error, Throttled)


def test_a_missing_table_stops_the_import(app: Flask) -> None:
    with app.app_context(), pytest.raises(ConsoleError) as caught:
        write([(1, {"id": "a"})], table_name="Nope")
    assert isinstance(caught.value, NotFound)


# --- the pages -------------------------------------------------------------------------------

def start(client: FlaskClient, **fields: object) -> object:
    data = {"items": "", "format": "plain",
            "csrf_token": csrf_token(client, f"/tables/{TABLE}/import")}
    data.update(fields)
    return client.post(f"/tables/{TABLE}/import", data=data, content_type="multipart/form-data")


def finished_page(client: FlaskClient, app: Flask, location: str) -> str:
    job_id = location.rsplit("/", 1)[1]
    app.extensions[JOBS_KEY].get(job_id).future.result(timeout=30)
    return client.get(location).text


def field_errors(page: str) -> list[str]:
    return [html.unescape(error) for error in re.findall(r'class="field-error">([^<]*)<', page)]


def test_the_form_shows_its_fields(signed_in: FlaskClient, table: str) -> None:
    page = signed_in.get(f"/tables/{TABLE}/import").text
    assert 'name="items"' in page and 'name="upload"' in page and 'value="dynamodb"' in page


def test_one_pasted_item_reads_in_the_singular(signed_in: FlaskClient, app: Flask,
                                               table: str) -> None:
    reply = start(signed_in, items='[{"id": "a"}]')
    assert "1 of 1 item written, 0 failed." in finished_page(signed_in, app,
                                                             reply.headers["Location"])


def test_pasted_items_are_imported_and_the_progress_page_says_done(
        signed_in: FlaskClient, app: Flask, table: str) -> None:
    reply = start(signed_in, items='[{"id": "a"},\n {"id": "b"},\n {"id": "c", "n": 3}]')
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert re.fullmatch(rf"/tables/{TABLE}/import/[0-9a-f]{{32}}", reply.headers["Location"])
    page = finished_page(signed_in, app, reply.headers["Location"])
    assert "3 of 3 items written, 0 failed." in page
    assert 'value="3"' in page and "hx-trigger" not in page
    assert f'href="/tables/{TABLE}/items"' in page
    assert sorted(stored()) == ["a", "b", "c"]


def test_the_progress_fragment_polls_itself_while_running(
        signed_in: FlaskClient, app: Flask, table: str) -> None:
    job = ImportJob(TABLE, 10)
    app.extensions.setdefault(JOBS_KEY, ImportJobs()).start(job, lambda: None)
    job.record(BatchOutcome(4))
    reply = signed_in.get(f"/tables/{TABLE}/import/{job.job_id}", headers={"HX-Request": "true"})
    assert 'hx-trigger="load delay:500ms"' in reply.text and 'hx-swap="outerHTML"' in reply.text
    assert "4 of 10 items written" in reply.text
    assert "<html" not in reply.text


def test_bad_rows_are_listed_by_line_and_the_good_ones_written(
        signed_in: FlaskClient, app: Flask, table: str) -> None:
    text = '{"id": "a"}\n{"name": "no key"}\n{broken\n{"id": "d"}\n'
    reply = start(signed_in, items=text)
    page = finished_page(signed_in, app, reply.headers["Location"])
    assert "2 of 4 items written, 2 failed." in page
    assert "line 2" in page and "line 3" in page
    assert sorted(stored()) == ["a", "d"]


def test_many_failures_show_a_hundred_and_count_the_rest(
        signed_in: FlaskClient, app: Flask, table: str) -> None:
    text = "\n".join('{"name": "no key"}' for _ in range(130)) + '\n{"id": "ok"}'
    page = finished_page(signed_in, app, start(signed_in, items=text).headers["Location"])
    assert page.count("has no id") == 100
    assert "30 more rows are not shown." in page


def test_an_uploaded_dynamodb_export_is_imported(
        signed_in: FlaskClient, app: Flask, table: str) -> None:
    lines = b'{"Item": {"id": {"S": "x"}, "n": {"N": "1"}}}\n{"Item": {"id": {"S": "y"}}}\n'
    reply = start(signed_in, format="dynamodb", upload=(io.BytesIO(lines), "export.jsonl"))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert "2 of 2 items written" in finished_page(signed_in, app, reply.headers["Location"])
    assert stored()["x"]["n"] == 1


def test_an_array_syntax_error_writes_nothing_and_keeps_the_text(
        signed_in: FlaskClient, table: str) -> None:
    text = '[{"id": "a"},\n {"id": "b"}\n {"id": "c"}]'
    reply = start(signed_in, items=text)
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_errors(reply.text) == [
        "The JSON array is not valid at line 3, column 2: a comma or ] must follow an item. "
        "Nothing was written; fix the text and import again."]
    assert html.escape(text, quote=False) in reply.text.replace("&#34;", '"')
    assert stored() == {}


@pytest.mark.parametrize(("fields", "field_error"), [
    ({"items": "  "}, "There are no items to import"),
    ({"upload": (io.BytesIO(b"id,name\n"), "items.csv")}, "Choose a .json or .jsonl file."),
    ({"upload": (io.BytesIO(b"\xff\xfe{"), "items.json")}, "The file is not UTF-8 text."),
    ({"items": '[{"id": "a"}]', "format": "yaml"}, "Choose plain JSON or DynamoDB JSON."),
])
def test_input_that_cannot_be_imported_is_refused_beside_its_field(
        signed_in: FlaskClient, table: str, fields: dict, field_error: str) -> None:
    reply = start(signed_in, **fields)
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert any(error.startswith(field_error) for error in field_errors(reply.text))
    assert stored() == {}


def test_an_oversized_upload_is_refused(signed_in: FlaskClient, table: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("webapp.views.dynamodb.table_import.MAX_UPLOAD_BYTES", 10)
    reply = start(signed_in, upload=(io.BytesIO(b'{"id": "a"}\n{"id": "b"}\n'), "big.jsonl"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "larger than" in reply.text
    assert stored() == {}


def test_a_missing_table_is_refused_on_post(signed_in: FlaskClient, table: str) -> None:
    token = csrf_token(signed_in, f"/tables/{TABLE}/import")
    reply = signed_in.post("/tables/Gone/import", data={"items": '{"id": "a"}', "format": "plain",
                                                        "csrf_token": token})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Table Gone was not found" in reply.text
    assert '{&#34;id&#34;: &#34;a&#34;}' in reply.text or '{"id": "a"}' in reply.text


def test_an_unknown_job_or_another_tables_job_is_not_found(
        signed_in: FlaskClient, app: Flask, table: str) -> None:
    reply = start(signed_in, items='{"id": "a"}')
    job_id = reply.headers["Location"].rsplit("/", 1)[1]
    assert signed_in.get(f"/tables/{TABLE}/import/{'0' * 32}").status_code == HTTPStatus.NOT_FOUND
    assert signed_in.get(f"/tables/Other/import/{job_id}").status_code == HTTPStatus.NOT_FOUND


def test_the_import_writes_to_the_region_the_user_chose(
        signed_in: FlaskClient, app: Flask) -> None:
    with app.app_context():
        make_table(region="us-west-2")
    token = csrf_token(signed_in, "/")
    signed_in.post("/preferences/region", data={"region": "us-west-2", "csrf_token": token})
    reply = start(signed_in, items='{"id": "west"}')
    assert reply.status_code == HTTPStatus.SEE_OTHER
    finished_page(signed_in, app, reply.headers["Location"])
    assert sorted(stored(region="us-west-2")) == ["west"]


def test_finished_jobs_are_forgotten_oldest_first() -> None:
    jobs = ImportJobs(keep_finished=2)
    started = []
    for _ in range(4):
        job = ImportJob(TABLE, 1)
        jobs.start(job, lambda job=job: job.finish())
        job.future.result(timeout=5)
        started.append(job)
    assert [jobs.get(job.job_id) is not None for job in started] == [False, False, True, True]


def test_a_broken_uploaded_array_is_refused_beside_the_file_field(
        signed_in: FlaskClient, table: str) -> None:
    reply = start(signed_in, items="typed text stays",
                  upload=(io.BytesIO(b'[{"id": "a"}\n{"id": "b"}]'), "items.json"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert re.search(r'id="upload-error" class="field-error">The JSON array is not valid at line 2',
                     reply.text)
    assert "typed text stays</textarea>" in reply.text
    assert stored() == {}


# --- review fixes: throttles, daemon threads, bounded failures and queue ----------------------

def test_a_batch_throttled_as_a_whole_is_retried_after_a_pause(
        table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb = clients.client("dynamodb")
    real = dynamodb.batch_write_item
    calls: list[int] = []

    def throttles_once(**kwargs: object) -> dict:
        calls.append(len(kwargs["RequestItems"][TABLE]))
        if len(calls) == 1:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                         "Message": "Rate exceeded"}}, "BatchWriteItem")
        return real(**kwargs)

    monkeypatch.setattr(dynamodb, "batch_write_item", throttles_once)
    delays: list[float] = []
    outcomes: list[BatchOutcome] = []
    item_import.write_items(TABLE, [(line, {"id": f"r{line}"}) for line in range(1, 4)], ["id"],
                            outcomes.append, sleep=delays.append, jitter=lambda low, high: high)
    assert calls == [3, 3]
    assert delays == [item_import.FIRST_DELAY_S]
    assert outcomes == [BatchOutcome(3)]
    assert len(stored()) == 3


def test_a_batch_throttled_every_time_fails_its_rows_by_line(
        table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def always_throttles(**kwargs: object) -> dict:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                     "Message": "Rate exceeded"}}, "BatchWriteItem")

    monkeypatch.setattr(clients.client("dynamodb"), "batch_write_item", always_throttles)
    outcomes = write([(1, {"id": "a"}), (2, {"id": "b"})])
    assert [outcome.written for outcome in outcomes] == [0]
    assert [(failure.line, type(failure.error)) for failure in outcomes[0].failures] == [
        (1, Throttled), (2, Throttled)]


def rows_then_crash(count: int) -> Iterator[tuple[int, dict]]:
    for line in range(1, count + 1):
        yield line, {"id": f"r{line}"}
    raise RuntimeError("the rows broke")


def test_a_batch_already_sent_is_counted_when_the_rows_break(table: str) -> None:
    outcomes: list[BatchOutcome] = []
    with pytest.raises(RuntimeError):
        item_import.write_items(TABLE, rows_then_crash(30), ["id"], outcomes.append)
    assert outcomes == [BatchOutcome(25)]  # the first batch was in flight
    assert len(stored()) == 25


def test_a_job_stopped_by_an_unexpected_error_keeps_its_counts(table: str) -> None:
    job = ImportJob(TABLE, 30)
    rows = (Row(line, item) for line, item in rows_then_crash(30))
    run_import(job, rows, ["id"])  # type: ignore[arg-type]
    progress = job.progress()
    assert progress.is_done and progress.stopped_by.template == UNEXPECTED
    assert progress.written == 25 == len(stored())


def test_import_and_batch_threads_are_daemons_so_stopping_the_console_never_waits(
        table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb = clients.client("dynamodb")
    real = dynamodb.batch_write_item
    senders: list[bool] = []

    def noting_the_thread(**kwargs: object) -> dict:
        senders.append(threading.current_thread().daemon)
        return real(**kwargs)

    monkeypatch.setattr(dynamodb, "batch_write_item", noting_the_thread)
    workers: list[bool] = []
    job = ImportJob(TABLE, 30)

    def work() -> None:
        workers.append(threading.current_thread().daemon)
        write([(line, {"id": f"r{line}"}) for line in range(1, 31)])

    ImportJobs().start(job, work).future.result(timeout=30)
    assert workers == [True]
    assert senders[0] is True  # the first batch travels while the second is read


def test_a_job_keeps_the_lowest_lines_of_its_failures_and_counts_the_rest() -> None:
    job = ImportJob(TABLE, 20, keep_failures=3)
    problem = InvalidInput("bad")
    for line in (5, 9, 7, 8):
        job.record_bad_row(RowError(line, problem))
    job.record(BatchOutcome(2, [RowFailure(1, problem), RowFailure(6, problem)]))
    progress = job.progress()
    assert [failure.line for failure in progress.failures] == [1, 5, 6]
    assert progress.failed == 6
    assert progress.processed == 8


def test_a_job_holds_at_most_a_thousand_failures() -> None:
    job = ImportJob(TABLE, 5000)
    for line in range(1, 5001):
        job.record_bad_row(RowError(line, InvalidInput("bad")))
    progress = job.progress()
    assert len(progress.failures) == 1000 and progress.failures[-1].line == 1000
    assert progress.failed == 5000


def test_the_progress_page_counts_failures_beyond_those_kept(
        signed_in: FlaskClient, app: Flask, table: str) -> None:
    text = "\n".join('{"name": "no key"}' for _ in range(1200)) + '\n{"id": "ok"}'
    reply = start(signed_in, items=text)
    job = app.extensions[JOBS_KEY].get(reply.headers["Location"].rsplit("/", 1)[1])
    page = finished_page(signed_in, app, reply.headers["Location"])
    assert len(job.progress().failures) == 1000
    assert "1 of 1201 items written, 1200 failed." in page
    assert page.count("has no id") == 100
    assert "1100 more rows are not shown." in page


def blocked_jobs(jobs: ImportJobs, count: int) -> threading.Event:
    release = threading.Event()
    for _ in range(count):
        jobs.start(ImportJob(TABLE, 1), lambda: release.wait(30))
    return release


def test_no_more_imports_are_queued_when_the_workers_are_busy_and_four_wait() -> None:
    jobs = ImportJobs()
    release = blocked_jobs(jobs, WORKERS + MAX_WAITING)
    try:
        with pytest.raises(ConsoleError) as caught:
            jobs.start(ImportJob(TABLE, 1), lambda: None)
        assert isinstance(caught.value, Busy)
        assert caught.value.message == (
            "2 imports are already running and 4 are waiting; wait for one to finish, then "
            "import again.")
    finally:
        release.set()
    for job_id in list(jobs._jobs):
        jobs.get(job_id).future.result(timeout=30)
    jobs.start(ImportJob(TABLE, 1), lambda: None).future.result(timeout=30)


def test_a_busy_console_refuses_an_import_beside_the_form(
        signed_in: FlaskClient, app: Flask, table: str) -> None:
    jobs = app.extensions.setdefault(JOBS_KEY, ImportJobs())
    release = blocked_jobs(jobs, WORKERS + MAX_WAITING)
    try:
        reply = start(signed_in, items='{"id": "a"}')
    finally:
        release.set()
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert re.search(r'class="banner banner-error" role="alert"><p>2 imports are already running',
                     reply.text)
    assert "{&#34;id&#34;: &#34;a&#34;}</textarea>" in reply.text
    assert stored() == {}


def test_a_paste_larger_than_flasks_form_field_limit_is_imported(
        signed_in: FlaskClient, app: Flask, table: str) -> None:
    text = "\n".join(json.dumps({"id": f"r{line:05}", "pad": "x" * 90}) for line in range(7000))
    assert len(text.encode()) > 700_000
    reply = start(signed_in, items=text)
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert "7000 of 7000 items written" in finished_page(signed_in, app, reply.headers["Location"])


def test_exported_strings_with_unicode_line_breaks_import_back_unchanged(
        signed_in: FlaskClient, app: Flask, table: str) -> None:
    odd = {"a": "one\u2028two", "b": "\u2029", "c": "x\x85y", "d": "\x0b\x0c\x1c\x1d\x1e",
           "e": "\r"}
    resource = boto3.resource("dynamodb", region_name=REGION).Table(TABLE)
    for name, value in odd.items():
        resource.put_item(Item={"id": name, "text": value})
    export = signed_in.get(f"/tables/{TABLE}/items/export")
    assert export.status_code == HTTPStatus.OK
    assert "\u2028" in export.text  # written raw, as JSON allows
    for name in odd:
        resource.delete_item(Key={"id": name})
    reply = start(signed_in, items=export.text)
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert "5 of 5 items written, 0 failed." in finished_page(
        signed_in, app, reply.headers["Location"])
    assert {name: item["text"] for name, item in stored().items()} == odd
