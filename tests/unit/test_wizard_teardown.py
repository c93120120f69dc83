"""Tear down: everything the wizard made is deleted in dependency order, each item reported."""
from __future__ import annotations

import html
import re
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from webapp.aws.functions import code_packages
from webapp.aws.functions.runtimes import PYTHON
from webapp import create_app
from webapp.aws.iam import policy_templates
from webapp.aws.apigateway import cloudwatch_logging, lambda_integrations, rest_apis
from webapp.aws.apigateway import (
    methods as api_methods, resources as api_resources, stages as api_stages,
)
from webapp.aws.functions import lambda_functions
from webapp.aws.dynamodb import tables as dynamodb
from webapp.aws.functions import lambda_functions as functions
from webapp.aws.iam import policies as iam_policies, roles as iam_roles
from webapp.aws.dynamodb.tables import KeyAttribute, NewTable
from webapp.aws.errors import AccessDenied, AwsFailure, ConsoleError, RejectedByAws
from webapp.views.wizard.pages import CHECK_SESSION_KEY, load_state, save_state
from webapp.wizard import teardown
from webapp.wizard.model import API_ROUTES, BASIC_EXECUTION_POLICY, Made, Plan
from webapp.wizard.teardown import ALREADY_GONE, DELETED, FAILED, KEPT

from tests.helpers import PASSWORD, csrf_token, injected, load_only_managed_policies

REGION = "ap-northeast-2"
ORDER = ["api", "function", "role", "policy", "table", "log_group", "log_group", "logging_role"]


@pytest.fixture(autouse=True)
def private_wizard_record(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test keeps the wizard's record in its own file, never in the project's instance/."""
    monkeypatch.setenv("CONSOLE_WIZARD_RECORD_FILE", str(tmp_path / "wizard.sqlite3"))


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The console under moto with only the AWS-managed policies the wizard attaches."""
    load_only_managed_policies(monkeypatch, ("AWSLambdaBasicExecutionRole",
                                             "AmazonAPIGatewayPushToCloudWatchLogs"))
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD})


def aws(service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, region_name=REGION)


def build(plan: Plan, adopt: tuple[str, ...] = ()) -> Made:
    """Make the wizard's stack with webapp.aws, as its steps do; `adopt` kinds count as found."""
    made = Made()
    table = dynamodb.create_table(NewTable(plan.table_name, KeyAttribute(plan.partition_key, "S")))
    made.table_name, made.table_arn = table.name, table.arn
    document = policy_templates.policy_for(policy_templates.TABLE, [table.arn], "read-write")
    made.policy_arn = iam_policies.create_policy(plan.policy_name, document).arn
    role = iam_roles.create_role(plan.role_name, iam_roles.trust_document("lambda"))
    made.role_name, made.role_arn = role.name, role.arn
    iam_roles.attach_policy(role.name, BASIC_EXECUTION_POLICY)
    iam_roles.attach_policy(role.name, made.policy_arn)
    made.table_policy_attached = True
    function = functions.create_function(functions.NewFunction(
        plan.function_name, plan.runtime, PYTHON.default_handler, role.arn,
        code_packages.template_zip("items"),
        environment={"TABLE_NAME": table.name, "KEY_NAME": plan.partition_key}))
    made.function_name, made.function_arn = function.function_name, function.function_arn
    api = rest_apis.create_rest_api(plan.api_name, "", plan.endpoint_type)
    made.api_id = api.api_id
    parents = {"/": api_resources.list_resources(api.api_id)[0].resource_id}
    for path, methods in API_ROUTES.items():
        parent_path, part = path.rsplit("/", 1)
        resource = api_resources.create_resource(api.api_id, parents[parent_path or "/"], part)
        parents[path] = made.resource_ids[path] = resource.resource_id
        for method in methods:
            api_methods.put_method(api.api_id, resource.resource_id, api_methods.NewMethod(
                method, "NONE", "lambda_proxy", function_arn=function.function_arn))
    made.permission_sid = lambda_integrations.add_invoke_permission(
        function.function_arn, lambda_integrations.execute_api_arn(api.api_id, "*", "/*"))
    made.stage_name = plan.stage_name
    made.deployment_id = api_stages.create_deployment(api.api_id, plan.stage_name, "").deployment_id
    made.logging_role_arn = cloudwatch_logging.create_logging_role("wizard-apigateway-logs")
    made.logging_role_name = "wizard-apigateway-logs"
    cloudwatch_logging.update_stage_logging(api.api_id, plan.stage_name, plan.logging_level, "", "")
    # Lambda and API Gateway make these when they first write; moto does not run them here.
    for group in log_groups(plan, made):
        aws("logs").create_log_group(logGroupName=group)
    identities = {"table": made.table_name, "policy": made.policy_arn, "role": made.role_name,
                  "function": made.function_name, "api": made.api_id,
                  "permission": made.permission_sid, "logging_role": made.logging_role_name}
    for kind, identity in identities.items():
        if kind not in adopt:
            made.record(kind, identity or "")
    return made


