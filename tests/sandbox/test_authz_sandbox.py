"""Black-box: keys minted for an execution role get exactly what the role's policies allow."""
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from http import HTTPStatus
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .processes import ACCOUNT_ID, REGION, ClientFactory

BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
LAMBDA_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
SUFFIX = uuid.uuid4().hex[:8]
ORDERS = f"Orders-{SUFFIX}"
OTHER = f"Other-{SUFFIX}"
INDEX = "ByDate"
TABLES = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table"
ORDERS_ARN = f"{TABLES}/{ORDERS}"
OTHER_ARN = f"{TABLES}/{OTHER}"
ITEM = {"id": {"S": "1"}, "day": {"S": "2024-01-01"}}
EXPIRED_MESSAGE = "The security token included in the request is expired"
INVALID_MESSAGE = "The security token included in the request is invalid"

# Mints keys for a role: `mint(role_arn)` -> a boto3 client factory signed with them.
RoleClients = Callable[[str], Any]


def unique(prefix: str) -> str:
    """A name no other test in the session uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def statement(effect: str = "Allow", **elements: Any) -> dict[str, Any]:
    """One policy statement."""
    return {"Effect": effect, **elements}


def document(*statements: dict[str, Any]) -> str:
    """A policy document."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def denial(action: str, resource: str, session: str, role: str, *, explicit: bool = False,
           boundary: bool = False) -> str:
    """AWS's AccessDenied message for an execution role's session."""
    principal = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{session}"
    refused = f"User: {principal} is not authorized to perform: {action} on resource: {resource}"
    policy_type = "permissions boundary" if boundary else "identity-based policy"
    if explicit:
        article = "a" if boundary else "an"
        return f"{refused} with an explicit deny in {article} {policy_type}"
    return f"{refused} because no {policy_type} allows the {action} action"


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a ClientError."""
    response = raised.value.response
    return (response["Error"]["Code"], response["Error"]["Message"],
            response["ResponseMetadata"]["HTTPStatusCode"])


def post_credentials(sandbox_url: str, body: Any) -> tuple[int, dict[str, Any]]:
    """POST to the credentials hook; (status, JSON answer)."""
    request = urllib.request.Request(f"{sandbox_url}/_sandbox/authz/credentials",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


class Role:
    """An execution role made through IAM, and clients signed with keys minted for it."""

    def __init__(self, aws_client: ClientFactory, sandbox_url: str, *,
                 tags: list[dict[str, str]] | None = None, boundary: str | None = None) -> None:
        self.iam = aws_client("iam")
        self.sandbox_url = sandbox_url
        self.name = unique("fn-role")
        self.session = unique("fn")
        extra: dict[str, Any] = {"Tags": tags} if tags else {}
        if boundary:
            extra["PermissionsBoundary"] = boundary
        self.arn = self.iam.create_role(RoleName=self.name, AssumeRolePolicyDocument=LAMBDA_TRUST,
                                        **extra)["Role"]["Arn"]
        self.iam.attach_role_policy(RoleName=self.name, PolicyArn=BASIC_EXECUTION)
        self.credentials = self.mint()

    def mint(self, **extra: Any) -> dict[str, Any]:
        """New keys for this role through the sandbox's hook."""
        status, credentials = post_credentials(
            self.sandbox_url, {"role_arn": self.arn, "session_name": self.session, **extra})
        assert status == HTTPStatus.OK, credentials
        return credentials

    def client(self, service: str, credentials: dict[str, Any] | None = None,
               session_token: str | None = None) -> Any:
        """A boto3 client signed with the role's minted keys."""
        keys = credentials or self.credentials
        return boto3.client(service, endpoint_url=self.sandbox_url, region_name=REGION,
                            aws_access_key_id=keys["AccessKeyId"],
                            aws_secret_access_key=keys["SecretAccessKey"],
                            aws_session_token=session_token or keys["SessionToken"])

    def allow(self, *statements: dict[str, Any]) -> None:
        """Put (or replace) the role's inline policy."""
        self.iam.put_role_policy(RoleName=self.name, PolicyName="inline",
                                 PolicyDocument=document(*statements))

    def denial(self, action: str, resource: str, **kind: bool) -> str:
        """The AccessDenied message this role's session gets."""
        return denial(action, resource, self.session, self.name, **kind)


