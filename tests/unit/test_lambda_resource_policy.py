"""awslambda/resource_policy.py: whether a function's resource policy lets a service invoke it.

AWS ("Using resource-based policies for Lambda", "Granting function access to AWS services"): a
service may invoke a function when a statement allows one of its principals lambda:InvokeFunction
and every AWS:SourceArn / AWS:SourceAccount condition names the calling resource and its account.
"""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from webapp.sandbox.awslambda.resource_policy import service_may_invoke

ACCOUNT = "123456789012"
REGION = "us-east-1"
LOGS = ("logs.amazonaws.com", f"logs.{REGION}.amazonaws.com")
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app:*"
OTHER_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/other:*"


def code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return 1\n")
    return buffer.getvalue()


@pytest.fixture
def function() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))
        client = boto3.client("lambda", region_name=REGION)
        arn = client.create_function(FunctionName="fn", Runtime="python3.12", Role=role["Role"]["Arn"],
                                     Handler="lambda_function.lambda_handler",
                                     Code={"ZipFile": code()})["FunctionArn"]
        yield client, arn


def allowed(arn: str, source_arn: str = GROUP_ARN) -> bool:
    return service_may_invoke(ACCOUNT, REGION, arn, None, LOGS, source_arn)


def test_no_policy_allows_nothing(function: tuple[Any, str]) -> None:
    assert not allowed(function[1])


@pytest.mark.parametrize("principal", ["logs.amazonaws.com", f"logs.{REGION}.amazonaws.com"])
def test_the_services_principal_without_conditions(function: tuple[Any, str],
                                                   principal: str) -> None:
    client, arn = function
    client.add_permission(FunctionName="fn", StatementId="s", Action="lambda:InvokeFunction",
                          Principal=principal)
    assert allowed(arn)


def test_another_services_principal_is_not_enough(function: tuple[Any, str]) -> None:
    client, arn = function
    client.add_permission(FunctionName="fn", StatementId="s", Action="lambda:InvokeFunction",
                          Principal="apigateway.amazonaws.com")
    assert not allowed(arn)


def test_source_arn_must_name_the_caller(function: tuple[Any, str]) -> None:
    client, arn = function
    client.add_permission(FunctionName="fn", StatementId="s", Action="lambda:InvokeFunction",
                          Principal="logs.amazonaws.com", SourceArn=GROUP_ARN)
    assert allowed(arn, GROUP_ARN)
    assert not allowed(arn, OTHER_GROUP_ARN)


def test_source_account_must_be_the_callers(function: tuple[Any, str]) -> None:
    client, arn = function
    client.add_permission(FunctionName="fn", StatementId="s", Action="lambda:InvokeFunction",
                          Principal="logs.amazonaws.com", SourceAccount="210987654321")
    assert not allowed(arn)
    client.add_permission(FunctionName="fn", StatementId="t", Action="lambda:InvokeFunction",
                          Principal="logs.amazonaws.com", SourceAccount=ACCOUNT)
    assert allowed(arn)


def test_a_wildcard_source_arn_matches_like_arnlike(function: tuple[Any, str]) -> None:
    client, arn = function
    client.add_permission(FunctionName="fn", StatementId="s", Action="lambda:InvokeFunction",
                          Principal="logs.amazonaws.com",
                          SourceArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/a*")
    assert allowed(arn, GROUP_ARN)
    assert not allowed(arn, OTHER_GROUP_ARN)


def test_another_action_is_not_enough(function: tuple[Any, str]) -> None:
    client, arn = function
    client.add_permission(FunctionName="fn", StatementId="s", Action="lambda:GetFunction",
                          Principal="logs.amazonaws.com")
    assert not allowed(arn)
