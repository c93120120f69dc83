"""One function per AWS question: the service-layer functions the wizard and the pages share.

The waits, the API update and the method delete the wizard used to ask boto3 for itself; the
default document of a managed policy, GetRole, and the roles the console makes, each answered once.
Under moto, or botocore's Stubber where moto cannot show a state (a function still Pending).
"""
from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.helpers import clients_for, load_only_managed_policies
from webapp.aws import clients
from webapp.aws.apigateway import methods as api_methods, rest_apis
from webapp.aws.dynamodb import tables
from webapp.aws.errors import AlreadyExists, Conflict, NotFound
from webapp.aws.functions import lambda_functions
from webapp.aws.iam import execution_roles, policies, roles

REGION = "ap-northeast-2"
FUNCTION = "items-fn"
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto, the console's clients in this context, and waiters that do not really sleep."""
    load_only_managed_policies(monkeypatch, ("AWSLambdaBasicExecutionRole",))
    monkeypatch.setattr("botocore.waiter.time.sleep", lambda seconds: None)
    with mock_aws():
        clients.use(clients_for(clients.Connection(backend="aws", region=REGION)))
        yield


def test_waiting_for_a_table_asks_until_it_is_active(aws: None) -> None:
    with Stubber(clients.client("dynamodb")) as stub:
        for status in ("CREATING", "ACTIVE"):
            stub.add_response("describe_table", {"Table": {"TableStatus": status}},
                              {"TableName": "items"})
        tables.wait_until_active("items")
        stub.assert_no_pending_responses()


def _configuration(state: str, update: str = "Successful", reason: str = "") -> dict:
    return {"Configuration": {"FunctionName": FUNCTION, "State": state, "StateReason": reason,
                              "LastUpdateStatus": update}}


def test_waiting_for_a_function_asks_until_it_is_active_and_updated(aws: None) -> None:
    with Stubber(clients.client("lambda")) as stub:
        for state, update in (("Pending", "InProgress"), ("Active", "InProgress"),
                              ("Active", "InProgress"), ("Active", "Successful")):
            stub.add_response("get_function", _configuration(state, update),
                              {"FunctionName": FUNCTION})
        lambda_functions.wait_until_ready(FUNCTION)
        stub.assert_no_pending_responses()


def test_a_function_that_failed_to_become_active_says_why(aws: None) -> None:
    with Stubber(clients.client("lambda")) as stub:
        stub.add_response("get_function", _configuration("Failed", reason="The role is invalid."),
                          {"FunctionName": FUNCTION})
        with pytest.raises(Conflict) as refused:
            lambda_functions.wait_until_ready(FUNCTION)
    assert refused.value.message == ("Could not wait for the function to become active: Failed: "
                                     "The role is invalid.")


def test_waiting_for_a_missing_function_is_not_found(aws: None) -> None:
    with Stubber(clients.client("lambda")) as stub:
        stub.add_client_error("get_function", service_error_code="ResourceNotFoundException",
                              service_message="Function not found", http_status_code=404)
        with pytest.raises(NotFound):
            lambda_functions.wait_until_ready(FUNCTION)


def test_updating_an_api_renames_it_and_changes_its_endpoint_type(aws: None) -> None:
    api_id = rest_apis.create_rest_api("items-api", "", "REGIONAL").api_id
    rest_apis.update_rest_api(api_id, "renamed-api", "EDGE")
    api = rest_apis.get_rest_api(api_id)
    assert (api.name, api.endpoint_type) == ("renamed-api", "EDGE")


def test_updating_an_api_to_what_it_is_changes_nothing(aws: None) -> None:
    api_id = rest_apis.create_rest_api("items-api", "", "REGIONAL").api_id
    with Stubber(clients.client("apigateway")) as stub:
        stub.add_response("get_rest_api", {"id": api_id, "name": "items-api",
                                           "endpointConfiguration": {"types": ["REGIONAL"]}},
                          {"restApiId": api_id})
        rest_apis.update_rest_api(api_id, "items-api", "REGIONAL")  # no UpdateRestApi stubbed
        stub.assert_no_pending_responses()