def log_groups(plan: Plan, made: Made) -> list[str]:
    return [f"/aws/lambda/{plan.function_name}",
            f"API-Gateway-Execution-Logs_{made.api_id}/{plan.stage_name}"]


def what_is_left(plan: Plan) -> dict[str, list[str]]:
    """Every resource of the stack's kinds still in the (mocked) account."""
    role_names = [role["RoleName"] for role in aws("iam").list_roles()["Roles"]]
    return {
        "tables": aws("dynamodb").list_tables()["TableNames"],
        "functions": [item["FunctionName"] for item in aws("lambda").list_functions()["Functions"]],
        "roles": role_names,
        "policies": [item["PolicyName"]
                     for item in aws("iam").list_policies(Scope="Local")["Policies"]],
        "apis": [item["name"] for item in aws("apigateway").get_rest_apis()["items"]],
        "log_groups": [item["logGroupName"]
                       for item in aws("logs").describe_log_groups()["logGroups"]],
    }


NOTHING = {"tables": [], "functions": [], "roles": [], "policies": [], "apis": [],
           "log_groups": []}


# 1. The plan


def test_the_plan_lists_everything_in_dependency_order(app: Flask) -> None:
    plan = Plan()
    made = build(plan)
    planned = teardown.planned_deletions(plan, made)
    assert [item.kind for item in planned] == ORDER
    assert all(item.made_by_wizard for item in planned)
    names = {item.kind: item.name for item in planned}
    assert names["api"] == "wizard-items-api" and names["table"] == "wizard-items"
    assert names["policy"] == "wizard-items-table-access"
    assert [item.name for item in planned if item.kind == "log_group"] == log_groups(plan, made)
    # The permission goes with the function, so it is not a step of its own.
    assert "permission" not in [item.kind for item in planned]


def test_an_empty_made_plans_nothing() -> None:
    assert teardown.planned_deletions(Plan(), Made()) == []
    assert not teardown.has_anything_to_delete(Plan(), Made())


# 2. Tearing down


def test_tear_down_deletes_each_item_in_order_and_leaves_nothing(app: Flask) -> None:
    plan = Plan()
    made = build(plan)
    calls: list[str] = []
    real_delete_one = teardown.delete_one

    def recording(item):  # type: ignore[no-untyped-def]
        calls.append(item.kind)
        return real_delete_one(item)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(teardown, "delete_one", recording)
        results = teardown.tear_down(plan, made)
    assert calls == ORDER
    assert [(result.deletion.kind, result.outcome) for result in results] == [
        (kind, DELETED) for kind in ORDER]
    assert what_is_left(plan) == NOTHING
    assert not aws("apigateway").get_account().get("cloudwatchRoleArn")
    left = teardown.left_after(made, results)
    assert left == Made()


