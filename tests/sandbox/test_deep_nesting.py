"""JSON nested deeper than a service takes gets that service's 400, never a 500."""
import json
import urllib.error
import urllib.request
from typing import Any

import botocore.exceptions
import pytest

from .lambda_support import create_role, deploy, lambda_client, unique
from .processes import REGION, ClientFactory

NESTING_MESSAGE = ("Nesting Levels have exceeded supported limits: Attributes in the item have "
                   "nested levels beyond supported limit")
HELLO = """
def handler(event, context):
    return "ok"
"""
SIGNED = (f"AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/dynamodb/aws4_request, "
          "SignedHeaders=host, Signature=0")


def wrapped(levels: int) -> dict[str, Any]:
    """A string attribute value inside `levels` maps."""
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(levels):
        value = {"M": {"inner": value}}
    return value


@pytest.fixture(scope="module")
def table(aws_client: ClientFactory) -> str:
    name = unique("nesting")
    dynamodb = aws_client("dynamodb")
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})
    return name


def refusal(call: Any) -> dict[str, Any]:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call()
    return raised.value.response


def test_an_item_32_levels_deep_is_stored_and_33_refused(aws_client: ClientFactory,
                                                          table: str) -> None:
    dynamodb = aws_client("dynamodb")
    dynamodb.put_item(TableName=table, Item={"id": {"S": "31"}, "doc": wrapped(31)})
    answer = refusal(lambda: dynamodb.put_item(TableName=table,
                                               Item={"id": {"S": "32"}, "doc": wrapped(32)}))
    assert answer["Error"] == {"Code": "ValidationException", "Message": NESTING_MESSAGE}
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"id": {"S": "32"}})


def test_batch_and_transaction_writes_are_measured_too(aws_client: ClientFactory,
                                                       table: str) -> None:
    dynamodb = aws_client("dynamodb")
    item = {"id": {"S": "deep"}, "doc": {"L": [wrapped(31)]}}
    batch = refusal(lambda: dynamodb.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": item}}]}))
    assert batch["Error"]["Message"] == NESTING_MESSAGE
    transaction = refusal(lambda: dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": item}}]))
    assert transaction["Error"]["Message"] == NESTING_MESSAGE


def test_a_body_100000_levels_deep_is_refused_unparsed(sandbox_url: str, table: str) -> None:
    depth = 100_000
    body = ('{"TableName": "%s", "Item": {"id": {"S": "1"}, "doc": ' % table
            + '{"M": {"a": ' * depth + '{"S": "x"}' + "}}" * depth + "}}")
    request = urllib.request.Request(sandbox_url, data=body.encode(), headers={
        "X-Amz-Target": "DynamoDB_20120810.PutItem", "Authorization": SIGNED,
        "Content-Type": "application/x-amz-json-1.0"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    assert raised.value.code == 400
    assert json.load(raised.value) == {
        "__type": "com.amazon.coral.validate#ValidationException", "message": NESTING_MESSAGE}


def test_an_invoke_payload_100000_levels_deep_is_invalid_request_content(
        sandbox_url: str, aws_client: ClientFactory) -> None:
    client = lambda_client(sandbox_url)
    function = deploy(client, create_role(aws_client("iam")), HELLO)
    depth = 100_000
    answer = refusal(lambda: client.invoke(FunctionName=function.name,
                                           Payload=b"[" * depth + b"]" * depth))
    assert answer["Error"]["Code"] == "InvalidRequestContentException"
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert answer["Error"]["Message"].startswith("Could not parse request body into json")
