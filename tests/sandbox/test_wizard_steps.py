"""Black-box: the wizard's steps build the tutorial's backend on the sandbox, and again without
duplicates; the tutorial's path sees AccessDenied first, then works once the policy is attached."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from webapp.wizard import live_check, steps
from webapp.wizard.model import Made

from .processes import ClientFactory
from .wizard_support import named_plan, run_all




def test_the_steps_build_a_working_backend_and_a_rerun_duplicates_nothing(
        console_calls: None, aws_client: ClientFactory) -> None:
    plan = named_plan()
    made = run_all(plan, Made())
    assert set(made.created) >= {"table", "policy", "role", "function", "api", "permission"}
    assert made.items_written == 3
    calls = live_check.run_check(plan, made)
    assert [call.status for call in calls] == [201, 200, 200], [call.body for call in calls]
    created = json.loads(calls[0].body)
    assert json.loads(calls[1].body)["name"] == live_check.CHECK_ITEM_NAME
    listed = json.loads(calls[2].body)
    assert created["id"] in json.dumps(listed) and "Notebook" in json.dumps(listed)

    again = run_all(plan, made)  # a retry after success changes nothing and adds nothing
    assert (again.api_id, again.function_arn, again.policy_arn) == (made.api_id, made.function_arn,
                                                                    made.policy_arn)
    apis = [api for api in aws_client("apigateway").get_rest_apis()["items"]
            if api["name"] == plan.api_name]
    assert len(apis) == 1
    policy = json.loads(aws_client("lambda").get_policy(FunctionName=plan.function_name)["Policy"])
    assert len(policy["Statement"]) == 1
    versions = aws_client("iam").list_policy_versions(PolicyArn=made.policy_arn)["Versions"]
    assert len(versions) == 1
    resources = aws_client("apigateway").get_resources(restApiId=made.api_id)["items"]
    assert sorted(resource["path"] for resource in resources) == ["/", "/items", "/items/{id}"]


def test_a_new_table_name_reaches_the_policy_and_the_function(console_calls: None,
                                                              aws_client: ClientFactory) -> None:
    plan = named_plan()
    made = run_all(plan, Made())
    renamed = replace(plan, table_name=plan.table_name + "-v2", runtime="python3.11")
    assert steps.undone_by(plan, renamed, list(steps.STEP_KEYS)) == []
    made = run_all(renamed, made)
    environment = aws_client("lambda").get_function_configuration(
        FunctionName=plan.function_name)["Environment"]["Variables"]
    assert environment["TABLE_NAME"] == renamed.table_name
    assert aws_client("lambda").get_function_configuration(
        FunctionName=plan.function_name)["Runtime"] == "python3.11"
    document = aws_client("iam").get_policy_version(
        PolicyArn=made.policy_arn, VersionId="v2")["PolicyVersion"]["Document"]
    assert renamed.table_name in json.dumps(document)
    assert [call.status for call in live_check.run_check(renamed, made)] == [201, 200, 200]


def test_the_tutorial_way_fails_with_access_denied_then_works(console_calls: None) -> None:
    plan = named_plan(tutorial_way=True)
    made = run_all(plan, Made())
    assert not made.table_policy_attached
    first = live_check.run_check(plan, made)
    assert first[0].status == 500 and not first[0].ok
    made = steps.attach_table_policy(plan, made)
    assert [call.status for call in live_check.run_check(plan, made)] == [201, 200, 200]


def test_a_role_that_lambda_may_not_assume_is_refused_beside_its_field(
        console_calls: None, aws_client: ClientFactory) -> None:
    plan = named_plan()
    aws_client("iam").create_role(RoleName=plan.role_name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))
    made = steps.step("table").run(plan, Made())
    with pytest.raises(Exception) as refused:
        steps.step("access").run(plan, made)
    assert getattr(refused.value, "field", None) == "role_name"
    assert "Lambda may not assume it" in str(refused.value)
