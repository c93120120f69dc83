"""Importing items: batch writing with retries, and the import pages with their progress."""
from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from http import HTTPStatus

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp.aws import clients, item_import
from webapp.aws.errors import ConsoleError
from webapp.aws.item_import import BatchOutcome
from webapp.import_jobs import ImportJob, ImportJobs
from webapp.views.table_import import JOBS_KEY

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
    assert failure.error.code == "invalid"
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
    assert outcome.failures[0].error.code == "throttled"


def test_a_missing_table_stops_the_import(app: Flask) -> None:
    with app.app_context(), pytest.raises(ConsoleError) as caught:
        write([(1, {"id": "a"})], table_name="Nope")
    assert caught.value.code == "not-found"


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
        "The JSON array is not valid at line 3, column 2: Expecting ',' delimiter. "
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
    monkeypatch.setattr("webapp.views.table_import.MAX_UPLOAD_BYTES", 10)
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