@pytest.fixture(scope="module")
def tables(aws_client: ClientFactory) -> Iterator[None]:
    """Two tables; Orders has a global secondary index."""
    dynamodb = aws_client("dynamodb")
    key = {"AttributeName": "id", "KeyType": "HASH"}
    attributes = [{"AttributeName": "id", "AttributeType": "S"},
                  {"AttributeName": "day", "AttributeType": "S"}]
    dynamodb.create_table(TableName=ORDERS, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=attributes, KeySchema=[key],
                          GlobalSecondaryIndexes=[{
                              "IndexName": INDEX, "Projection": {"ProjectionType": "ALL"},
                              "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}]}])
    dynamodb.create_table(TableName=OTHER, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=attributes[:1], KeySchema=[key])
    yield
    for table_name in (ORDERS, OTHER):
        dynamodb.delete_table(TableName=table_name)


@pytest.fixture
def role(aws_client: ClientFactory, sandbox_url: str, tables: None) -> Role:
    """A fresh execution role with only AWSLambdaBasicExecutionRole, and keys for it."""
    return Role(aws_client, sandbox_url)


def test_basic_execution_role_may_not_put_items(role: Role) -> None:
    with pytest.raises(ClientError) as raised:
        role.client("dynamodb").put_item(TableName=ORDERS, Item=ITEM)
    assert error_of(raised) == ("AccessDeniedException",
                                role.denial("dynamodb:PutItem", ORDERS_ARN), HTTPStatus.BAD_REQUEST)


def test_policy_on_the_table_arn_allows_that_table_only(role: Role) -> None:
    dynamodb = role.client("dynamodb")
    role.allow(statement(Action="dynamodb:*", Resource=ORDERS_ARN))  # effective on the next call
    dynamodb.put_item(TableName=ORDERS, Item=ITEM)
    assert dynamodb.get_item(TableName=ORDERS, Key={"id": {"S": "1"}})["Item"] == ITEM
    with pytest.raises(ClientError) as raised:
        dynamodb.put_item(TableName=OTHER, Item=ITEM)
    assert error_of(raised)[:2] == ("AccessDeniedException",
                                    role.denial("dynamodb:PutItem", OTHER_ARN))


def test_an_index_needs_its_own_grant(role: Role) -> None:
    dynamodb = role.client("dynamodb")
    by_day: dict[str, Any] = {"KeyConditionExpression": "#d = :d",
                              "ExpressionAttributeNames": {"#d": "day"},
                              "ExpressionAttributeValues": {":d": {"S": "2024-01-01"}}}
    role.allow(statement(Action="dynamodb:Query", Resource=ORDERS_ARN))
    with pytest.raises(ClientError) as raised:
        dynamodb.query(TableName=ORDERS, IndexName=INDEX, **by_day)
    assert error_of(raised)[1] == role.denial("dynamodb:Query", f"{ORDERS_ARN}/index/{INDEX}")
    role.allow(statement(Action="dynamodb:Query", Resource=f"{ORDERS_ARN}/index/{INDEX}"))
    assert "Items" in dynamodb.query(TableName=ORDERS, IndexName=INDEX, **by_day)
    with pytest.raises(ClientError):  # and the index grant does not cover the table
        dynamodb.query(TableName=ORDERS, KeyConditionExpression="id = :i",
                       ExpressionAttributeValues={":i": {"S": "1"}})


def test_attached_customer_managed_policy_at_its_default_version(role: Role) -> None:
    policy_arn = role.iam.create_policy(
        PolicyName=unique("orders-writer"),
        PolicyDocument=document(statement(Action="dynamodb:PutItem", Resource=ORDERS_ARN)),
    )["Policy"]["Arn"]
    role.iam.attach_role_policy(RoleName=role.name, PolicyArn=policy_arn)
    dynamodb = role.client("dynamodb")
    dynamodb.put_item(TableName=ORDERS, Item=ITEM)
    role.iam.create_policy_version(
        PolicyArn=policy_arn, SetAsDefault=True,
        PolicyDocument=document(statement(Action="dynamodb:PutItem", Resource=OTHER_ARN)))
    dynamodb.put_item(TableName=OTHER, Item=ITEM)
    with pytest.raises(ClientError) as raised:
        dynamodb.put_item(TableName=ORDERS, Item=ITEM)
    assert error_of(raised)[1] == role.denial("dynamodb:PutItem", ORDERS_ARN)


def test_aws_managed_policy_grants_through_attachment(role: Role) -> None:
    role.iam.attach_role_policy(RoleName=role.name,
                                PolicyArn="arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")
    dynamodb = role.client("dynamodb")
    assert ORDERS in dynamodb.list_tables()["TableNames"]
    with pytest.raises(ClientError) as raised:
        dynamodb.put_item(TableName=ORDERS, Item=ITEM)
    assert error_of(raised)[1] == role.denial("dynamodb:PutItem", ORDERS_ARN)


def test_explicit_deny_beats_allow(role: Role) -> None:
    role.allow(statement(Action="dynamodb:*", Resource="*"),
               statement("Deny", Action="dynamodb:DeleteItem", Resource=ORDERS_ARN))
    dynamodb = role.client("dynamodb")
    dynamodb.put_item(TableName=ORDERS, Item=ITEM)
    with pytest.raises(ClientError) as raised:
        dynamodb.delete_item(TableName=ORDERS, Key={"id": {"S": "1"}})
    assert error_of(raised) == (
        "AccessDeniedException",
        role.denial("dynamodb:DeleteItem", ORDERS_ARN, explicit=True), HTTPStatus.BAD_REQUEST)


def test_not_action_and_not_resource(role: Role) -> None:
    role.allow(statement(NotAction="dynamodb:DeleteItem", Resource="*"),
               statement("Deny", Action="dynamodb:*", NotResource=ORDERS_ARN))
    dynamodb = role.client("dynamodb")
    dynamodb.put_item(TableName=ORDERS, Item=ITEM)
    with pytest.raises(ClientError) as implicit:
        dynamodb.delete_item(TableName=ORDERS, Key={"id": {"S": "1"}})
    assert error_of(implicit)[1] == role.denial("dynamodb:DeleteItem", ORDERS_ARN)
    with pytest.raises(ClientError) as explicit:
        dynamodb.put_item(TableName=OTHER, Item=ITEM)
    assert error_of(explicit)[1] == role.denial("dynamodb:PutItem", OTHER_ARN, explicit=True)


def test_wildcard_table_grant(role: Role) -> None:
    role.allow(statement(Action="dynamodb:PutItem", Resource="arn:aws:dynamodb:*:*:table/Ord*"))
    dynamodb = role.client("dynamodb")
    dynamodb.put_item(TableName=ORDERS, Item=ITEM)
    with pytest.raises(ClientError) as raised:
        dynamodb.put_item(TableName=OTHER, Item=ITEM)
    assert error_of(raised)[1] == role.denial("dynamodb:PutItem", OTHER_ARN)


def test_batch_write_needs_every_table(role: Role, aws_client: ClientFactory) -> None:
    role.allow(statement(Action="dynamodb:BatchWriteItem", Resource=ORDERS_ARN))
    key = {"id": {"S": unique("batch")}}
    with pytest.raises(ClientError) as raised:
        role.client("dynamodb").batch_write_item(RequestItems={
            ORDERS: [{"PutRequest": {"Item": key}}], OTHER: [{"PutRequest": {"Item": key}}]})
    assert error_of(raised)[1] == role.denial("dynamodb:BatchWriteItem", OTHER_ARN)
    assert "Item" not in aws_client("dynamodb").get_item(TableName=ORDERS, Key=key)


def test_transactions_need_the_item_actions(role: Role) -> None:
    role.allow(statement(Action="dynamodb:PutItem", Resource=ORDERS_ARN))
    dynamodb = role.client("dynamodb")
    dynamodb.transact_write_items(TransactItems=[{"Put": {"TableName": ORDERS, "Item": ITEM}}])
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": ORDERS, "Item": ITEM}},
            {"Delete": {"TableName": OTHER, "Key": {"id": {"S": "1"}}}}])
    assert error_of(raised)[1] == role.denial("dynamodb:DeleteItem", OTHER_ARN)


def test_conditions_see_the_roles_tags(aws_client: ClientFactory, sandbox_url: str,
                                       tables: None) -> None:
    tagged = Role(aws_client, sandbox_url, tags=[{"Key": "team", "Value": "orders"}])
    untagged = Role(aws_client, sandbox_url)
    grant = statement(Action="dynamodb:PutItem", Resource=ORDERS_ARN,
                      Condition={"StringEquals": {"aws:PrincipalTag/team": "orders"}})
    for role in (tagged, untagged):
        role.allow(grant)
    tagged.client("dynamodb").put_item(TableName=ORDERS, Item=ITEM)
    with pytest.raises(ClientError) as raised:
        untagged.client("dynamodb").put_item(TableName=ORDERS, Item=ITEM)
    assert error_of(raised)[1] == untagged.denial("dynamodb:PutItem", ORDERS_ARN)


def test_permissions_boundary_limits_the_role(aws_client: ClientFactory, sandbox_url: str,
                                              tables: None) -> None:
    logs_only = aws_client("iam").create_policy(
        PolicyName=unique("logs-only"),
        PolicyDocument=document(statement(Action="logs:*", Resource="*")))["Policy"]["Arn"]
    bounded = Role(aws_client, sandbox_url, boundary=logs_only)
    bounded.allow(statement(Action="dynamodb:*", Resource="*"))
    with pytest.raises(ClientError) as raised:
        bounded.client("dynamodb").put_item(TableName=ORDERS, Item=ITEM)
    assert error_of(raised)[1] == bounded.denial("dynamodb:PutItem", ORDERS_ARN, boundary=True)


def test_caller_identity_is_the_assumed_role(role: Role) -> None:
    identity = role.client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role.name}/{role.session}"
    assert identity["Account"] == ACCOUNT_ID
    assert identity["UserId"].endswith(f":{role.session}")