def test_a_deleted_method_is_gone(aws: None) -> None:
    gateway = boto3.client("apigateway", region_name=REGION)
    api_id = gateway.create_rest_api(name="items-api")["id"]
    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    gateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                       authorizationType="NONE")
    api_methods.delete_method(api_id, root, "GET")
    with pytest.raises(NotFound):
        api_methods.get_method(api_id, root, "GET")


def test_the_default_document_is_the_default_versions(aws: None) -> None:
    first = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}
    second = {**first, "Statement": [{**first["Statement"][0], "Action": "dynamodb:PutItem"}]}
    arn = policies.create_policy("items-access", first).arn
    policies.new_version(arn, second)
    assert policies.default_document(arn) == second


def test_the_default_document_of_a_missing_policy_is_not_found(aws: None) -> None:
    with pytest.raises(NotFound):
        policies.default_document("arn:aws:iam::123456789012:policy/missing")


@pytest.mark.parametrize(("text", "expected"), [
    ('{"Statement": {"Effect": "Allow"}}', {"Statement": {"Effect": "Allow"}}),
    ("%7B%22Version%22%3A%222012-10-17%22%7D", {"Version": "2012-10-17"}),
    ("[]", {}),
])
def test_documents_are_decoded_as_iam_returns_them(text: str, expected: dict) -> None:
    assert policies.decoded_document(text) == expected


def test_a_role_exists_once_made(aws: None) -> None:
    assert roles.role_exists("items-role") is False
    roles.create_role("items-role", roles.trust_document("lambda"), "Runs items-fn",
                      path="/service-role/")
    roles.wait_until_exists("items-role")
    assert roles.role_exists("items-role") is True
    role = boto3.client("iam").get_role(RoleName="items-role")["Role"]
    assert (role["Path"], role["Description"]) == ("/service-role/", "Runs items-fn")


def test_the_basic_lambda_role_is_made_as_the_aws_console_makes_it(aws: None) -> None:
    made = execution_roles.create_basic_lambda_role("items-fn-role")
    iam = boto3.client("iam")
    role = iam.get_role(RoleName="items-fn-role")["Role"]
    assert (made.role_arn, role["Path"]) == (role["Arn"], "/service-role/")
    assert role["Description"] == execution_roles.BASIC_ROLE_DESCRIPTION
    assert [policy["PolicyArn"] for policy in iam.list_attached_role_policies(
        RoleName="items-fn-role")["AttachedPolicies"]] == [BASIC]
    with pytest.raises(AlreadyExists) as taken:
        execution_roles.create_basic_lambda_role("items-fn-role")
    assert taken.value.field is None  # the function form has no role name to fix


def _trust(**statement: object) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": "sts:AssumeRole", **statement}]})


@pytest.mark.parametrize(("document", "trusted"), [
    (_trust(), True),
    (_trust(Principal={"Service": ["edgelambda.amazonaws.com", "lambda.amazonaws.com"]},
            Action=["sts:AssumeRole", "sts:TagSession"]), True),
    (_trust(Effect="Deny"), False),
    (_trust(Action="sts:TagSession"), False),
    (_trust(Principal={"Service": "ec2.amazonaws.com"}), False),
    (_trust(Principal="*"), False),
    ('{"Version": "2012-10-17"}', False),
])
def test_a_trust_policy_trusts_a_service_only_by_an_allowed_assume_role(document: str,
                                                                        trusted: bool) -> None:
    assert roles.trusts_service(document, "lambda.amazonaws.com") is trusted


def test_the_execution_role_picker_offers_only_roles_lambda_may_assume(aws: None) -> None:
    iam = boto3.client("iam", region_name=REGION)

    def trusting(name: str, service: object) -> None:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": {
                "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}}))

    trusting("one-service", "lambda.amazonaws.com")
    trusting("two-services", ["apigateway.amazonaws.com", "lambda.amazonaws.com"])
    trusting("gateway-only", "apigateway.amazonaws.com")
    iam.create_role(RoleName="an-account", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}))
    offered = execution_roles.list_lambda_roles()
    assert sorted(role.role_name for role in offered) == ["one-service", "two-services"]
    assert all(role.trusts_lambda for role in offered)
