"""The stack map against the sandbox: the tutorial's stack drawn whole and without problems, then
broken one way at a time, each problem marked on its box with the console's fix."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from webapp.aws.apigateway import cloudwatch_logging
from webapp.stack_map import model
from webapp.stack_map.gather import build_map
from webapp.stack_map.model import StackMap

from .lambda_support import (BASIC_EXECUTION_POLICY, TRUST_POLICY, invoke, lambda_client, package,
                             unique)
from .processes import REGION, ClientFactory

LOGS_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Scan",
                 "dynamodb:Query"]
HANDLER = """
    def handler(event, context):
        if event.get("fail"):
            raise ValueError("boom")
        return {"statusCode": 200, "body": "[]"}
"""


@dataclass(frozen=True, slots=True)
class Tutorial:
    """The tutorial's stack, named for one test."""

    table: str
    role: str
    table_policy_arn: str
    function: str
    api_id: str
    resource_id: str
    account: str

    @property
    def methods(self) -> list[str]:
        return [f"method:{self.api_id}/{self.resource_id}/{verb}" for verb in ("GET", "POST")]

    @property
    def stage(self) -> str:
        return f"stage:{self.api_id}/prod"


def set_logging_role(aws_client: ClientFactory) -> str:
    iam = aws_client("iam")
    name = unique("gateway-logs")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=LOGS_ROLE_POLICY)
    aws_client("apigateway").update_account(patchOperations=[
        {"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}])
    return role_arn


@pytest.fixture
def logging_role(aws_client: ClientFactory) -> str:
    return set_logging_role(aws_client)


@pytest.fixture
def tutorial(sandbox_url: str, aws_client: ClientFactory, logging_role: str) -> Tutorial:
    """Table, role (table policy and basic execution), function, API with /items GET and POST
    proxied to it and allowed to invoke it, deployed to prod with INFO logging."""
    account = aws_client("sts").get_caller_identity()["Account"]
    table = unique("Items")
    aws_client("dynamodb").create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    table_arn = f"arn:aws:dynamodb:{REGION}:{account}:table/{table}"
    iam = aws_client("iam")
    role = unique("items-role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST_POLICY)
    policy_arn = iam.create_policy(PolicyName=unique("items-table"), PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": TABLE_ACTIONS, "Resource": table_arn}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
    iam.attach_role_policy(RoleName=role, PolicyArn=BASIC_EXECUTION_POLICY)
    function = unique("items-fn")
    function_arn = lambda_client(sandbox_url).create_function(
        FunctionName=function, Runtime="python3.12", Role=iam.get_role(RoleName=role)["Role"]["Arn"],
        Handler="app.handler", Code={"ZipFile": package({"app.py": HANDLER})},
        Environment={"Variables": {"TABLE_NAME": table}})["FunctionArn"]
    gateway = aws_client("apigateway")
    api_id = gateway.create_rest_api(name=unique("items-api"))["id"]
    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    resource_id = gateway.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    uri = (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}"
           "/invocations")
    for verb in ("GET", "POST"):
        gateway.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb,
                           authorizationType="NONE")
        gateway.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=verb,
                                type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    lambda_client(sandbox_url).add_permission(
        FunctionName=function, StatementId="items-api", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{account}:{api_id}/*/*/items")
    gateway.create_deployment(restApiId=api_id, stageName="prod")
    gateway.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}])
    return Tutorial(table, role, policy_arn, function, api_id, resource_id, account)


def problems(stack: StackMap) -> list[tuple[str, str]]:
    return [(problem.node, problem.kind) for problem in stack.problems]


def problem(stack: StackMap, kind: str) -> model.Problem:
    [found] = [problem for problem in stack.problems if problem.kind == kind]
    return found


def test_the_tutorial_stack_is_drawn_whole_without_problems(console_calls: None,
                                                            tutorial: Tutorial,
                                                            logging_role: str) -> None:
    stack = build_map(function_name=tutorial.function)
    assert problems(stack) == [] and stack.unreadable == ()
    keys = [node.key for node in stack.nodes]
    basic = f"policy:{BASIC_EXECUTION_POLICY}"
    table_policy = f"policy:{tutorial.table_policy_arn}"
    assert keys == [f"api:{tutorial.api_id}", tutorial.stage, "logging-role", *tutorial.methods,
                    f"function:{tutorial.function}", f"role:{tutorial.role}",
                    *sorted([basic, table_policy], key=lambda key: stack.node(key).label),
                    f"table:{tutorial.table}", f"log-group:/aws/lambda/{tutorial.function}"]
    assert stack.node("logging-role").param("arn") == logging_role
    assert stack.node(basic).detail == "AWS-managed"
    assert stack.node(table_policy).detail == "customer-managed"
    lines = {(edge.source, edge.target, edge.reason) for edge in stack.edges}
    function = f"function:{tutorial.function}"
    assert lines >= {
        ("logging-role", f"api:{tutorial.api_id}", model.LOGGING_ROLE_OF),
        (f"api:{tutorial.api_id}", tutorial.stage, model.STAGE_OF),
        *((f"api:{tutorial.api_id}", method, model.METHOD_OF) for method in tutorial.methods),
        *((method, function, model.PROXY_INTEGRATION) for method in tutorial.methods),
        (function, f"role:{tutorial.role}", model.RUNS_AS),
        (function, f"log-group:/aws/lambda/{tutorial.function}", model.LOGS_TO),
        (f"role:{tutorial.role}", basic, model.ATTACHED),
        (f"role:{tutorial.role}", table_policy, model.ATTACHED),
        (table_policy, f"table:{tutorial.table}", model.REACHES),
        (function, f"table:{tutorial.table}", model.NAMES_TABLE),
    }
    names = next(edge for edge in stack.edges if edge.reason == model.NAMES_TABLE)
    assert names.params == (("variable", "TABLE_NAME"),)
    reach = next(edge for edge in stack.edges if edge.reason == model.REACHES)
    assert reach.params == (("actions", ", ".join(TABLE_ACTIONS)),)
    assert 0 < stack.calls < 40


def test_without_the_invoke_permission_both_methods_are_marked(
        console_calls: None, tutorial: Tutorial, sandbox_url: str) -> None:
    lambda_client(sandbox_url).remove_permission(FunctionName=tutorial.function,
                                                 StatementId="items-api")
    stack = build_map(function_name=tutorial.function)
    assert problems(stack) == [(method, model.NO_INVOKE_PERMISSION) for method in tutorial.methods]
    first = stack.problems[0]
    assert first.fix == model.FIX_METHOD_PERMISSION
    assert first.fix_params == (("api_id", tutorial.api_id), ("resource_id", tutorial.resource_id),
                                ("http_method", "GET"))
    assert dict(first.params) == {"function": tutorial.function, "stages": "prod"}


def test_without_the_table_policy_the_function_is_out_of_reach_of_its_table(
        console_calls: None, tutorial: Tutorial, aws_client: ClientFactory) -> None:
    aws_client("iam").detach_role_policy(RoleName=tutorial.role,
                                         PolicyArn=tutorial.table_policy_arn)
    stack = build_map(function_name=tutorial.function)
    found = problem(stack, model.TABLE_OUT_OF_REACH)
    assert problems(stack) == [(f"function:{tutorial.function}", model.TABLE_OUT_OF_REACH)]
    assert dict(found.params) == {"table": tutorial.table, "variable": "TABLE_NAME",
                                  "role": tutorial.role, "actions": ", ".join(TABLE_ACTIONS)}
    assert (found.fix, found.fix_params) == (model.FIX_GRANT_TABLE, (
        ("table", tutorial.table), ("role", tutorial.role)))
    assert stack.node(f"table:{tutorial.table}").exists  # named by the environment still


def test_without_basic_execution_the_function_cannot_write_logs(
        console_calls: None, tutorial: Tutorial, aws_client: ClientFactory) -> None:
    aws_client("iam").detach_role_policy(RoleName=tutorial.role, PolicyArn=BASIC_EXECUTION_POLICY)
    stack = build_map(function_name=tutorial.function)
    assert problems(stack) == [(f"function:{tutorial.function}", model.CANNOT_WRITE_LOGS)]
    found = problem(stack, model.CANNOT_WRITE_LOGS)
    assert (found.fix, found.fix_params) == (model.FIX_ROLE_PAGE, (("role", tutorial.role),))


def test_a_stage_behind_the_newest_deployment_is_stale(
        console_calls: None, tutorial: Tutorial, aws_client: ClientFactory) -> None:
    gateway = aws_client("apigateway")
    gateway.put_method(restApiId=tutorial.api_id, resourceId=tutorial.resource_id,
                       httpMethod="DELETE", authorizationType="NONE")
    gateway.put_integration(restApiId=tutorial.api_id, resourceId=tutorial.resource_id,
                            httpMethod="DELETE", type="MOCK")
    newest = gateway.create_deployment(restApiId=tutorial.api_id, stageName="dev")["id"]
    gateway.update_stage(restApiId=tutorial.api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "ERROR"}])
    stack = build_map(api_id=tutorial.api_id)
    assert problems(stack) == [(tutorial.stage, model.STALE_STAGE)]
    found = problem(stack, model.STALE_STAGE)
    assert dict(found.params)["newest"] == newest
    assert (found.fix, found.fix_params) == (model.FIX_STAGE_PAGE, (
        ("api_id", tutorial.api_id), ("stage", "prod")))


