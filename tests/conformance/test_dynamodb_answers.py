"""DynamoDB's TableDescription shape and its messages for writes off the key schema, as AWS gives
them.

Sources: the DynamoDB API Reference's TableDescription
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html),
BillingModeSummary ("LastUpdateToPayPerRequestDateTime: Represents the time when
PAY_PER_REQUEST was last set as the read/write capacity mode"), GlobalSecondaryIndexDescription
(IndexArn, IndexStatus, ProvisionedThroughput, IndexSizeBytes, ItemCount) and TableClassSummary;
BatchWriteItem ("up to 25 put or delete requests"; "There are more than 25 requests in the
batch"; "Your request contains at least two items with identical hash and range keys (which
essentially is two put operations)"), PutItem and DeleteItem (ValidationException, HTTP 400),
with the messages DynamoDB sends for each.
"""
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conformance.refusals import refusal
from tests.sandbox.processes import REGION, ClientFactory

ACCOUNT = "123456789012"
KEY_MISMATCH = "The provided key element does not match the schema"
DUPLICATES = "Provided list of item keys contains duplicates"


@pytest.fixture
def dynamodb(aws_client: ClientFactory) -> Any:
    return aws_client("dynamodb")


def create(dynamodb: Any, **settings: Any) -> str:
    name = f"answers-{uuid.uuid4().hex}"
    dynamodb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=settings.pop("AttributeDefinitions", [
                              {"AttributeName": "id", "AttributeType": "S"}]), **settings)
    return name


@pytest.fixture
def table(dynamodb: Any) -> Iterator[str]:
    name = create(dynamodb, BillingMode="PAY_PER_REQUEST")
    yield name
    dynamodb.delete_table(TableName=name)


# TableDescription ------------------------------------------------------------------------------

def test_a_provisioned_table_states_no_billing_mode_summary_and_no_empty_index_lists(
        dynamodb: Any) -> None:
    """BillingModeSummary "Contains the details for the read/write capacity mode": AWS sends
    none for a table that has only been provisioned, and no GlobalSecondaryIndexes or
    LocalSecondaryIndexes member for a table without indexes."""
    name = create(dynamodb, ProvisionedThroughput={"ReadCapacityUnits": 1,
                                                   "WriteCapacityUnits": 1})
    created = dynamodb.describe_table(TableName=name)["Table"]
    deleted = dynamodb.delete_table(TableName=name)["TableDescription"]
    for description in (created, deleted):
        assert "BillingModeSummary" not in description
        assert "GlobalSecondaryIndexes" not in description
        assert "LocalSecondaryIndexes" not in description
        assert description["DeletionProtectionEnabled"] is False


def test_an_on_demand_table_states_when_it_went_on_demand(dynamodb: Any, table: str) -> None:
    """BillingModeSummary {BillingMode: PAY_PER_REQUEST, LastUpdateToPayPerRequestDateTime}: a
    table made on demand went on demand when it was created."""
    description = dynamodb.describe_table(TableName=table)["Table"]
    assert description["BillingModeSummary"] == {
        "BillingMode": "PAY_PER_REQUEST",
        "LastUpdateToPayPerRequestDateTime": description["CreationDateTime"]}


def test_switching_to_on_demand_and_back_keeps_the_date(dynamodb: Any) -> None:
    """After UpdateTable to PAY_PER_REQUEST the date is the update's; switched back to
    PROVISIONED, the summary says PROVISIONED and still when it was last on demand."""
    name = create(dynamodb, ProvisionedThroughput={"ReadCapacityUnits": 1,
                                                   "WriteCapacityUnits": 1})
    try:
        updated = dynamodb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
        summary = updated["TableDescription"]["BillingModeSummary"]
        assert summary["BillingMode"] == "PAY_PER_REQUEST"
        went = summary["LastUpdateToPayPerRequestDateTime"]
        assert went >= updated["TableDescription"]["CreationDateTime"]
        dynamodb.update_table(TableName=name, BillingMode="PROVISIONED", ProvisionedThroughput={
            "ReadCapacityUnits": 2, "WriteCapacityUnits": 2})
        assert dynamodb.describe_table(TableName=name)["Table"]["BillingModeSummary"] == {
            "BillingMode": "PROVISIONED", "LastUpdateToPayPerRequestDateTime": went}
    finally:
        dynamodb.delete_table(TableName=name)


