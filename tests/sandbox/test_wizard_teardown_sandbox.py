"""Black-box: the wizard's stack on the sandbox, torn down, leaves nothing; a second run finds
everything already gone; what the wizard adopted stays."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from webapp.wizard import live_check, steps, teardown
from webapp.wizard.model import Made, Plan

from .processes import ClientFactory
from .wizard_support import named_plan, run_all




@pytest.fixture
def no_account_logging_role(aws_client: ClientFactory) -> Iterator[None]:
    """The account starts without an API Gateway CloudWatch role, so the wizard makes one; the
    setting other tests of this sandbox made is put back afterwards."""
    gateway = aws_client("apigateway")
    before = gateway.get_account().get("cloudwatchRoleArn") or ""
    set_logging_role(gateway, "")
    yield
    try:
        set_logging_role(gateway, before)
    except ClientError:  # that role was deleted since; leave the account without one
        set_logging_role(gateway, "")


def set_logging_role(gateway: Any, role_arn: str) -> None:
    gateway.update_account(patchOperations=[
        {"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}])


def _all(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    pages = client.get_paginator(operation).paginate(**params)
    return [item for page in pages for item in page[key]]


def stack_left(aws_client: ClientFactory, plan: Plan, made: Made) -> list[str]:
    """What of this stack the sandbox still has, by kind."""
    iam, logs = aws_client("iam"), aws_client("logs")
    left = []
    if plan.table_name in aws_client("dynamodb").list_tables()["TableNames"]:
        left.append("table")
    # Paginated: the session's sandbox holds every other test's functions and roles too.
    functions = _all(aws_client("lambda"), "list_functions", "Functions")
    if any(item["FunctionName"] == plan.function_name for item in functions):
        left.append("function")
    role_names = {role["RoleName"] for role in _all(iam, "list_roles", "Roles")}
    if plan.role_name in role_names:
        left.append("role")
    if made.logging_role_name and made.logging_role_name in role_names:
        left.append("logging_role")
    if any(policy["PolicyName"] == plan.policy_name
           for policy in _all(iam, "list_policies", "Policies", Scope="Local")):
        left.append("policy")
    if any(api["id"] == made.api_id
           for api in _all(aws_client("apigateway"), "get_rest_apis", "items")):
        left.append("api")
    for prefix in (f"/aws/lambda/{plan.function_name}",
                   f"API-Gateway-Execution-Logs_{made.api_id}/"):
        if logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]:
            left.append(prefix)
    return left


def test_tear_down_leaves_nothing_and_a_second_run_finds_it_all_gone(
        console_calls: None, no_account_logging_role: None, aws_client: ClientFactory) -> None:
    plan = named_plan("td")
    made = run_all(plan, Made())
    assert [call.status for call in live_check.run_check(plan, made)] == [201, 200, 200]
    assert "logging_role" in made.created
    everything = ["table", "function", "role", "logging_role", "policy", "api",
                  f"/aws/lambda/{plan.function_name}",
                  f"API-Gateway-Execution-Logs_{made.api_id}/"]
    # The calls went through the stage, so both services wrote their log groups.
    assert stack_left(aws_client, plan, made) == everything

    results = teardown.tear_down(plan, made)
    assert [(result.deletion.kind, result.outcome) for result in results] == [
        ("api", "deleted"), ("function", "deleted"), ("role", "deleted"), ("policy", "deleted"),
        ("table", "deleted"), ("log_group", "deleted"), ("log_group", "deleted"),
        ("logging_role", "deleted")], [result.error for result in results]
    assert stack_left(aws_client, plan, made) == []
    assert not aws_client("apigateway").get_account().get("cloudwatchRoleArn")
    assert teardown.left_after(made, results) == Made()

    again = teardown.tear_down(plan, made)
    assert {result.outcome for result in again} == {"gone"}, [result.error for result in again]


def test_an_adopted_function_keeps_its_log_group_and_loses_only_the_permission(
        console_calls: None, aws_client: ClientFactory) -> None:
    plan = replace(named_plan("td"), logging_level="OFF")
    made = run_all(plan, Made())
    assert [call.status for call in live_check.run_check(plan, made)] == [201, 200, 200]
    made = replace(made, identities=[entry for entry in made.identities
                                     if not entry.startswith("function:")])

    results = teardown.tear_down(plan, made)
    outcomes = [(result.deletion.kind, result.outcome) for result in results]
    assert outcomes[:3] == [("api", "deleted"), ("permission", "deleted"), ("function", "kept")]
    assert ("log_group", "kept") in outcomes
    assert stack_left(aws_client, plan, made) == ["function", f"/aws/lambda/{plan.function_name}"]
    with pytest.raises(ClientError) as no_policy:
        aws_client("lambda").get_policy(FunctionName=plan.function_name)
    assert no_policy.value.response["Error"]["Code"] == "ResourceNotFoundException"
    aws_client("lambda").delete_function(FunctionName=plan.function_name)
    aws_client("logs").delete_log_group(logGroupName=f"/aws/lambda/{plan.function_name}")


def test_removing_a_permission_twice_says_already_gone(console_calls: None,
                                                        aws_client: ClientFactory) -> None:
    from webapp.aws.apigateway import rest_apis
    from webapp.aws.functions import lambda_functions
    from webapp.wizard.teardown import gone_if_missing

    plan = named_plan("td")
    made = Made()
    for step in steps.STEPS[:4]:
        made = step.run(plan, made)
    assert made.permission_sid
    policy = json.loads(aws_client("lambda").get_policy(FunctionName=plan.function_name)["Policy"])
    assert [statement["Sid"] for statement in policy["Statement"]] == [made.permission_sid]

    def remove_permission() -> None:
        lambda_functions.remove_permission(plan.function_name, made.permission_sid)

    assert gone_if_missing(remove_permission) == "deleted"
    assert gone_if_missing(remove_permission) == "gone"
    assert gone_if_missing(lambda: rest_apis.delete_rest_api(made.api_id)) == "deleted"
    assert gone_if_missing(lambda: rest_apis.delete_rest_api(made.api_id)) == "gone"
    def delete_function() -> None:
        lambda_functions.delete_function(plan.function_name)

    assert gone_if_missing(delete_function) == "deleted"
    assert gone_if_missing(delete_function) == "gone"
    results = teardown.tear_down(plan, made)
    assert stack_left(aws_client, plan, made) == []
    assert all(result.outcome in ("deleted", "gone") for result in results)