def test_minted_keys_look_like_sts_keys(role: Role) -> None:
    assert role.credentials["AccessKeyId"].startswith("ASIA")
    expiration = datetime.fromisoformat(role.credentials["Expiration"])
    assert expiration.utcoffset() is not None


def test_basic_execution_role_writes_its_logs(role: Role) -> None:
    logs = role.client("logs")
    group = f"/aws/lambda/{role.session}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2024/01/01/[$LATEST]0")
    logs.put_log_events(logGroupName=group, logStreamName="2024/01/01/[$LATEST]0",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "hi"}])


def test_log_permissions_scoped_to_the_functions_group(aws_client: ClientFactory,
                                                      sandbox_url: str, tables: None) -> None:
    scoped = Role(aws_client, sandbox_url)
    scoped.iam.detach_role_policy(RoleName=scoped.name, PolicyArn=BASIC_EXECUTION)
    group = f"/aws/lambda/{scoped.session}"
    logs_arn = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group"
    scoped.allow(statement(Action=["logs:CreateLogStream", "logs:PutLogEvents"],
                           Resource=f"{logs_arn}:{group}:*"))
    aws_client("logs").create_log_group(logGroupName=group)
    logs = scoped.client("logs")
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    logs.put_log_events(logGroupName=group, logStreamName="s1",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "hi"}])
    with pytest.raises(ClientError) as raised:
        logs.create_log_group(logGroupName=f"{group}-other")
    assert error_of(raised) == (
        "AccessDeniedException",
        scoped.denial("logs:CreateLogGroup", f"{logs_arn}:{group}-other:log-stream:"),
        HTTPStatus.BAD_REQUEST)