def test_a_second_run_finds_everything_already_gone(app: Flask) -> None:
    plan = Plan()
    made = build(plan)
    teardown.tear_down(plan, made)
    again = teardown.tear_down(plan, made)
    assert [(result.deletion.kind, result.outcome) for result in again] == [
        (kind, ALREADY_GONE) for kind in ORDER]
    assert teardown.left_after(made, again) == Made()


def test_adopted_resources_are_kept_and_untouched(app: Flask) -> None:
    plan = Plan()
    made = build(plan, adopt=("table", "function"))
    results = teardown.tear_down(plan, made)
    outcomes = {(result.deletion.kind, result.deletion.name): result.outcome for result in results}
    assert outcomes[("table", "wizard-items")] == KEPT
    assert outcomes[("function", "wizard-items-function")] == KEPT
    assert outcomes[("log_group", "/aws/lambda/wizard-items-function")] == KEPT
    # The function stays, so the API's invoke permission is removed from it.
    assert outcomes[("permission", made.permission_sid)] == DELETED
    assert [result.deletion.kind for result in results][:3] == ["api", "permission", "function"]
    left = what_is_left(plan)
    assert left["tables"] == ["wizard-items"]
    assert left["functions"] == ["wizard-items-function"]
    assert left["log_groups"] == ["/aws/lambda/wizard-items-function"]
    assert left["apis"] == [] and left["policies"] == []
    with pytest.raises(ClientError):
        aws("lambda").get_policy(FunctionName="wizard-items-function")
    # Kept things were only borrowed: the wizard forgets them.
    assert teardown.left_after(made, results) == Made()


