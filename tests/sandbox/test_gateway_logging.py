"""Stage logging as on AWS: it needs the account's CloudWatch role, which must trust API Gateway."""
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .lambda_support import create_role, deploy, lambda_client, unique, wait_for
from .processes import ACCOUNT_ID, REGION, ClientFactory
from .test_gateway_stage import ECHO, STAGE, allow_gateway, call, execute_arn, make_api, stage_url

# Account settings are per region: the refusal is checked where no test sets a role.
UNSET_REGION = "eu-west-1"
NO_ROLE = "CloudWatch Logs role ARN must be set in account settings to enable logging"
UNTRUSTED = ("The role ARN does not have required permissions configured. Please grant trust "
             "permission for API Gateway and add the required role policy.")
LOGLEVEL = "/*/*/logging/loglevel"


def trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def make_role(iam: Any, service: str) -> str:
    return iam.create_role(RoleName=unique("cw"), AssumeRolePolicyDocument=trust(service))[
        "Role"]["Arn"]


def mock_stage(apigateway: Any) -> str:
    """An API with one MOCK method, deployed to STAGE; its id."""
    api_id = apigateway.create_rest_api(name=unique("api"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    apigateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                          authorizationType="NONE")
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    return api_id


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def set_role(apigateway: Any, role_arn: str) -> Any:
    return apigateway.update_account(patchOperations=[
        {"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}])


@pytest.fixture(scope="module")
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


@pytest.mark.parametrize("operation", [
    {"op": "replace", "path": LOGLEVEL, "value": "INFO"},
    {"op": "replace", "path": LOGLEVEL, "value": "ERROR"},
    {"op": "replace", "path": "/accessLogSettings/destinationArn",
     "value": f"arn:aws:logs:{UNSET_REGION}:{ACCOUNT_ID}:log-group:access"},
])
def test_logging_needs_the_account_role(sandbox_url: str, operation: dict[str, str]) -> None:
    unset = boto3.client("apigateway", endpoint_url=sandbox_url, region_name=UNSET_REGION)
    api_id = mock_stage(unset)
    with pytest.raises(ClientError) as refused:
        unset.update_stage(restApiId=api_id, stageName=STAGE, patchOperations=[operation])
    assert error_of(refused) == ("BadRequestException", NO_ROLE)
    stage = unset.get_stage(restApiId=api_id, stageName=STAGE)
    assert "*/*" not in stage["methodSettings"]
    assert not stage.get("accessLogSettings")
    unset.update_stage(restApiId=api_id, stageName=STAGE, patchOperations=[
        {"op": "replace", "path": LOGLEVEL, "value": "OFF"}])


@pytest.mark.parametrize("role", ["missing", "lambda.amazonaws.com"])
def test_account_role_must_exist_and_trust_api_gateway(apigateway: Any,
                                                       aws_client: ClientFactory,
                                                       role: str) -> None:
    role_arn = (f"arn:aws:iam::{ACCOUNT_ID}:role/{unique('missing')}" if role == "missing"
                else make_role(aws_client("iam"), role))
    before = apigateway.get_account().get("cloudwatchRoleArn")
    with pytest.raises(ClientError) as refused:
        set_role(apigateway, role_arn)
    assert error_of(refused) == ("BadRequestException", UNTRUSTED)
    assert apigateway.get_account().get("cloudwatchRoleArn") == before


def test_enabled_stage_writes_execution_and_access_logs(sandbox_url: str, apigateway: Any,
                                                        aws_client: ClientFactory) -> None:
    iam, logs = aws_client("iam"), aws_client("logs")
    role_arn = make_role(iam, "apigateway.amazonaws.com")
    assert set_role(apigateway, role_arn)["cloudwatchRoleArn"] == role_arn
    lambda_api = lambda_client(sandbox_url)
    function = deploy(lambda_api, create_role(iam), ECHO)
    made = make_api(apigateway, function.arn, [("/logged", "GET")])
    allow_gateway(lambda_api, function.name, execute_arn(made.api_id))
    apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)
    access_group = unique("access")
    apigateway.update_stage(restApiId=made.api_id, stageName=STAGE, patchOperations=[
        {"op": "replace", "path": LOGLEVEL, "value": "INFO"},
        {"op": "replace", "path": "/accessLogSettings/destinationArn",
         "value": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{access_group}"},
        {"op": "replace", "path": "/accessLogSettings/format",
         "value": "$context.requestId $context.httpMethod $context.resourcePath "
                  "$context.status $context.stage $context.identity.sourceIp"}])
    reply = call(stage_url(sandbox_url, made.api_id, "/logged"))
    assert reply.status == 201
    request_id = reply.header("x-amzn-RequestId")[0]
    group = f"API-Gateway-Execution-Logs_{made.api_id}/{STAGE}"
    messages = wait_for(lambda: [event["message"] for event in
                                 logs.filter_log_events(logGroupName=group)["events"]])
    assert messages[0] == f"({request_id}) Starting execution for request: {request_id}"
    assert f"({request_id}) HTTP Method: GET, Resource Path: /logged" in messages
    assert messages[-1] == f"({request_id}) Method completed with status: 201"
    access = logs.filter_log_events(logGroupName=access_group)["events"]
    assert [event["message"] for event in access] == [
        f"{request_id} GET /logged 201 {STAGE} 127.0.0.1"]


def test_error_level_keeps_only_failures(sandbox_url: str, apigateway: Any,
                                         aws_client: ClientFactory) -> None:
    iam, logs = aws_client("iam"), aws_client("logs")
    set_role(apigateway, make_role(iam, "apigateway.amazonaws.com"))
    lambda_api = lambda_client(sandbox_url)
    function = deploy(lambda_api, create_role(iam), ECHO)
    made = make_api(apigateway, function.arn, [("/errors", "GET")])
    allow_gateway(lambda_api, function.name, execute_arn(made.api_id))
    apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)
    apigateway.update_stage(restApiId=made.api_id, stageName=STAGE, patchOperations=[
        {"op": "replace", "path": LOGLEVEL, "value": "ERROR"}])
    assert call(stage_url(sandbox_url, made.api_id, "/errors")).status == 201
    failed = call(stage_url(sandbox_url, made.api_id, "/errors?mode=malformed"))
    request_id = failed.header("x-amzn-RequestId")[0]
    group = f"API-Gateway-Execution-Logs_{made.api_id}/{STAGE}"
    messages = wait_for(lambda: [event["message"] for event in
                                 logs.filter_log_events(logGroupName=group)["events"]])
    assert messages == [
        f"({request_id}) Execution failed due to configuration error: "
        "Malformed Lambda proxy response",
        f"({request_id}) Method completed with status: 502"]
