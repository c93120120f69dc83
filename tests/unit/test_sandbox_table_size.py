"""The sandbox's TableSizeBytes: fresh for small tables, refreshed now and then for big ones."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from webapp.sandbox.dynamodb import table_order, table_size

ACCOUNT, REGION = "123456789012", "us-east-1"


def test_a_big_table_s_size_is_refreshed_at_most_every_refresh_interval(
        monkeypatch: pytest.MonkeyPatch) -> None:
    table_order.install()
    monkeypatch.setattr(table_size, "FRESH_ITEMS", 2)
    clock = [1000.0]
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(TableName="big", BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        for key in ("a", "b", "c"):
            dynamodb.put_item(TableName="big", Item={"id": {"S": key}, "text": {"S": "x" * 100}})

        def size() -> int | None:
            return table_size.table_size_bytes(ACCOUNT, REGION, "big", now=lambda: clock[0])

        first = size()
        assert first is not None and first > 300
        dynamodb.put_item(TableName="big", Item={"id": {"S": "d"}, "text": {"S": "y" * 100}})
        clock[0] += table_size.REFRESH_SECONDS - 1
        assert size() == first, "a big table keeps its size between refreshes, as AWS does"
        clock[0] += 2
        assert size() > first + 100
        assert table_size.table_size_bytes(ACCOUNT, REGION, "missing") is None
