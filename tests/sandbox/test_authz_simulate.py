"""Black-box: iam:SimulatePrincipalPolicy answers as the guard decides, in AWS's response shape."""
import json
import time
import urllib.request
import uuid
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
TABLES = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table"
ORDERS_ARN = f"{TABLES}/Orders"
OTHER_ARN = f"{TABLES}/Other"
LOG_GROUPS = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group"
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


def unique(prefix: str) -> str:
    """A name no other test in the session uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def document(*statements: dict[str, Any]) -> str:
    """A policy document, laid out one element per line as people write them."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def statement(effect: str = "Allow", **elements: Any) -> dict[str, Any]:
    """One policy statement."""
    return {"Effect": effect, **elements}


def new_role(iam: Any, *, basic: bool = True, boundary: str | None = None) -> tuple[str, str]:
    """(name, ARN) of a fresh Lambda execution role, with AWSLambdaBasicExecutionRole by default."""
    name = unique("sim-role")
    extra = {"PermissionsBoundary": boundary} if boundary else {}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST,
                          **extra)["Role"]["Arn"]
    if basic:
        iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
    return name, arn


def decisions(results: list[dict[str, Any]]) -> dict[str, str]:
    """EvalDecision by action."""
    return {result["EvalActionName"]: result["EvalDecision"] for result in results}


def by_resource(result: dict[str, Any]) -> dict[str, str]:
    """EvalResourceDecision by resource ARN, from one action's resource-specific results."""
    return {specific["EvalResourceName"]: specific["EvalResourceDecision"]
            for specific in result["ResourceSpecificResults"]}


def sources(statements: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(SourcePolicyId, SourcePolicyType) of matched statements."""
    return [(matched["SourcePolicyId"], matched.get("SourcePolicyType"))
            for matched in statements]


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a ClientError."""
    response = raised.value.response
    return (response["Error"]["Code"], response["Error"]["Message"],
            response["ResponseMetadata"]["HTTPStatusCode"])


def minted_client(sandbox_url: str, role_arn: str, service: str) -> Any:
    """A client signed with keys the sandbox mints for the role, as a function would get them."""
    request = urllib.request.Request(
        f"{sandbox_url}/_sandbox/authz/credentials", method="POST",
        data=json.dumps({"role_arn": role_arn, "session_name": "fn"}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        keys = json.load(reply)
    return boto3.client(service, endpoint_url=sandbox_url, region_name=REGION,
                        aws_access_key_id=keys["AccessKeyId"],
                        aws_secret_access_key=keys["SecretAccessKey"],
                        aws_session_token=keys["SessionToken"])


@pytest.fixture(scope="module")
def iam(aws_client: ClientFactory) -> Any:
    """An administrator's IAM client."""
    return aws_client("iam")


def test_the_consoles_log_check_for_a_basic_execution_role(iam: Any) -> None:
    _, role_arn = new_role(iam)
    group_arn = f"{LOG_GROUPS}:/aws/lambda/orders-api:*"
    reply = iam.simulate_principal_policy(PolicySourceArn=role_arn, ActionNames=LOG_ACTIONS,
                                          ResourceArns=[group_arn])
    results = reply["EvaluationResults"]
    assert [result["EvalActionName"] for result in results] == LOG_ACTIONS
    assert set(decisions(results).values()) == {"allowed"}
    assert reply["IsTruncated"] is False and "Marker" not in reply
    create_group = results[0]
    assert by_resource(create_group) == {group_arn: "allowed"}
    assert sources(create_group["MatchedStatements"]) == [
        ("AWSLambdaBasicExecutionRole", "aws-managed")]
    assert create_group["MissingContextValues"] == []
    assert create_group["EvalResourceName"] == (
        "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}")


def test_basic_execution_role_may_not_put_items(iam: Any) -> None:
    _, role_arn = new_role(iam)
    [result] = iam.simulate_principal_policy(PolicySourceArn=role_arn,
                                             ActionNames=["dynamodb:PutItem"],
                                             ResourceArns=[ORDERS_ARN])["EvaluationResults"]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MatchedStatements"] == []
    assert by_resource(result) == {ORDERS_ARN: "implicitDeny"}


def test_inline_policy_on_one_table(iam: Any) -> None:
    role_name, role_arn = new_role(iam)
    iam.put_role_policy(RoleName=role_name, PolicyName="orders",
                        PolicyDocument=document(statement(Action="dynamodb:*",
                                                          Resource=ORDERS_ARN)))
    [result] = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=["dynamodb:PutItem"],
        ResourceArns=[ORDERS_ARN, OTHER_ARN])["EvaluationResults"]
    assert by_resource(result) == {ORDERS_ARN: "allowed", OTHER_ARN: "implicitDeny"}
    # One result per action: its decision is the most restrictive over the resources.
    assert result["EvalDecision"] == "implicitDeny"
    orders, other = result["ResourceSpecificResults"]
    assert sources(orders["MatchedStatements"]) == [("orders", "role")]
    assert other["MatchedStatements"] == []


def test_explicit_deny_wins_and_is_the_only_statement_shown(iam: Any) -> None:
    role_name, role_arn = new_role(iam)
    iam.put_role_policy(RoleName=role_name, PolicyName="tables", PolicyDocument=document(
        statement(Action="dynamodb:*", Resource="*"),
        statement("Deny", Action="dynamodb:DeleteItem", Resource=ORDERS_ARN)))
    results = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=["dynamodb:DeleteItem", "dynamodb:PutItem"],
        ResourceArns=[ORDERS_ARN])["EvaluationResults"]
    assert decisions(results) == {"dynamodb:DeleteItem": "explicitDeny",
                                  "dynamodb:PutItem": "allowed"}
    [deny] = results[0]["MatchedStatements"]
    [allow] = results[1]["MatchedStatements"]
    # document() lays the Allow out on lines 4-8 and the Deny on lines 9-13, braces in column
    # 5; positions are the places just past each brace.
    assert sources([deny, allow]) == [("tables", "role"), ("tables", "role")]
    assert (deny["StartPosition"], deny["EndPosition"]) == ({"Line": 9, "Column": 6},
                                                            {"Line": 13, "Column": 6})
    assert allow["StartPosition"] == {"Line": 4, "Column": 6}


def test_missing_role(iam: Any) -> None:
    absent = unique("absent")
    with pytest.raises(ClientError) as raised:
        iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{absent}",
                                      ActionNames=["logs:CreateLogGroup"])
    assert error_of(raised) == ("NoSuchEntity", f"The role with name {absent} cannot be found.",
                                HTTPStatus.NOT_FOUND)


