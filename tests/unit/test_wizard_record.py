"""The wizard's record on the server, and its tag: what it made is its own in any browser.

The record keeps each place's progress apart (backend and endpoint, account, region), survives
two writers at once, and starts afresh with a message when its file is not a record. Without a
record, the `serverless-console:wizard` tag still tells the wizard's resources from others'.
"""
from __future__ import annotations

import html
import sqlite3
import threading
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from tests.helpers import PASSWORD, csrf_token, injected, load_only_managed_policies
from webapp import create_app
from webapp.aws import tags
from webapp.aws.errors import AccessDenied
from webapp.views.wizard.pages import SESSION_KEY
from webapp.wizard import ownership, steps
from webapp.wizard.model import Made, Plan
from webapp.wizard.record import (
    ENTRY_RESET, RECORD_RESET, RecordKey, WizardRecord, WizardState,
)

REGION = "ap-northeast-2"
KEY = RecordKey("sandbox", "http://127.0.0.1:4566", "123456789012", REGION)
TABLE_STEP = {"table_name": "wizard-items", "partition_key": "id",
              "test_items": '{"id": "1"}'}


def state_with(*identities: str, table_name: str = "t") -> WizardState:
    made = Made(table_name=table_name, run_id="run1")
    for identity in identities:
        made.record(*identity.split(":", 1))
    return WizardState(Plan(table_name=table_name), made, ["table"])


# 1. The record file

def test_a_state_comes_back_as_it_was_saved(tmp_path: Path) -> None:
    record = WizardRecord(tmp_path / "instance" / "wizard.sqlite3")
    assert record.load(KEY).state is None
    assert not (tmp_path / "instance").exists()  # reading makes no file
    saved = state_with("table:t", "role:r")
    assert record.save(KEY, saved) is None
    loaded = record.load(KEY)
    assert loaded.notice is None and loaded.state == saved


@pytest.mark.parametrize("other", [
    RecordKey("aws", "", KEY.account_id, KEY.region),
    RecordKey("sandbox", "http://127.0.0.1:4567", KEY.account_id, KEY.region),
    RecordKey("sandbox", KEY.endpoint, "210987654321", KEY.region),
    RecordKey("sandbox", KEY.endpoint, KEY.account_id, "us-east-1"),
])
def test_each_backend_account_and_region_has_its_own_record(tmp_path: Path,
                                                              other: RecordKey) -> None:
    record = WizardRecord(tmp_path / "wizard.sqlite3")
    record.save(KEY, state_with("table:here", table_name="here"))
    assert record.load(other).state is None
    record.save(other, state_with("table:there", table_name="there"))
    assert record.load(KEY).state.plan.table_name == "here"  # type: ignore[union-attr]
    assert record.load(other).state.plan.table_name == "there"  # type: ignore[union-attr]