def test_lambda_refuses_with_403(role: Role) -> None:
    with pytest.raises(ClientError) as raised:
        role.client("lambda").get_function(FunctionName="absent")
    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:absent"
    assert error_of(raised) == ("AccessDeniedException",
                                role.denial("lambda:GetFunction", function_arn),
                                HTTPStatus.FORBIDDEN)


def test_iam_refuses_in_the_query_error_shape(role: Role) -> None:
    with pytest.raises(ClientError) as raised:
        role.client("iam").list_roles()
    assert error_of(raised) == ("AccessDenied", role.denial("iam:ListRoles", "*"),
                                HTTPStatus.FORBIDDEN)


def test_plain_keys_stay_administrators(role: Role, aws_client: ClientFactory) -> None:
    # Keys have been minted in this sandbox by now; any other key is still unrestricted.
    role.client("sts").get_caller_identity()
    aws_client("dynamodb").put_item(TableName=OTHER, Item=ITEM)
    assert aws_client("iam").get_role(RoleName=role.name)["Role"]["Arn"] == role.arn
    assert aws_client("sts").get_caller_identity()["Arn"].startswith("arn:aws:")


def test_expired_keys_are_refused(role: Role) -> None:
    short_lived = role.mint(duration_seconds=1)
    expiration = datetime.fromisoformat(short_lived["Expiration"])
    time.sleep(max(0.0, expiration.timestamp() - time.time()) + 0.05)
    with pytest.raises(ClientError) as dynamodb_refusal:
        role.client("dynamodb", short_lived).list_tables()
    assert error_of(dynamodb_refusal) == ("ExpiredTokenException", EXPIRED_MESSAGE,
                                          HTTPStatus.BAD_REQUEST)
    with pytest.raises(ClientError) as sts_refusal:
        role.client("sts", short_lived).get_caller_identity()
    assert error_of(sts_refusal) == ("ExpiredToken", EXPIRED_MESSAGE, HTTPStatus.FORBIDDEN)