def test_pages_of_one_result(iam: Any) -> None:
    _, role_arn = new_role(iam)
    request = {"PolicySourceArn": role_arn, "ActionNames": LOG_ACTIONS}
    first = iam.simulate_principal_policy(MaxItems=1, **request)
    assert first["IsTruncated"] is True
    assert [result["EvalActionName"] for result in first["EvaluationResults"]] == LOG_ACTIONS[:1]
    rest = iam.simulate_principal_policy(Marker=first["Marker"], **request)
    assert rest["IsTruncated"] is False and "Marker" not in rest
    assert [result["EvalActionName"] for result in rest["EvaluationResults"]] == LOG_ACTIONS[1:]
    pages = iam.get_paginator("simulate_principal_policy").paginate(
        PaginationConfig={"PageSize": 2}, **request)
    assert [len(page["EvaluationResults"]) for page in pages] == [2, 1]


def test_policy_input_list_is_considered(iam: Any) -> None:
    _, role_arn = new_role(iam)
    extra = document(statement(Action="dynamodb:PutItem", Resource=ORDERS_ARN),
                     statement("Deny", Action="logs:PutLogEvents", Resource="*"))
    results = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, PolicyInputList=[extra],
        ActionNames=["dynamodb:PutItem", "logs:PutLogEvents", "logs:CreateLogStream"],
        ResourceArns=[ORDERS_ARN])["EvaluationResults"]
    assert decisions(results) == {"dynamodb:PutItem": "allowed",
                                  "logs:PutLogEvents": "explicitDeny",
                                  "logs:CreateLogStream": "allowed"}
    assert sources(results[0]["MatchedStatements"]) == [("PolicyInputList.1", None)]
    assert sources(results[1]["MatchedStatements"]) == [("PolicyInputList.1", None)]


def test_context_entries_feed_conditions(iam: Any) -> None:
    role_name, role_arn = new_role(iam, basic=False)
    iam.put_role_policy(RoleName=role_name, PolicyName="team", PolicyDocument=document(statement(
        Action="dynamodb:PutItem", Resource=ORDERS_ARN,
        Condition={"StringEquals": {"aws:PrincipalTag/team": "orders"}})))
    request = {"PolicySourceArn": role_arn, "ActionNames": ["dynamodb:PutItem"],
               "ResourceArns": [ORDERS_ARN]}
    [unknown] = iam.simulate_principal_policy(**request)["EvaluationResults"]
    assert unknown["EvalDecision"] == "implicitDeny"
    assert unknown["MissingContextValues"] == ["aws:PrincipalTag/team"]
    [given] = iam.simulate_principal_policy(ContextEntries=[{
        "ContextKeyName": "aws:PrincipalTag/team", "ContextKeyValues": ["orders"],
        "ContextKeyType": "string"}], **request)["EvaluationResults"]
    assert (given["EvalDecision"], given["MissingContextValues"]) == ("allowed", [])


def test_permissions_boundary_takes_part(iam: Any) -> None:
    logs_only = iam.create_policy(PolicyName=unique("logs-only"), PolicyDocument=document(
        statement(Action="logs:*", Resource="*")))["Policy"]["Arn"]
    role_name, role_arn = new_role(iam, boundary=logs_only)
    iam.put_role_policy(RoleName=role_name, PolicyName="tables",
                        PolicyDocument=document(statement(Action="dynamodb:*", Resource="*")))
    results = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=["dynamodb:PutItem", "logs:PutLogEvents"],
    )["EvaluationResults"]
    assert decisions(results) == {"dynamodb:PutItem": "implicitDeny",
                                  "logs:PutLogEvents": "allowed"}
    assert [result["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"]
            for result in results] == [False, True]


