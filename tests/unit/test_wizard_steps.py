"""The wizard's steps and forms on moto: answers checked before any call, dependencies, order."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from tests.helpers import PASSWORD, csrf_token, injected, load_only_managed_policies
from webapp import create_app
from webapp.aws.errors import AwsFailure, ConsoleError, RejectedByAws
from webapp.wizard import steps
from webapp.wizard.model import Made, Plan

REGION = "ap-northeast-2"


@pytest.fixture(autouse=True)
def private_wizard_record(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test keeps the wizard's record in its own file, never in the project's instance/."""
    monkeypatch.setenv("CONSOLE_WIZARD_RECORD_FILE", str(tmp_path / "wizard.sqlite3"))


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The console under moto with the AWS-managed policy the access step attaches."""
    load_only_managed_policies(monkeypatch, ("AWSLambdaBasicExecutionRole",))
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD})


def test_changing_an_answer_undoes_the_steps_that_read_it_and_those_after() -> None:
    plan, done = Plan(), list(steps.STEP_KEYS)
    assert steps.undone_by(plan, plan, done) == done
    assert steps.undone_by(plan, replace(plan, stage_name="dev"), done) == [
        "table", "access", "function", "api"]
    assert steps.undone_by(plan, replace(plan, function_name="other"), done) == ["table", "access"]
    assert steps.undone_by(plan, replace(plan, table_name="other"), done) == []
    assert steps.first_undone(["table", "access"]) == "function"
    assert steps.first_undone(done) is None


@pytest.mark.parametrize(("text", "message"), [
    ('{"id": "1"}\n{"id": ', "Line 2: This is not valid JSON"),
    ('{"name": "no key"}', 'needs a text "id"'),
    ('{"id": 5}', 'needs a text "id"'),
    ("[1, 2]", "Test item 1:"),
])
def test_bad_test_items_are_explained(text: str, message: str) -> None:
    with pytest.raises(ConsoleError) as refused:
        steps.parse_test_items(text, "id")
    assert refused.value.field == "test_items"
    assert message in refused.value.message


def test_test_items_come_as_json_lines_or_an_array() -> None:
    assert len(steps.parse_test_items('{"id": "1"}\n\n{"id": "2"}', "id")) == 2
    assert len(steps.parse_test_items('[{"id": "1"}, {"id": "2"}]', "id")) == 2
    assert steps.parse_test_items("  ", "id") == []


def post_step(client: FlaskClient, key: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(f"/wizard/step/{key}",
                       data={**data, "csrf_token": csrf_token(client, f"/wizard/step/{key}")})


def test_a_bad_answer_is_shown_beside_its_field_and_nothing_is_made(signed_in: FlaskClient) -> None:
    reply = post_step(signed_in, "table", {"table_name": "a b", "partition_key": "id",
                                           "test_items": '{"id": "1"}'})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'id="table_name-error"' in reply.text and 'value="a b"' in reply.text
    assert boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"] == []


def test_the_table_step_makes_the_table_with_its_items_and_moves_on(signed_in: FlaskClient) -> None:
    reply = post_step(signed_in, "table", {"table_name": "unit-items", "partition_key": "id",
                                           "test_items": '{"id": "1", "name": "a"}\n{"id": "2"}'})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"].endswith("/wizard/step/access")
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName="unit-items")["Items"]
    assert sorted(item["id"]["S"] for item in items) == ["1", "2"]
    page = signed_in.get("/wizard/step/table").text
    assert "unit-items" in page and "arn:aws:dynamodb:" in page and "Run this step again" in page
    overview = signed_in.get("/wizard/").text
    assert "Resume the wizard" in overview


def test_a_step_before_its_predecessor_is_refused(signed_in: FlaskClient) -> None:
    reply = post_step(signed_in, "function", {"function_name": "fn", "runtime": "python3.12",
                                              "memory_mb": "128", "timeout_s": "10"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "first: this one builds on it" in reply.text
    assert 'value="fn"' in reply.text


def test_a_table_with_another_key_is_not_adopted(signed_in: FlaskClient) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="keyed", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    reply = post_step(signed_in, "table", {"table_name": "keyed", "partition_key": "id",
                                           "test_items": ""})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "already exists with another key (pk (S))" in reply.text


def test_the_access_step_scopes_the_policy_to_the_table(app: Flask) -> None:
    with app.test_request_context():
        made = steps.step("table").run(Plan(table_name="scoped", test_items=""), Made())
        made = steps.step("access").run(Plan(table_name="scoped"), made)
    iam = boto3.client("iam", region_name=REGION)
    version = iam.get_policy(PolicyArn=made.policy_arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=made.policy_arn, VersionId=version)[
        "PolicyVersion"]["Document"]
    resources = [resource for statement in document["Statement"]
                 for resource in (statement["Resource"] if isinstance(statement["Resource"], list)
                                  else [statement["Resource"]])]
    assert all(resource.startswith(made.table_arn) for resource in resources)
    attached = {policy["PolicyArn"] for policy in iam.list_attached_role_policies(
        RoleName=made.role_name)["AttachedPolicies"]}
    assert made.policy_arn in attached and made.table_policy_attached


def test_a_step_says_what_it_will_reuse_before_it_runs(signed_in: FlaskClient) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(TableName="wizard-items", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    page = signed_in.get("/wizard/step/table").text
    assert "The table wizard-items exists already with this key" in page
    boto3.client("iam", region_name=REGION).create_role(
        RoleName="wizard-items-function-role", AssumeRolePolicyDocument=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": '
            '"sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}'))
    access = signed_in.get("/wizard/step/access").text
    assert "A role named wizard-items-function-role exists, and Lambda may not assume it" in access


def test_a_role_lambda_may_not_assume_is_refused_before_anything_is_made(
        signed_in: FlaskClient) -> None:
    assert post_step(signed_in, "table", {"table_name": "half", "partition_key": "id",
                                          "test_items": ""}).status_code == HTTPStatus.SEE_OTHER
    iam = boto3.client("iam", region_name=REGION)
    iam.create_role(RoleName="ec2-role", AssumeRolePolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": '
        '"sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}'))
    reply = post_step(signed_in, "access", {"policy_name": "half-access", "role_name": "ec2-role"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'id="role_name-error"' in reply.text
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_what_a_failing_step_made_before_it_failed_is_torn_down(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.wizard import lookups as wizard_lookups

    def refuse(*args: object, **kwargs: object) -> int:
        raise AwsFailure("The items could not be written.")

    monkeypatch.setattr(wizard_lookups, "put_items", refuse)
    reply = post_step(signed_in, "table", {"table_name": "made-then-failed", "partition_key": "id",
                                           "test_items": '{"id": "1"}'})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "The items could not be written." in reply.text
    teardown = signed_in.get("/wizard/teardown").text
    assert "made-then-failed" in teardown  # the table the failed try made is known


def test_an_existing_tables_own_items_are_kept(signed_in: FlaskClient) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(TableName="theirs", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    dynamodb.put_item(TableName="theirs", Item={"id": {"S": "1"}, "name": {"S": "real data"}})
    reply = post_step(signed_in, "table", {"table_name": "theirs", "partition_key": "id",
                                           "test_items": '{"id": "1", "name": "test"}\n{"id": "9"}'})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    item = dynamodb.get_item(TableName="theirs", Key={"id": {"S": "1"}})["Item"]
    assert item["name"]["S"] == "real data"
    assert "Item" in dynamodb.get_item(TableName="theirs", Key={"id": {"S": "9"}})


@pytest.mark.parametrize(("key", "data", "field"), [
    ("access", {"policy_name": "정책", "role_name": "ok-role"}, "policy_name"),
    ("access", {"policy_name": "ok", "role_name": "역할"}, "role_name"),
    ("api", {"api_name": "items\rapi", "endpoint_type": "REGIONAL"}, "api_name"),
    ("table", {"table_name": "items", "partition_key": "id",
               "test_items": "\n".join('{"id": "%d", "note": "%s"}' % (n, "x" * 40)
                                       for n in range(40))}, "test_items"),
])
def test_names_aws_would_refuse_and_oversized_items_are_refused_beside_the_field(
        signed_in: FlaskClient, key: str, data: dict[str, str], field: str) -> None:
    reply = post_step(signed_in, key, data)
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert f'id="{field}-error"' in reply.text


def test_an_api_the_wizard_did_not_make_keeps_its_own_methods(app: Flask) -> None:
    gateway = boto3.client("apigateway", region_name=REGION)
    api_id = gateway.create_rest_api(name="team-api")["id"]
    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    items = gateway.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    gateway.put_method(restApiId=api_id, resourceId=items, httpMethod="GET", authorizationType="NONE")
    gateway.put_integration(restApiId=api_id, resourceId=items, httpMethod="GET", type="HTTP_PROXY",
                            integrationHttpMethod="GET", uri="https://team.example.com/items")
    made = Made(function_arn="arn:aws:lambda:ap-northeast-2:123456789012:function:fn",
                function_name="fn")
    with app.test_request_context(), pytest.raises(ConsoleError) as refused:
        steps.step("api").run(Plan(api_name="team-api"), made)
    assert refused.value.field == "api_name"
    assert "does not change an API it did not make" in refused.value.message
    method = gateway.get_method(restApiId=api_id, resourceId=items, httpMethod="GET")
    assert method["methodIntegration"]["uri"] == "https://team.example.com/items"


def test_a_logging_role_from_a_failed_try_is_set_rather_than_made_again(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.aws.apigateway import cloudwatch_logging
    gateway = boto3.client("apigateway", region_name=REGION)
    api_id = gateway.create_rest_api(name="logged")["id"]
    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    gateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    gateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    made_roles: list[str] = []
    original = cloudwatch_logging.create_logging_role

    def made_but_not_set(name: str) -> str:
        made_roles.append(name)
        boto3.client("iam", region_name=REGION).create_role(
            RoleName=name, AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}')
        raise RejectedByAws("The role ARN does not have required permissions set to API Gateway")

    monkeypatch.setattr(cloudwatch_logging, "create_logging_role", made_but_not_set)
    made = Made(api_id=api_id)
    with app.test_request_context():
        with pytest.raises(ConsoleError):
            steps.step("stage").run(Plan(), made)
        assert made.logging_role_name == made_roles[0]  # known, so tear down finds it
        monkeypatch.setattr(cloudwatch_logging, "create_logging_role", original)
        made = steps.step("stage").run(Plan(), made)
    assert len(made_roles) == 1
    assert gateway.get_account()["cloudwatchRoleArn"].endswith(f"role/{made_roles[0]}")


def test_the_access_step_shows_its_policy_document_before_making_it(signed_in: FlaskClient) -> None:
    assert "Do the step" not in signed_in.get("/wizard/step/access").text
    post_step(signed_in, "table", {"table_name": "shown", "partition_key": "id", "test_items": ""})
    page = signed_in.get("/wizard/step/access").text
    assert "The policy document this step makes" in page
    assert "arn:aws:dynamodb:ap-northeast-2:123456789012:table/shown/index/*" in page
    assert "dynamodb:PutItem" in page
    dashboard = signed_in.get("/").text
    assert 'href="/wizard/resume"' in dashboard
