"""A new DynamoDB table is CREATING for a while, then ACTIVE, as on AWS."""
import time
import uuid
from typing import Any

import boto3
import pytest

from webapp.sandbox.config import DEFAULT_TABLE_CREATING_SECONDS, ConfigError, parse_config
from webapp.sandbox.dynamodb.table_status import CreationClock

from .processes import (REGION, ClientFactory, SandboxLauncher, clean_env, free_port,
                        wait_until_healthy)

# Only a safety net so a broken sandbox cannot hang the run; the tests assert order, not speed.
WAIT_LIMIT_SECONDS = 30.0
POLL_SECONDS = 0.1


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create_orders(dynamodb: Any, table_name: str) -> dict:
    return dynamodb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "email", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-email",
                                 "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
    )["TableDescription"]


def statuses(description: dict) -> tuple[str, list[str]]:
    return (description["TableStatus"],
            [index["IndexStatus"] for index in description.get("GlobalSecondaryIndexes", [])])


def test_a_new_table_is_creating_then_active(aws_client: ClientFactory) -> None:
    dynamodb = aws_client("dynamodb")
    table_name = unique("creating")
    assert statuses(create_orders(dynamodb, table_name)) == ("CREATING", ["CREATING"])
    assert statuses(dynamodb.describe_table(TableName=table_name)["Table"]) == (
        "CREATING", ["CREATING"])
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    seen = "CREATING"
    while seen == "CREATING" and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        seen, index_statuses = statuses(dynamodb.describe_table(TableName=table_name)["Table"])
    assert (seen, index_statuses) == ("ACTIVE", ["ACTIVE"])


def test_a_creating_table_takes_writes_at_once(aws_client: ClientFactory) -> None:
    dynamodb = aws_client("dynamodb")
    table_name = unique("writable")
    create_orders(dynamodb, table_name)
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}})
    assert dynamodb.get_item(TableName=table_name,
                             Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]["pk"] == {"S": "a"}


def test_a_table_made_again_after_deleting_is_creating_again(aws_client: ClientFactory) -> None:
    dynamodb = aws_client("dynamodb")
    table_name = unique("again")
    create_orders(dynamodb, table_name)
    dynamodb.delete_table(TableName=table_name)
    assert create_orders(dynamodb, table_name)["TableStatus"] == "CREATING"
    assert dynamodb.describe_table(TableName=table_name)["Table"]["TableStatus"] == "CREATING"


def test_zero_seconds_makes_tables_active_at_once(launch_sandbox: SandboxLauncher) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = launch_sandbox("--port", str(port),
                             env=clean_env(SANDBOX_TABLE_CREATING_SECONDS="0"))
    wait_until_healthy(process, url)
    dynamodb = boto3.client("dynamodb", endpoint_url=url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    table_name = unique("instant")
    assert statuses(create_orders(dynamodb, table_name)) == ("ACTIVE", ["ACTIVE"])
    assert dynamodb.describe_table(TableName=table_name)["Table"]["TableStatus"] == "ACTIVE"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_clock_says_creating_until_the_time_has_passed() -> None:
    fake = FakeClock()
    clock = CreationClock(2.0, now=fake)
    clock.started(REGION, "orders")
    fake.now += 1.9
    assert clock.is_creating(REGION, "orders")
    assert not clock.is_creating("us-east-1", "orders")
    fake.now += 0.2
    assert not clock.is_creating(REGION, "orders")


def test_the_clock_forgets_a_deleted_table() -> None:
    clock = CreationClock(60.0, now=FakeClock())
    clock.started(REGION, "orders")
    clock.forget(REGION, "orders")
    assert not clock.is_creating(REGION, "orders")


def test_creating_seconds_default_and_setting() -> None:
    assert parse_config([], {}).table_creating_seconds == DEFAULT_TABLE_CREATING_SECONDS == 1.0
    assert parse_config([], {"SANDBOX_TABLE_CREATING_SECONDS": "0"}).table_creating_seconds == 0
    assert parse_config([], {"SANDBOX_TABLE_CREATING_SECONDS": "2.5"}).table_creating_seconds == 2.5


@pytest.mark.parametrize("value", ["soon", "-1"])
def test_creating_seconds_must_be_a_number_not_below_zero(value: str) -> None:
    with pytest.raises(ConfigError):
        parse_config([], {"SANDBOX_TABLE_CREATING_SECONDS": value})
