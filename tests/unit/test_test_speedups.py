"""What tests/conftest.py sets up once per test process: one boto3 session, also for
`boto3.client(...)` under moto; each URL rule parsed and its builder compiled once; and what moto
imports on first use, imported before any test's threads need it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
from botocore.config import Config
from flask import Flask, url_for
from moto import mock_aws

from webapp import create_app

from tests.helpers import PASSWORD, injected, shared_session

PROJECT = Path(__file__).resolve().parents[2]


def test_boto3s_default_session_under_moto_is_the_shared_one() -> None:
    for _ in range(2):
        with mock_aws():
            client = boto3.client("dynamodb", region_name="ap-northeast-2")
            assert client.list_tables()["TableNames"] == []
            assert boto3.DEFAULT_SESSION is shared_session()


def test_apps_share_url_builders_and_build_urls_as_before(app: Flask) -> None:
    other = create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                        "CONSOLE_PASSWORD": PASSWORD})
    rule, same = (next(each for each in one.url_map.iter_rules()
                       if each.endpoint == "dynamodb.tables.detail") for one in (app, other))
    assert rule is not same and rule._build.__func__ is same._build.__func__
    with app.test_request_context():
        assert url_for("dynamodb.tables.detail", table_name="orders v2", page="2") == (
            "/tables/orders%20v2?page=2")


def test_apps_share_parsed_rules_and_still_match_and_build(app: Flask) -> None:
    other = create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                        "CONSOLE_PASSWORD": PASSWORD})
    rule, same = (next(each for each in one.url_map.iter_rules()
                       if each.endpoint == "dynamodb.tables.detail") for one in (app, other))
    assert rule is not same and rule._parts is same._parts
    assert rule.arguments == same.arguments == {"table_name"}
    for one in (app, other):
        adapter = one.url_map.bind("localhost")
        assert adapter.match("/tables/orders v2") == (
            "dynamodb.tables.detail", {"table_name": "orders v2"})
        assert adapter.build("dynamodb.tables.detail", {"table_name": "a b"}) == "/tables/a%20b"


def test_apps_reuse_the_clients_of_the_shared_session_and_they_work_in_each_mock() -> None:
    made = []
    for _ in range(2):
        with mock_aws():
            app = create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                              "CONSOLE_PASSWORD": PASSWORD})
            client = app.extensions["aws"].client("dynamodb", "ap-northeast-2")
            client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                                KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": "k",
                                                       "AttributeType": "S"}])
            assert client.list_tables()["TableNames"] == ["t"], "a mock's state leaked"
            made.append(client)
    assert made[0] is made[1]
    session = shared_session()
    assert session.client("dynamodb", region_name="us-east-1") is not made[0]
    slower = Config(connect_timeout=1)
    assert session.client("dynamodb", region_name="ap-northeast-2", config=slower) is not (
        session.client("dynamodb", region_name="ap-northeast-2", config=Config()))


# A fresh test process after tests/conftest.py's warm-up, then the dashboard, whose counts run in
# eight threads at once: prints what moto imported during that page.
DASHBOARD_AFTER_WARM_UP = """
import sys
from moto import mock_aws
from tests.conftest import import_what_moto_imports_on_first_use
from tests.helpers import PASSWORD, csrf_token, injected
from webapp import create_app

import_what_moto_imports_on_first_use()
with mock_aws():
    app = create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                      "CONSOLE_PASSWORD": PASSWORD})
    client = app.test_client()
    client.post("/login", data={"secret": PASSWORD, "csrf_token": csrf_token(client)})
    before = set(sys.modules)
    page = client.get("/")
    assert page.status_code == 200 and "Dashboard" in page.text, page.status_code
    print(sorted(name for name in set(sys.modules) - before if name.startswith("moto")))
"""


def test_the_dashboards_threads_find_nothing_of_moto_left_to_import(tmp_path: Path) -> None:
    # Threads importing moto's modules at once were now and then refused with _DeadlockError
    # (7 of 60 fresh processes making the dashboard's calls at once on a loaded machine; none
    # of 60 after the warm-up), so a test process imports them all before its first test.
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "CONSOLE_TEST_EVENTS_FILE": str(tmp_path / "test-events.json"),
           "CONSOLE_WIZARD_RECORD_FILE": str(tmp_path / "wizard.sqlite3"),
           "CONSOLE_SIGNED_OUT_FILE": str(tmp_path / "signed-out.jsonl")}
    run = subprocess.run([sys.executable, "-c", DASHBOARD_AFTER_WARM_UP], cwd=PROJECT, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"