@pytest.mark.parametrize("content", [b"not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_corrupt_file_is_set_aside_and_a_fresh_record_started(tmp_path: Path,
                                                                 content: bytes) -> None:
    path = tmp_path / "wizard.sqlite3"
    path.write_bytes(content)
    record = WizardRecord(path)
    loaded = record.load(KEY)
    assert loaded.state is None and loaded.notice is not None
    assert loaded.notice.message == RECORD_RESET
    kept = Path(loaded.notice.params["kept"])
    assert kept.read_bytes() == content  # kept for a person to look at, never deleted
    record.save(KEY, state_with("table:t"))
    assert record.load(KEY).state == state_with("table:t")


def test_another_applications_database_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "wizard.sqlite3"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE orders (id INTEGER)")
    other.close()
    record = WizardRecord(path)
    notice = record.save(KEY, state_with("table:t"))
    assert notice is not None and "another application" in notice.params["reason"]
    with sqlite3.connect(notice.params["kept"]) as kept:
        assert kept.execute("SELECT name FROM sqlite_master").fetchall() == [("orders",)]
    kept.close()
    assert record.load(KEY).state == state_with("table:t")


def test_an_unreadable_entry_starts_that_place_afresh(tmp_path: Path) -> None:
    path = tmp_path / "wizard.sqlite3"
    record = WizardRecord(path)
    record.save(KEY, state_with("table:t"))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE wizard_state SET state = ?", ('{"made": {"identities": 5}',))
    db.close()
    loaded = record.load(KEY)
    assert loaded.state is None and loaded.notice is not None
    assert loaded.notice.message == ENTRY_RESET


def test_values_of_the_wrong_type_are_dropped() -> None:
    state = WizardState.from_json('{"plan": {"memory_mb": "lots", "table_name": "kept"}, '
                                  '"made": {"identities": [1, 2], "table_name": ["x"]}, '
                                  '"done": ["table", 3]}')
    assert state == WizardState(Plan(table_name="kept"), Made(), ["table"])


def test_two_writers_at_once_lose_nothing_the_wizard_made(tmp_path: Path) -> None:
    path = tmp_path / "wizard.sqlite3"
    writers = 6
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        record = WizardRecord(path)  # as two console processes would: no shared object
        start.wait()
        try:
            record.save(KEY, state_with(f"table:t{number}"))
        except BaseException as err:  # noqa: BLE001 - reported below
            failures.append(err)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    made = WizardRecord(path).load(KEY).state.made  # type: ignore[union-attr]
    assert sorted(made.identities) == sorted(f"table:t{number}" for number in range(writers))


def test_a_tear_down_forgets_what_it_deleted(tmp_path: Path) -> None:
    record = WizardRecord(tmp_path / "wizard.sqlite3")
    record.save(KEY, state_with("table:t", "role:r"))
    record.save(KEY, WizardState(Plan(), Made(), []), forget={"table:t", "role:r"})
    assert record.load(KEY).state.made.identities == []  # type: ignore[union-attr]


# 2. The pages, from one browser and then another

@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    return tmp_path / "wizard.sqlite3"


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, record_file: Path) -> Iterator[Flask]:
    load_only_managed_policies(monkeypatch, ("AWSLambdaBasicExecutionRole",))
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                          "CONSOLE_PASSWORD": PASSWORD, "wizard_record_file": str(record_file)})


def browser(app: Flask) -> FlaskClient:
    """A new browser: its own cookies, signed in."""
    client = app.test_client()
    reply = client.post("/login", data={"secret": PASSWORD, "csrf_token": csrf_token(client)})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    return client


def run_table_step(client: FlaskClient) -> str:
    reply = client.post("/wizard/step/table", data={
        **TABLE_STEP, "csrf_token": csrf_token(client, "/wizard/step/table")})
    assert reply.status_code == HTTPStatus.SEE_OTHER, reply.text
    return html.unescape(client.get("/wizard/step/table").text)


def made_here(page: str) -> str:
    return page.split("Made by this step", 1)[1]


def test_another_browser_knows_the_wizards_table_from_the_record(app: Flask) -> None:
    first = browser(app)
    assert "existed before" not in made_here(run_table_step(first))
    page = run_table_step(browser(app))
    assert "wizard-items" in made_here(page)
    assert "existed before" not in made_here(page)


def test_without_the_record_the_tag_still_tells_the_wizards_own(app: Flask,
                                                                  record_file: Path) -> None:
    run_table_step(browser(app))
    table_arn = boto3.client("dynamodb", region_name=REGION).describe_table(
        TableName="wizard-items")["Table"]["TableArn"]
    with app.test_request_context():
        assert tags.table_tags(table_arn)[ownership.TAG_KEY]
    record_file.unlink()
    fresh = browser(app)
    preview = html.unescape(fresh.get("/wizard/step/table").text)
    assert "wizard-items was made by the setup wizard" in preview
    page = run_table_step(fresh)
    assert "existed before" not in made_here(page)


def test_a_table_without_the_tag_existed_before(app: Flask) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="wizard-items", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    assert "existed before" in made_here(run_table_step(browser(app)))


def test_a_tear_down_from_a_fresh_browser_without_the_record_deletes_the_tagged_table(
        app: Flask, record_file: Path) -> None:
    run_table_step(browser(app))
    record_file.unlink()
    fresh = browser(app)  # no cookie and no record: only the tag on the table
    listing = html.unescape(fresh.get("/wizard/teardown").text)
    assert "Will be deleted" in listing and "wizard-items" in listing
    reply = fresh.post("/wizard/teardown", data={
        "confirm_name": "delete", "csrf_token": csrf_token(fresh, "/wizard/teardown")})
    assert "Tear down complete: nothing the wizard made is left." in html.unescape(reply.text)
    assert boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"] == []


