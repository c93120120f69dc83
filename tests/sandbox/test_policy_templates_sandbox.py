"""Black-box: the builder's read-write table policy lets a role use that table and its indexes, only."""
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from webapp.aws.iam.policy_templates import READ, READ_WRITE, TABLE, policy_for

from .processes import REGION, ClientFactory
from .test_authz_sandbox import LAMBDA_TRUST, post_credentials

SUFFIX = uuid.uuid4().hex[:8]
ORDERS = f"BuiltOrders-{SUFFIX}"
OTHER = f"BuiltOther-{SUFFIX}"
INDEX = "ByDay"
ITEM = {"id": {"S": "1"}, "day": {"S": "2024-01-01"}}
BY_DAY: dict[str, Any] = {"IndexName": INDEX, "KeyConditionExpression": "#d = :d",
                          "ExpressionAttributeNames": {"#d": "day"},
                          "ExpressionAttributeValues": {":d": {"S": "2024-01-01"}}}


@pytest.fixture(scope="module")
def orders_arn(aws_client: ClientFactory) -> Iterator[str]:
    """Orders (with a global secondary index) and Other; the Orders ARN."""
    dynamodb = aws_client("dynamodb")
    key = [{"AttributeName": "id", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "id", "AttributeType": "S"},
                  {"AttributeName": "day", "AttributeType": "S"}]
    arn = dynamodb.create_table(
        TableName=ORDERS, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=attributes,
        KeySchema=key, GlobalSecondaryIndexes=[{
            "IndexName": INDEX, "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}]}],
    )["TableDescription"]["TableArn"]
    dynamodb.create_table(TableName=OTHER, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=attributes[:1], KeySchema=key)
    dynamodb.put_item(TableName=OTHER, Item=ITEM)
    yield arn
    for table_name in (ORDERS, OTHER):
        dynamodb.delete_table(TableName=table_name)


def role_with(aws_client: ClientFactory, sandbox_url: str, document: dict) -> Any:
    """A Lambda role with the document attached as a customer-managed policy; DynamoDB as it."""
    iam = aws_client("iam")
    role_name = f"built-{uuid.uuid4().hex[:8]}"
    role_arn = iam.create_role(RoleName=role_name,
                               AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]
    policy_arn = iam.create_policy(PolicyName=f"{role_name}-table",
                                   PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    status, keys = post_credentials(sandbox_url, {"role_arn": role_arn, "session_name": role_name})
    assert status == 200, keys
    return boto3.client("dynamodb", endpoint_url=sandbox_url, region_name=REGION,
                        aws_access_key_id=keys["AccessKeyId"],
                        aws_secret_access_key=keys["SecretAccessKey"],
                        aws_session_token=keys["SessionToken"])


def denied(call: Any, **arguments: Any) -> str:
    """The AccessDeniedException message of a refused call."""
    with pytest.raises(ClientError) as raised:
        call(**arguments)
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    return raised.value.response["Error"]["Message"]


def test_read_write_table_policy_works_on_the_table_and_its_index_only(
        aws_client: ClientFactory, sandbox_url: str, orders_arn: str) -> None:
    dynamodb = role_with(aws_client, sandbox_url, policy_for(TABLE, [orders_arn], READ_WRITE))
    dynamodb.put_item(TableName=ORDERS, Item=ITEM)
    assert dynamodb.get_item(TableName=ORDERS, Key={"id": {"S": "1"}})["Item"] == ITEM
    assert dynamodb.query(TableName=ORDERS, KeyConditionExpression="id = :i",
                          ExpressionAttributeValues={":i": {"S": "1"}})["Items"] == [ITEM]
    assert dynamodb.query(TableName=ORDERS, **BY_DAY)["Items"] == [ITEM]
    assert dynamodb.scan(TableName=ORDERS, IndexName=INDEX)["Items"] == [ITEM]
    dynamodb.update_item(TableName=ORDERS, Key={"id": {"S": "1"}},
                         UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": {"N": "1"}})
    dynamodb.describe_table(TableName=ORDERS)
    other_arn = orders_arn.replace(ORDERS, OTHER)
    assert f"dynamodb:GetItem on resource: {other_arn}" in denied(
        dynamodb.get_item, TableName=OTHER, Key={"id": {"S": "1"}})
    assert f"dynamodb:PutItem on resource: {other_arn}" in denied(
        dynamodb.put_item, TableName=OTHER, Item=ITEM)
    assert "dynamodb:Query" in denied(dynamodb.query, TableName=OTHER,
                                      KeyConditionExpression="id = :i",
                                      ExpressionAttributeValues={":i": {"S": "1"}})
    denied(dynamodb.delete_table, TableName=ORDERS)  # nothing beyond items and DescribeTable


def test_read_policy_refuses_writes(aws_client: ClientFactory, sandbox_url: str,
                                    orders_arn: str) -> None:
    dynamodb = role_with(aws_client, sandbox_url, policy_for(TABLE, [orders_arn], READ))
    assert "Items" in dynamodb.query(TableName=ORDERS, **BY_DAY)
    assert f"dynamodb:PutItem on resource: {orders_arn}" in denied(
        dynamodb.put_item, TableName=ORDERS, Item=ITEM)