def test_a_global_index_states_its_arn_size_count_and_throughput(dynamodb: Any) -> None:
    """GlobalSecondaryIndexDescription: IndexArn "The Amazon Resource Name (ARN) that uniquely
    identifies the index", IndexSizeBytes, ItemCount, IndexStatus and a
    ProvisionedThroughputDescription (with NumberOfDecreasesToday)."""
    name = create(dynamodb, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "g", "AttributeType": "S"}], GlobalSecondaryIndexes=[{
            "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    try:
        dynamodb.put_item(TableName=name, Item={"id": {"S": "1"}, "g": {"S": "x"},
                                                "other": {"S": "not projected"}})
        dynamodb.put_item(TableName=name, Item={"id": {"S": "2"}})
        index = dynamodb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]
    finally:
        dynamodb.delete_table(TableName=name)
    assert index["IndexArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}/index/by-g"
    assert index["IndexStatus"] in ("CREATING", "ACTIVE")
    assert index["ItemCount"] == 1
    assert 0 < index["IndexSizeBytes"] < len("not projected")
    assert index["ProvisionedThroughput"] == {"NumberOfDecreasesToday": 0,
                                              "ReadCapacityUnits": 0, "WriteCapacityUnits": 0}


def test_a_table_class_is_stated_once_given(dynamodb: Any) -> None:
    """TableClassSummary {TableClass}: the class CreateTable or UpdateTable gave the table."""
    name = create(dynamodb, BillingMode="PAY_PER_REQUEST",
                  TableClass="STANDARD_INFREQUENT_ACCESS")
    try:
        description = dynamodb.describe_table(TableName=name)["Table"]
    finally:
        dynamodb.delete_table(TableName=name)
    assert description["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"


# Writes off the key schema ---------------------------------------------------------------------

@pytest.mark.parametrize("key", [{"other": {"S": "a"}}, {"id": {"N": "1"}},
                                 {"id": {"S": "a"}, "other": {"S": "b"}}],
                         ids=["missing", "mistyped", "extra"])
def test_delete_item_with_a_key_off_the_schema(dynamodb: Any, table: str,
                                               key: dict[str, Any]) -> None:
    """DeleteItem: 400 ValidationException "The provided key element does not match the
    schema" for a key with a key attribute missing, of the wrong type, or with another one."""
    assert refusal(dynamodb.delete_item, TableName=table, Key=key) == (
        400, "ValidationException", KEY_MISMATCH)


@pytest.mark.parametrize(("item", "message"), [
    ({"other": {"S": "a"}},
     "One or more parameter values were invalid: Missing the key id in the item"),
    ({"id": {"N": "1"}},
     "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N"),
], ids=["missing", "mistyped"])
def test_put_and_batch_put_of_an_item_off_the_schema(dynamodb: Any, table: str,
                                                     item: dict[str, Any], message: str) -> None:
    """PutItem and a BatchWriteItem PutRequest: 400 ValidationException naming the key."""
    assert refusal(dynamodb.put_item, TableName=table, Item=item) == (
        400, "ValidationException", message)
    assert refusal(dynamodb.batch_write_item,
                   RequestItems={table: [{"PutRequest": {"Item": item}}]}) == (
        400, "ValidationException", message)


@pytest.mark.parametrize("key", [{"other": {"S": "a"}}, {"id": {"N": "1"}}],
                         ids=["missing", "mistyped"])
def test_batch_delete_with_a_key_off_the_schema(dynamodb: Any, table: str,
                                                key: dict[str, Any]) -> None:
    """A BatchWriteItem DeleteRequest's Key is checked as DeleteItem's is."""
    assert refusal(dynamodb.batch_write_item,
                   RequestItems={table: [{"DeleteRequest": {"Key": key}}]}) == (
        400, "ValidationException", KEY_MISMATCH)


@pytest.mark.parametrize("second", [{"PutRequest": {"Item": {"id": {"S": "a"}}}},
                                    {"DeleteRequest": {"Key": {"id": {"S": "a"}}}}],
                         ids=["two-puts", "put-and-delete"])
def test_batch_write_of_one_item_twice(dynamodb: Any, table: str,
                                       second: dict[str, Any]) -> None:
    """Two requests for one item in a batch: 400 ValidationException "Provided list of item keys
    contains duplicates", and nothing is written."""
    assert refusal(dynamodb.batch_write_item, RequestItems={table: [
        {"PutRequest": {"Item": {"id": {"S": "a"}}}}, second]}) == (
        400, "ValidationException", DUPLICATES)
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"id": {"S": "a"}})


def test_batch_write_of_more_than_25_requests(dynamodb: Any, table: str) -> None:
    """RequestItems: "Map value must satisfy constraint: [Member must have length less than or
    equal to 25, Member must have length greater than or equal to 1]" in the validator's
    "1 validation error detected: Value '…' at 'requestItems' failed to satisfy constraint: …"."""
    writes = [{"PutRequest": {"Item": {"id": {"S": str(number)}}}} for number in range(26)]
    status, code, message = refusal(dynamodb.batch_write_item, RequestItems={table: writes})
    assert (status, code) == (400, "ValidationException")
    assert message.startswith(f"1 validation error detected: Value '{{{table}=[")
    assert message.endswith(
        "]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, Member must have length greater "
        "than or equal to 1]")
    assert dynamodb.scan(TableName=table)["Count"] == 0


def test_batch_write_of_more_than_25_requests_in_all(dynamodb: Any, table: str) -> None:
    """25 per table, but more than 25 in all: "Too many items requested for the BatchWriteItem
    call"."""
    other = create(dynamodb, BillingMode="PAY_PER_REQUEST")
    try:
        writes = {name: [{"PutRequest": {"Item": {"id": {"S": str(number)}}}}
                         for number in range(13)] for name in (table, other)}
        assert refusal(dynamodb.batch_write_item, RequestItems=writes) == (
            400, "ValidationException", "Too many items requested for the BatchWriteItem call")
    finally:
        dynamodb.delete_table(TableName=other)