def test_a_failing_delete_does_not_stop_the_others(app: Flask,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    plan = Plan()
    made = build(plan)

    def refuse(function_name: str) -> str:
        raise AwsFailure("Could not %(action)s: %(aws_code)s: %(aws_message)s",
                         aws_code="ResourceConflictException", action="delete the function",
                         aws_message="The function is being updated")

    monkeypatch.setattr(lambda_functions, "delete_function", refuse)
    results = teardown.tear_down(plan, made)
    outcomes = [(result.deletion.kind, result.outcome) for result in results]
    assert outcomes == [("function", FAILED) if kind == "function" else (kind, DELETED)
                        for kind in ORDER]
    failed = next(result for result in results if result.outcome == FAILED)
    assert failed.error is not None and "The function is being updated" in failed.error.message
    left = what_is_left(plan)
    assert left["functions"] == ["wizard-items-function"]
    assert left == {**NOTHING, "functions": ["wizard-items-function"]}
    remaining = teardown.left_after(made, results)
    assert remaining.function_name == "wizard-items-function"
    assert remaining.created == ["function"]
    assert remaining.table_name is None and remaining.api_id is None
    # Once the cause is gone, running again finishes the job.
    monkeypatch.undo()
    again = teardown.tear_down(plan, remaining)
    assert [(result.deletion.kind, result.outcome) for result in again] == [
        ("function", DELETED), ("log_group", ALREADY_GONE)]
    assert what_is_left(plan) == NOTHING


def test_a_logging_role_someone_else_now_uses_stays_set(app: Flask) -> None:
    plan = Plan()
    made = build(plan)
    other = iam_roles.create_role("someone-elses-logs", iam_roles.trust_document("apigateway"))
    aws("apigateway").update_account(patchOperations=[
        {"op": "replace", "path": "/cloudwatchRoleArn", "value": other.arn}])
    results = teardown.tear_down(plan, made)
    assert results[-1].deletion.kind == "logging_role" and results[-1].outcome == DELETED
    assert aws("apigateway").get_account()["cloudwatchRoleArn"] == other.arn


def test_an_account_setting_that_cannot_be_cleared_keeps_the_logging_role(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = Plan()
    made = build(plan)

    def refuse(role_arn: str) -> str:
        raise RejectedByAws("Could not %(action)s: %(aws_message)s",
                            aws_code="BadRequestException", action="clear the setting",
                            aws_message="Invalid ARN specified in the request")

    monkeypatch.setattr(cloudwatch_logging, "clear_account_logging_role", refuse)
    results = teardown.tear_down(plan, made)
    last = results[-1]
    assert (last.deletion.kind, last.outcome) == ("logging_role", FAILED)
    assert last.error is not None
    assert last.error.message.startswith(f"Kept the role {made.logging_role_arn}")
    assert "Invalid ARN specified in the request" in last.error.message
    assert what_is_left(plan)["roles"] == ["wizard-apigateway-logs"]
    remaining = teardown.left_after(made, results)
    assert (remaining.logging_role_name, remaining.created) == ("wizard-apigateway-logs",
                                                                ["logging_role"])


# 3. The idempotent deletes


def test_each_delete_call_says_already_gone_for_a_missing_resource(app: Flask) -> None:
    gone = teardown.gone_if_missing
    assert gone(lambda: rest_apis.delete_rest_api("abc123")) == teardown.ALREADY_GONE
    assert gone(lambda: lambda_functions.delete_function("no-such-function")) == \
        teardown.ALREADY_GONE
    assert gone(lambda: lambda_functions.remove_permission("no-such-function", "sid")) == \
        teardown.ALREADY_GONE
    assert cloudwatch_logging.clear_account_logging_role("arn:aws:iam::123456789012:role/x") is False


def test_an_unexpected_failure_is_still_an_error(app: Flask,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def denied() -> None:
        raise AccessDenied("Access denied")

    with pytest.raises(ConsoleError):
        teardown.gone_if_missing(denied)


# 4. The page


def start_wizard(client: FlaskClient, plan: Plan, made: Made,
                 done: tuple[str, ...] = ("table",)) -> None:
    with client.application.test_request_context():
        save_state(plan, made, list(done))


def wizard_state(client: FlaskClient) -> dict:
    with client.application.test_request_context():
        plan, made, done = load_state()
    return {"plan": plan.to_dict(), "made": made.to_dict(), "done": done}


def text(reply) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(reply.get_data(as_text=True))


def confirm(client: FlaskClient, typed: str):  # type: ignore[no-untyped-def]
    return client.post("/wizard/teardown", data={
        "confirm_name": typed, "csrf_token": csrf_token(client, "/wizard/teardown")})


def test_the_page_lists_what_will_be_deleted_and_what_is_kept(signed_in: FlaskClient) -> None:
    plan = Plan()
    made = build(plan, adopt=("table",))
    start_wizard(signed_in, plan, made)
    reply = signed_in.get("/wizard/teardown")
    assert reply.status_code == HTTPStatus.OK
    page = text(reply)
    for name in ("wizard-items-api", made.api_id, "wizard-items-function", made.function_arn,
                 "wizard-items-function-role", "wizard-items-table-access",
                 *log_groups(plan, made), "wizard-apigateway-logs"):
        assert name in page
    row = re.search(r'<tr[^>]*data-kind="table".*?</tr>', page, re.S)
    assert row and "Kept: it existed before the wizard" in row.group(0)
    assert page.count("Will be deleted") == 7
    assert 'name="confirm_name"' in page


def test_a_mismatched_confirmation_keeps_everything(signed_in: FlaskClient) -> None:
    plan = Plan()
    made = build(plan)
    start_wizard(signed_in, plan, made)
    reply = confirm(signed_in, "wizard-items")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = text(reply)
    assert 'value="wizard-items"' in page
    assert 'Type "delete" or the API\'s name, wizard-items-api, to tear everything down.' in page
    left = what_is_left(plan)
    assert left["tables"] == ["wizard-items"] and left["apis"] == ["wizard-items-api"]
    assert wizard_state(signed_in)["made"] == made.to_dict()


@pytest.mark.parametrize("typed", ["delete", "wizard-items-api"])
def test_confirming_deletes_everything_then_nothing_is_left(signed_in: FlaskClient,
                                                            typed: str) -> None:
    plan = Plan()
    made = build(plan)
    start_wizard(signed_in, plan, made)
    with signed_in.session_transaction() as session:
        session[CHECK_SESSION_KEY] = [{"method": "GET", "path": "/items"}]
    reply = confirm(signed_in, typed)
    assert reply.status_code == HTTPStatus.OK
    page = text(reply)
    assert page.count(">Deleted<") == len(ORDER)
    assert what_is_left(plan) == NOTHING
    state = wizard_state(signed_in)
    assert state["made"] == Made().to_dict() and state["done"] == []
    assert state["plan"] == plan.to_dict()
    with signed_in.session_transaction() as session:
        assert CHECK_SESSION_KEY not in session
    again = text(signed_in.get("/wizard/teardown"))
    assert "Nothing left to delete" in again and 'name="confirm_name"' not in again
    assert "Nothing left to delete" in text(confirm(signed_in, "delete"))


def test_a_failure_is_shown_beside_its_item_and_kept_for_the_next_run(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = Plan()
    made = build(plan)
    start_wizard(signed_in, plan, made)

    def refuse(table_name: str) -> None:
        raise AwsFailure("Could not %(action)s: %(aws_code)s: %(aws_message)s",
                         aws_code="ResourceInUseException", action="delete the table",
                         aws_message="Table is being updated")

    monkeypatch.setattr(dynamodb, "delete_table", refuse)
    reply = confirm(signed_in, "delete")
    assert reply.status_code == HTTPStatus.OK
    page = text(reply)
    row = re.search(r'<tr[^>]*data-kind="table".*?</tr>', page, re.S)
    assert row and "Table is being updated" in row.group(0) and "Failed" in row.group(0)
    assert "1 item is left" in page
    assert what_is_left(plan)["tables"] == ["wizard-items"]
    assert wizard_state(signed_in)["made"]["table_name"] == "wizard-items"
    page = text(signed_in.get("/wizard/teardown"))
    assert page.count("Will be deleted") == 1 and "wizard-items" in page


def test_what_earlier_answers_made_is_torn_down_too(app: Flask) -> None:
    from webapp.wizard import steps
    with app.test_request_context():
        plan = Plan(test_items="")
        made = steps.step("table").run(plan, Made())
        made = steps.step("access").run(plan, made)
        renamed = Plan(table_name="renamed-items", policy_name="renamed-access", test_items="")
        made = steps.step("table").run(renamed, made)
        made = steps.step("access").run(renamed, made)
        attached = {policy["PolicyName"] for policy in aws("iam").list_attached_role_policies(
            RoleName=made.role_name)["AttachedPolicies"]}
        assert "renamed-access" in attached and plan.policy_name not in attached  # swapped
        planned = {(item.kind, item.name) for item in teardown.planned_deletions(renamed, made)}
        assert {("table", plan.table_name), ("table", "renamed-items"),
                ("policy", plan.policy_name), ("policy", "renamed-access")} <= planned
        teardown.tear_down(renamed, made)
        assert aws("dynamodb").list_tables()["TableNames"] == []
        assert aws("iam").list_policies(Scope="Local")["Policies"] == []


def test_an_adopted_table_of_a_new_answer_is_kept_while_the_wizards_own_goes(app: Flask) -> None:
    from webapp.wizard import steps
    aws("dynamodb").create_table(TableName="precious", BillingMode="PAY_PER_REQUEST",
                                 KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    with app.test_request_context():
        made = steps.step("table").run(Plan(test_items=""), Made())
        made = steps.step("table").run(Plan(table_name="precious", test_items=""), made)
        results = teardown.tear_down(Plan(table_name="precious"), made)
    outcomes = {(result.deletion.name, result.outcome) for result in results}
    assert ("precious", "kept") in outcomes and ("wizard-items", "deleted") in outcomes
    assert aws("dynamodb").list_tables()["TableNames"] == ["precious"]
