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
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

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


# Text that is not UTF-8 ----------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b'{"TableName": "%s", "Item": {"id": {"S": "\\ud800"}}}',
    b'{"TableName": "%s", "Item": {"id": {"S": "a"}, "note": {"S": "\\udc00 alone"}}}',
    b'{"TableName": "%s", "Item": {"id": {"S": "\xff\xfe"}}}',
])
def test_text_that_is_not_utf_8_is_a_serialization_exception(sandbox_url: str, dynamodb: Any,
                                                             body: bytes) -> None:
    """DynamoDB reads every string as UTF-8 ("Strings are Unicode with UTF-8 binary encoding",
    Supported data types); a body it cannot read as such is refused before anything is stored,
    400 with `__type` com.amazon.coral.service#SerializationException (as AWS answers a PutItem
    whose text is mis-encoded: aws/aws-sdk-js#46, aws/aws-sdk-php#1536). A lone UTF-16 surrogate
    (`\\ud800`) has no UTF-8 form. The sandbox answered 500."""
    table = create(dynamodb, BillingMode="PAY_PER_REQUEST")
    status, answer = signed_post(sandbox_url, "PutItem", body.replace(b"%s", table.encode()))
    assert (status, answer["__type"]) == (400, "com.amazon.coral.service#SerializationException")
    assert dynamodb.scan(TableName=table)["Count"] == 0
    dynamodb.put_item(TableName=table, Item={"id": {"S": "\ud7ff \U0001f600"}})  # still serving
    assert dynamodb.scan(TableName=table)["Count"] == 1


def signed_post(sandbox_url: str, operation: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """POST `body` as DynamoDB's JSON 1.0 `operation`, signed as boto3 signs, bytes as given."""
    request = AWSRequest(method="POST", url=sandbox_url + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{operation}"})
    SigV4Auth(Credentials("sandbox", "sandbox"), "dynamodb", REGION).add_auth(request)
    sent = urllib.request.Request(sandbox_url + "/", data=body, method="POST",
                                  headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(sent, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())