def test_the_summary_lists_what_it_kept_instead_of_saying_nothing_is_left(app: Flask) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="wizard-items", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    client = browser(app)
    run_table_step(client)
    client.post("/wizard/step/access", data={
        "policy_name": "remembered-access", "role_name": "remembered-role",
        "csrf_token": csrf_token(client, "/wizard/step/access")})
    reply = client.post("/wizard/teardown", data={
        "confirm_name": "delete", "csrf_token": csrf_token(client, "/wizard/teardown")})
    page = html.unescape(reply.text)
    assert "nothing the wizard made is left" not in page
    assert "1 item is kept because it existed before the wizard:" in page
    assert "wizard-items" in page.split("kept because", 1)[1].split("</div>", 1)[0]
    assert boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"] == [
        "wizard-items"]


def test_progress_kept_in_an_old_session_moves_into_the_record(app: Flask,
                                                               record_file: Path) -> None:
    client = browser(app)
    with client.session_transaction() as session:
        session[SESSION_KEY] = {"plan": Plan(table_name="from-cookie").to_dict(),
                                "made": Made().to_dict(), "done": []}
    assert 'value="from-cookie"' in client.get("/wizard/step/table").text
    with client.session_transaction() as session:
        assert SESSION_KEY not in session
    assert 'value="from-cookie"' in browser(app).get("/wizard/step/table").text


def test_a_corrupt_record_is_reported_on_the_page_not_as_a_stack_trace(
        app: Flask, record_file: Path) -> None:
    record_file.write_bytes(b"garbage" * 200)
    reply = browser(app).get("/wizard/")
    assert reply.status_code == HTTPStatus.OK
    page = html.unescape(reply.text)
    assert "could not be read (file is not a database), so a fresh record was started" in page
    assert "Traceback" not in page


def test_what_the_steps_make_carries_the_wizard_tag(app: Flask) -> None:
    with app.test_request_context():
        made = steps.step("table").run(Plan(test_items=""), Made())
        made = steps.step("access").run(Plan(), made)
        assert made.run_id
        for kind, identity in (("table", made.table_name), ("policy", made.policy_arn),
                               ("role", made.role_name)):
            assert ownership.carries_wizard_tag(kind, identity or ""), kind


def test_an_identity_that_may_not_read_tags_sees_the_resource_as_untagged(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(table_arn: str) -> dict[str, str]:
        raise AccessDenied("not authorized to perform: dynamodb:ListTagsOfResource")

    with app.test_request_context():
        made = steps.step("table").run(Plan(test_items=""), Made())
        monkeypatch.setattr(tags, "table_tags", refused)
        assert not ownership.carries_wizard_tag("table", made.table_name or "")
        assert ownership.claim_if_tagged(made, "table", made.table_name or "")  # the record's word


# 3. The steps' descriptions, in Korean

def test_the_calls_a_step_makes_are_described_in_korean(app: Flask) -> None:
    client = browser(app)
    client.post("/preferences/language", data={"language": "ko",
                                               "csrf_token": csrf_token(client, "/")})
    pages = {key: html.unescape(client.get(f"/wizard/step/{key}").text)
             for key in ("table", "access", "function", "api", "stage")}
    assert "wizard-items, id (S), PAY_PER_REQUEST — 없는 경우" in pages["table"]
    assert "테스트 항목 3개" in pages["table"]
    assert "lambda.amazonaws.com이 신뢰" in pages["access"] \
        or "lambda.amazonaws.com이(가) 신뢰" in pages["access"]
    assert "다른 설정으로 이미 있는 경우" in pages["function"]
    assert "마법사가 만든 API가 없는 경우" in pages["api"]
    assert "CloudWatch Logs 역할이 설정되어 있는지 확인" in pages["stage"]
    assert "스테이지 prod" in pages["stage"]
    for page in pages.values():
        assert "if missing" not in page and "test items" not in page
        assert "trusted by" not in page and "is a CloudWatch Logs role set?" not in page