@pytest.mark.parametrize("change", ["a method added", "an integration changed"])
def test_a_stage_whose_deployment_is_older_than_the_apis_last_change_is_stale(
        console_calls: None, tutorial: Tutorial, aws_client: ClientFactory, change: str) -> None:
    """No newer deployment, but the API changed since prod's: GetExport describes the deployed
    API (AWS: "Export a REST API from API Gateway"), which no longer matches the methods."""
    gateway = aws_client("apigateway")
    if change == "a method added":
        gateway.put_method(restApiId=tutorial.api_id, resourceId=tutorial.resource_id,
                           httpMethod="DELETE", authorizationType="NONE")
        gateway.put_integration(restApiId=tutorial.api_id, resourceId=tutorial.resource_id,
                                httpMethod="DELETE", type="MOCK")
    else:
        gateway.put_integration(restApiId=tutorial.api_id, resourceId=tutorial.resource_id,
                                httpMethod="GET", type="MOCK")
    stack = build_map(api_id=tutorial.api_id)
    assert problems(stack) == [(tutorial.stage, model.STALE_STAGE)]
    found = problem(stack, model.STALE_STAGE)
    assert dict(found.params)["changed"] == "methods"
    assert (found.fix, found.fix_params) == (model.FIX_STAGE_PAGE, (
        ("api_id", tutorial.api_id), ("stage", "prod")))
    gateway.create_deployment(restApiId=tutorial.api_id, stageName="prod")
    assert problems(build_map(api_id=tutorial.api_id)) == []