def test_keys_of_a_deleted_role_are_refused(role: Role) -> None:
    role.iam.detach_role_policy(RoleName=role.name, PolicyArn=BASIC_EXECUTION)
    role.iam.delete_role(RoleName=role.name)
    with pytest.raises(ClientError) as dynamodb_refusal:
        role.client("dynamodb").list_tables()
    assert error_of(dynamodb_refusal) == ("UnrecognizedClientException", f"{INVALID_MESSAGE}.",
                                          HTTPStatus.BAD_REQUEST)
    # A new role under the same name is a new principal: the old session stays dead.
    role.iam.create_role(RoleName=role.name, AssumeRolePolicyDocument=LAMBDA_TRUST)
    with pytest.raises(ClientError) as sts_refusal:
        role.client("sts").get_caller_identity()
    assert error_of(sts_refusal) == ("InvalidClientTokenId", INVALID_MESSAGE,
                                     HTTPStatus.FORBIDDEN)


def test_a_session_token_must_match_its_key(role: Role) -> None:
    with pytest.raises(ClientError) as raised:
        role.client("logs", session_token="forged").describe_log_groups()
    assert error_of(raised)[:2] == ("UnrecognizedClientException", f"{INVALID_MESSAGE}.")


@pytest.mark.parametrize(("body", "status"), [
    ({"role_arn": f"arn:aws:iam::{ACCOUNT_ID}:role/absent", "session_name": "fn"},
     HTTPStatus.NOT_FOUND),
    ({"session_name": "fn"}, HTTPStatus.BAD_REQUEST),
    ({"role_arn": f"arn:aws:iam::{ACCOUNT_ID}:role/absent"}, HTTPStatus.BAD_REQUEST),
    ({"role_arn": "x", "session_name": "fn", "duration_seconds": 0}, HTTPStatus.BAD_REQUEST),
    (["not", "an", "object"], HTTPStatus.BAD_REQUEST),
])
def test_credentials_hook_refuses_bad_requests(sandbox_url: str, body: Any,
                                               status: HTTPStatus) -> None:
    answered, answer = post_credentials(sandbox_url, body)
    assert answered == status
    assert answer["message"]
