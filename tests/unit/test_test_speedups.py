"""What tests/conftest.py sets up for speed: one boto3 session, also for `boto3.client(...)` under
moto, and each URL rule parsed and its builder compiled once per test process."""
from __future__ import annotations

import boto3
from botocore.config import Config
from flask import Flask, url_for
from moto import mock_aws

from webapp import create_app

from tests.helpers import PASSWORD, injected, shared_session


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
