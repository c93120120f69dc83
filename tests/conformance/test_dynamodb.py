"""DynamoDB answers as AWS documents them: capacity and item collection reports only when asked.

Source: the DynamoDB API Reference, each data-plane action's Response Elements. ConsumedCapacity:
"ConsumedCapacity is only returned if the ReturnConsumedCapacity parameter was specified" (INDEXES
or TOTAL; NONE, the default, returns none), and for ReturnConsumedCapacity TOTAL "the response
includes only the aggregate ConsumedCapacity for the operation". ItemCollectionMetrics: "This is
returned only if the ReturnItemCollectionMetrics parameter was specified" (SIZE).
"""
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.sandbox.processes import ClientFactory

KEY = {"pk": {"S": "a"}}


@pytest.fixture
def dynamodb(aws_client: ClientFactory) -> Any:
    return aws_client("dynamodb")


@pytest.fixture
def table(dynamodb: Any) -> Iterator[str]:
    name = f"conformance-{uuid.uuid4().hex}"
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    dynamodb.put_item(TableName=name, Item=KEY)
    yield name
    dynamodb.delete_table(TableName=name)


CALLS: dict[str, Callable[..., dict[str, Any]]] = {
    "PutItem": lambda db, table, **asked: db.put_item(TableName=table, Item=KEY, **asked),
    "GetItem": lambda db, table, **asked: db.get_item(TableName=table, Key=KEY, **asked),
    "UpdateItem": lambda db, table, **asked: db.update_item(
        TableName=table, Key=KEY, UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "1"}}, **asked),
    "DeleteItem": lambda db, table, **asked: db.delete_item(TableName=table, Key=KEY, **asked),
    "Query": lambda db, table, **asked: db.query(
        TableName=table, KeyConditionExpression="pk = :a",
        ExpressionAttributeValues={":a": {"S": "a"}}, **asked),
    "Scan": lambda db, table, **asked: db.scan(TableName=table, **asked),
    "BatchGetItem": lambda db, table, **asked: db.batch_get_item(
        RequestItems={table: {"Keys": [KEY]}}, **asked),
    "BatchWriteItem": lambda db, table, **asked: db.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": "b"}}}}]}, **asked),
    "TransactGetItems": lambda db, table, **asked: db.transact_get_items(
        TransactItems=[{"Get": {"TableName": table, "Key": KEY}}], **asked),
    "TransactWriteItems": lambda db, table, **asked: db.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": {"pk": {"S": "c"}}}}], **asked),
}
WRITES_WITH_METRICS = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                       "TransactWriteItems")


@pytest.mark.parametrize("operation", CALLS)
def test_no_consumed_capacity_unless_asked(dynamodb: Any, table: str, operation: str) -> None:
    """ReturnConsumedCapacity defaults to NONE: "No ConsumedCapacity details are included in the
    response.\""""
    answer = CALLS[operation](dynamodb, table)
    assert "ConsumedCapacity" not in answer


@pytest.mark.parametrize("operation", CALLS)
def test_consumed_capacity_when_asked(dynamodb: Any, table: str, operation: str) -> None:
    """TOTAL: "The response includes only the aggregate ConsumedCapacity for the operation"."""
    answer = CALLS[operation](dynamodb, table, ReturnConsumedCapacity="TOTAL")
    consumed = answer["ConsumedCapacity"]
    reports = consumed if isinstance(consumed, list) else [consumed]
    for report in reports:
        assert report["TableName"] == table
        assert "Table" not in report


@pytest.mark.parametrize("operation", WRITES_WITH_METRICS)
def test_no_item_collection_metrics_unless_asked(dynamodb: Any, table: str,
                                                 operation: str) -> None:
    """ReturnItemCollectionMetrics defaults to NONE: "no statistics are returned"."""
    answer = CALLS[operation](dynamodb, table)
    assert "ItemCollectionMetrics" not in answer