def test_a_stage_without_logging_is_marked(console_calls: None, tutorial: Tutorial,
                                           aws_client: ClientFactory) -> None:
    aws_client("apigateway").update_stage(
        restApiId=tutorial.api_id, stageName="prod",
        patchOperations=[{"op": "replace", "path": "/*/*/logging/loglevel", "value": "OFF"}])
    stack = build_map(api_id=tutorial.api_id)
    assert problems(stack) == [(tutorial.stage, model.STAGE_LOGGING_OFF)]
    assert problem(stack, model.STAGE_LOGGING_OFF).fix_params == (
        ("api_id", tutorial.api_id), ("stage", "prod"))


def test_without_the_account_logging_role_the_role_box_is_missing_and_marked(
        console_calls: None, tutorial: Tutorial, logging_role: str,
        aws_client: ClientFactory) -> None:
    assert cloudwatch_logging.clear_account_logging_role(logging_role)
    try:
        stack = build_map(api_id=tutorial.api_id)
    finally:
        set_logging_role(aws_client)
    assert problems(stack) == [("logging-role", model.NO_LOGGING_ROLE)]
    assert stack.node("logging-role").exists is False
    assert (problem(stack, model.NO_LOGGING_ROLE).fix, problem(stack, model.NO_LOGGING_ROLE)
            .fix_params) == (model.FIX_API_SETTINGS, ())
    assert not any(edge.reason == model.LOGGING_ROLE_OF for edge in stack.edges)


def test_a_function_failing_in_the_last_hour_is_marked(console_calls: None, tutorial: Tutorial,
                                                       sandbox_url: str) -> None:
    client: Any = lambda_client(sandbox_url)
    for event in ({}, {"fail": True}, {}):
        invoke(client, tutorial.function, event)
    stack = build_map(function_name=tutorial.function)
    assert problems(stack) == [(f"function:{tutorial.function}", model.FAILING_INVOCATIONS)]
    found = problem(stack, model.FAILING_INVOCATIONS)
    assert dict(found.params) == {"errors": "1", "invocations": "3"}
    assert (found.fix, found.fix_params) == (model.FIX_FUNCTION_LOGS,
                                             (("function", tutorial.function),))
    assert stack.node(f"log-group:/aws/lambda/{tutorial.function}").exists


def test_the_filters_keep_what_hangs_off_one_api_or_one_function(
        console_calls: None, tutorial: Tutorial, sandbox_url: str,
        aws_client: ClientFactory) -> None:
    role_arn = aws_client("iam").get_role(RoleName=tutorial.role)["Role"]["Arn"]
    lonely = unique("lonely-fn")
    lambda_client(sandbox_url).create_function(
        FunctionName=lonely, Runtime="python3.12", Role=role_arn, Handler="app.handler",
        Code={"ZipFile": package({"app.py": HANDLER})})
    by_api = {node.key for node in build_map(api_id=tutorial.api_id).nodes}
    assert {f"function:{tutorial.function}", f"table:{tutorial.table}"} <= by_api
    assert f"function:{lonely}" not in by_api
    by_function = {node.key for node in build_map(function_name=lonely).nodes}
    assert f"function:{lonely}" in by_function and f"role:{tutorial.role}" in by_function
    assert not by_function & {f"api:{tutorial.api_id}", f"function:{tutorial.function}"}
    everything = {node.key for node in build_map().nodes}
    assert {f"function:{lonely}", f"function:{tutorial.function}",
            f"api:{tutorial.api_id}"} <= everything