def test_a_user_with_its_groups_policies(iam: Any) -> None:
    user_name, group_name = unique("sim-user"), unique("sim-group")
    user_arn = iam.create_user(UserName=user_name)["User"]["Arn"]
    iam.create_group(GroupName=group_name)
    iam.add_user_to_group(GroupName=group_name, UserName=user_name)
    iam.put_user_policy(UserName=user_name, PolicyName="own", PolicyDocument=document(
        statement(Action="dynamodb:GetItem", Resource=ORDERS_ARN)))
    iam.put_group_policy(GroupName=group_name, PolicyName="team", PolicyDocument=document(
        statement(Action="dynamodb:PutItem", Resource=ORDERS_ARN)))
    results = iam.simulate_principal_policy(
        PolicySourceArn=user_arn, ResourceArns=[ORDERS_ARN],
        ActionNames=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
    )["EvaluationResults"]
    assert decisions(results) == {"dynamodb:GetItem": "allowed", "dynamodb:PutItem": "allowed",
                                  "dynamodb:DeleteItem": "implicitDeny"}
    assert sources(results[1]["MatchedStatements"]) == [("team", "group")]


def test_answers_agree_with_the_guard(iam: Any, aws_client: ClientFactory,
                                      sandbox_url: str) -> None:
    role_name, role_arn = new_role(iam, basic=False)
    group = f"/aws/lambda/{unique('fn')}"
    iam.put_role_policy(RoleName=role_name, PolicyName="streams", PolicyDocument=document(
        statement(Action=["logs:CreateLogStream", "logs:PutLogEvents"],
                  Resource=f"{LOG_GROUPS}:{group}:*")))
    aws_client("logs").create_log_group(logGroupName=group)
    # The ARNs the guard checks: a stream's for stream actions, the group's (empty stream) else.
    results = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=LOG_ACTIONS,
        ResourceArns=[f"{LOG_GROUPS}:{group}:log-stream:s1"])["EvaluationResults"]
    [create_group] = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=["logs:CreateLogGroup"],
        ResourceArns=[f"{LOG_GROUPS}:{group}-other:log-stream:"])["EvaluationResults"]
    assert [result["EvalDecision"] for result in results[1:]] == ["allowed", "allowed"]
    assert create_group["EvalDecision"] == "implicitDeny"
    logs = minted_client(sandbox_url, role_arn, "logs")
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    logs.put_log_events(logGroupName=group, logStreamName="s1",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "hi"}])
    with pytest.raises(ClientError) as raised:
        logs.create_log_group(logGroupName=f"{group}-other")
    assert error_of(raised)[0] == "AccessDeniedException"


def test_minted_keys_need_the_permission_on_the_role(iam: Any, sandbox_url: str) -> None:
    role_name, role_arn = new_role(iam)
    own_iam = minted_client(sandbox_url, role_arn, "iam")
    request = {"PolicySourceArn": role_arn, "ActionNames": ["logs:PutLogEvents"]}
    with pytest.raises(ClientError) as raised:
        own_iam.simulate_principal_policy(**request)
    principal = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/fn"
    assert error_of(raised) == (
        "AccessDenied",
        f"User: {principal} is not authorized to perform: iam:SimulatePrincipalPolicy on "
        f"resource: {role_arn} because no identity-based policy allows the "
        "iam:SimulatePrincipalPolicy action", HTTPStatus.FORBIDDEN)
    iam.put_role_policy(RoleName=role_name, PolicyName="self-check", PolicyDocument=document(
        statement(Action="iam:SimulatePrincipalPolicy", Resource=role_arn)))
    [result] = own_iam.simulate_principal_policy(**request)["EvaluationResults"]
    assert result["EvalDecision"] == "allowed"


@pytest.mark.parametrize(("changes", "code", "message"), [
    ({"PolicySourceArn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/r/s"}, "InvalidInput",
     f"Invalid Entity Arn: arn:aws:sts::{ACCOUNT_ID}:assumed-role/r/s does not clearly define "
     "entity type and name."),
    ({"ResourceArns": ["Orders"]}, "InvalidInput",
     "ResourceNames are not in a valid ARN format: Orders."),
    ({"ResourcePolicy": document(statement(Action="*", Resource="*"))}, "InvalidInput",
     "ResourcePolicy is not supported by the sandbox's policy simulator, which simulates "
     "identity-based policies and permissions boundaries only."),
    ({"MaxItems": 1001}, "ValidationError",
     "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: "
     "Member must have value less than or equal to 1000"),
])
def test_refused_requests(iam: Any, changes: dict[str, Any], code: str, message: str) -> None:
    _, role_arn = new_role(iam)
    request = {"PolicySourceArn": role_arn, "ActionNames": ["logs:PutLogEvents"], **changes}
    with pytest.raises(ClientError) as raised:
        iam.simulate_principal_policy(**request)
    assert error_of(raised) == (code, message, HTTPStatus.BAD_REQUEST)
