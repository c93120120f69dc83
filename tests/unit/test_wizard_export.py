"""Taking the wizard's backend away: the SAM template (linted and translated), the CLI script
(checked by bash and run against a fake `aws`), the .zip, and the routes that serve them."""
from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import render_template
from flask.testing import FlaskClient

from webapp.aws.iam.policy_templates import READ_WRITE, TABLE, actions_for
from webapp.views.wizard.pages import save_state
from webapp.wizard import export
from webapp.wizard.function_code import code_for
from webapp.wizard.model import API_ROUTES, Made, Plan

ACCOUNT = "123456789012"
CUSTOM = Plan(table_name="orders.v2_prod-1", partition_key="sku", policy_name="orders-rw",
              role_name="orders-fn-role", function_name="orders-fn", runtime="python3.13",
              memory_mb=256, timeout_s=20, api_name="orders-api", endpoint_type="EDGE",
              stage_name="v1", logging_level="ERROR")
METHOD_COUNT = sum(len(methods) for methods in API_ROUTES.values())


# --- The SAM template ---

@pytest.fixture(autouse=True)
def private_wizard_record(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test keeps the wizard's record in its own file, never in the project's instance/."""
    monkeypatch.setenv("CONSOLE_WIZARD_RECORD_FILE", str(tmp_path / "wizard.sqlite3"))


@pytest.fixture(autouse=True)
def translator_region(monkeypatch: pytest.MonkeyPatch) -> None:
    """SAM's translator fills AWS::Region from the default session; the template names none."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


class _NoManagedPolicies:
    """SAM asks IAM for managed policy names only when a function lists some by name."""

    def load(self) -> dict[str, str]:
        return {}


# cfn-lint and SAM's translator are imported where they are used: importing them takes most of a
# second, which every test worker paid while collecting, whether or not it ran these tests.

def parsed(text: str) -> dict[str, Any]:
    from cfnlint.decode.decode import decode_str

    template, errors = decode_str(text)
    assert not errors, errors
    return json.loads(json.dumps(template))


def translated(text: str) -> dict[str, Any]:
    """The template as CloudFormation gets it: code uploaded (as `sam package` does), expanded."""
    from samtranslator.translator.transform import transform

    template = parsed(text)
    template["Resources"][export.FUNCTION_ID]["Properties"]["CodeUri"] = "s3://bucket/code.zip"
    return transform(template, {}, _NoManagedPolicies())


def problems(text: str) -> list[str]:
    """cfn-lint's errors and warnings (informational notes aside)."""
    from cfnlint.api import lint

    return [f"{match.rule.id} {match}" for match in lint(text, regions=["us-east-1", "eu-west-1"])
            if match.rule.id[0] in "EW"]


def of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: resource for name, resource in template["Resources"].items()
            if resource["Type"] == kind}


def only(template: dict, kind: str) -> dict:
    found = of_type(template, kind)
    assert len(found) == 1, (kind, list(found))
    return next(iter(found.values()))


def mentions(value: object, text: str) -> bool:
    return text in json.dumps(value)


@pytest.mark.parametrize("plan", [Plan(), CUSTOM, replace(Plan(), logging_level="OFF")],
                         ids=["defaults", "custom", "logging-off"])
def test_template_passes_cfn_lint_before_and_after_the_sam_transform(plan: Plan) -> None:
    text = export.sam_template(plan)
    assert problems(text) == []
    assert problems(json.dumps(translated(text))) == []


def test_the_template_is_sam_and_names_no_region_or_account() -> None:
    text = export.sam_template(Plan())
    template = parsed(text)
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert not re.search(r"\b\d{12}\b", text)
    assert not re.search(r"\b(?:us|eu|ap|sa|ca|me|af)-[a-z]+-\d\b", text)
    assert "arn:aws:" not in text  # the partition comes from AWS::Partition
    assert "!Sub" in text and "!GetAtt" in text and "!Ref" in text


@pytest.mark.parametrize("plan", [Plan(), CUSTOM], ids=["defaults", "custom"])
def test_translated_template_holds_the_wizards_stack(plan: Plan) -> None:
    template = translated(export.sam_template(plan))

    table = only(template, "AWS::DynamoDB::Table")["Properties"]
    assert table["TableName"] == plan.table_name
    assert table["KeySchema"] == [{"AttributeName": plan.partition_key, "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [
        {"AttributeName": plan.partition_key, "AttributeType": "S"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"

    policy = only(template, "AWS::IAM::ManagedPolicy")["Properties"]
    assert policy["ManagedPolicyName"] == plan.policy_name
    granted = []
    for statement in policy["PolicyDocument"]["Statement"]:
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        assert "*" not in resources
        assert all(resource == {"Fn::GetAtt": [export.TABLE_ID, "Arn"]}
                   or mentions(resource, f"${{{export.TABLE_ID}.Arn}}") for resource in resources)
        granted += statement["Action"]
    assert sorted(granted) == sorted(actions_for(TABLE, READ_WRITE))
    assert {"Fn::Sub": f"${{{export.TABLE_ID}.Arn}}/index/*"} in \
        [resource for statement in policy["PolicyDocument"]["Statement"]
         for resource in (statement["Resource"] if isinstance(statement["Resource"], list)
                          else [statement["Resource"]])]

    roles = of_type(template, "AWS::IAM::Role")
    role = roles[export.ROLE_ID]["Properties"]
    assert role["RoleName"] == plan.role_name
    assert mentions(role["AssumeRolePolicyDocument"], "lambda.amazonaws.com")
    assert {"Ref": export.POLICY_ID} in role["ManagedPolicyArns"]
    assert any(mentions(arn, "service-role/AWSLambdaBasicExecutionRole")
               for arn in role["ManagedPolicyArns"])

    function = only(template, "AWS::Lambda::Function")["Properties"]
    assert function["FunctionName"] == plan.function_name
    assert (function["Runtime"], function["MemorySize"], function["Timeout"]) == \
        (plan.runtime, plan.memory_mb, plan.timeout_s)
    assert function["Handler"] == "lambda_function.lambda_handler"
    assert function["Role"] == {"Fn::GetAtt": [export.ROLE_ID, "Arn"]}
    assert function["Environment"]["Variables"] == {
        "TABLE_NAME": {"Ref": export.TABLE_ID}, "KEY_NAME": plan.partition_key}

    api = only(template, "AWS::ApiGateway::RestApi")
    assert api["Properties"]["Name"] == plan.api_name
    assert api["Properties"]["EndpointConfiguration"]["Types"] == [plan.endpoint_type]
    paths = api["Properties"]["Body"]["paths"]
    assert {path: sorted(method.upper() for method in methods) for path, methods in paths.items()} \
        == {path: sorted(methods) for path, methods in API_ROUTES.items()}
    integrations = [operation["x-amazon-apigateway-integration"]
                    for methods in paths.values() for operation in methods.values()]
    assert len(integrations) == METHOD_COUNT
    for integration in integrations:
        assert integration["type"].upper() == "AWS_PROXY"
        assert integration["httpMethod"] == "POST"
        assert mentions(integration["uri"], f"${{{export.FUNCTION_ID}.Arn}}/invocations")

    permissions = of_type(template, "AWS::Lambda::Permission").values()
    assert permissions
    for permission in permissions:
        properties = permission["Properties"]
        assert properties["Action"] == "lambda:InvokeFunction"
        assert properties["Principal"] == "apigateway.amazonaws.com"
        assert properties["FunctionName"] == {"Ref": export.FUNCTION_ID}
        assert mentions(properties["SourceArn"], json.dumps({"Ref": export.API_ID}))
    covered = " ".join(json.dumps(permission["Properties"]["SourceArn"])
                       for permission in permissions)
    for path, methods in API_ROUTES.items():
        for method in methods:
            assert f"/{method}/{path.strip('/').split('/')[0]}" in covered

    stage = only(template, "AWS::ApiGateway::Stage")["Properties"]
    assert stage["StageName"] == plan.stage_name
    assert stage["RestApiId"] == {"Ref": export.API_ID}
    assert stage["MethodSettings"] == [
        {"HttpMethod": "*", "ResourcePath": "/*", "LoggingLevel": plan.logging_level}]

    account = only(template, "AWS::ApiGateway::Account")["Properties"]
    assert account["CloudWatchRoleArn"] == {"Fn::GetAtt": [export.LOGGING_ROLE_ID, "Arn"]}
    logging_role = roles[export.LOGGING_ROLE_ID]["Properties"]
    assert mentions(logging_role["AssumeRolePolicyDocument"], "apigateway.amazonaws.com")
    assert mentions(logging_role["ManagedPolicyArns"], "AmazonAPIGatewayPushToCloudWatchLogs")
    assert api["DependsOn"] == export.ACCOUNT_ID  # the stage is made after the account's role

    outputs = template["Outputs"]
    assert mentions(outputs["ApiUrl"]["Value"], f"/{plan.stage_name}/")
    assert outputs["TableName"]["Value"] == {"Ref": export.TABLE_ID}
    assert outputs["FunctionArn"]["Value"] == {"Fn::GetAtt": [export.FUNCTION_ID, "Arn"]}


def test_without_logging_the_account_role_is_left_alone() -> None:
    template = translated(export.sam_template(replace(Plan(), logging_level="OFF")))
    assert not of_type(template, "AWS::ApiGateway::Account")
    assert set(of_type(template, "AWS::IAM::Role")) == {export.ROLE_ID}
    stage = only(template, "AWS::ApiGateway::Stage")["Properties"]
    assert stage["MethodSettings"][0]["LoggingLevel"] == "OFF"


def test_event_names_are_alphanumeric_and_distinct() -> None:
    names = [export.event_name(method, path) for path, methods in API_ROUTES.items()
             for method in methods]
    assert "GetItemsId" in names
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Za-z0-9]+", name) for name in names)


# --- The AWS CLI script ---

FAKE_AWS = r'''#!PYTHON
"""A stand-in for the AWS CLI: logs its arguments, answers the --query outputs the script reads."""
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_AWS_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")
def value(flag):
    return args[args.index(flag) + 1] if flag in args else ""
service, operation = args[0], args[1]
region = os.environ["AWS_REGION"]
answers = {
    ("sts", "get-caller-identity"): "ACCOUNT" if value("--query") == "Account"
    else "arn:aws:iam::ACCOUNT:user/tester",
    ("dynamodb", "create-table"): f"arn:aws:dynamodb:{region}:ACCOUNT:table/" + value("--table-name"),
    ("iam", "create-policy"): "arn:aws:iam::ACCOUNT:policy/" + value("--policy-name"),
    ("iam", "create-role"): "arn:aws:iam::ACCOUNT:role/" + value("--role-name"),
    ("lambda", "create-function"): f"arn:aws:lambda:{region}:ACCOUNT:function:" + value("--function-name"),
    ("apigateway", "create-rest-api"): "api123",
    ("apigateway", "get-resources"): "root0",
    ("apigateway", "create-resource"): "res-" + value("--parent-id") + "-" + value("--path-part"),
    ("apigateway", "get-account"): os.environ.get("FAKE_LOGGING_ROLE", "None"),
}
answer = answers.get((service, operation))
if answer is not None:
    print(answer.replace("ACCOUNT", "123456789012"))
'''


def run_script(tmp_path: Path, plan: Plan, **env: str) -> tuple[subprocess.CompletedProcess,
                                                                 list[list[str]], Path]:
    """Unzip the export and run its script with a fake `aws` first on PATH."""
    folder = tmp_path / "export"
    with zipfile.ZipFile(io.BytesIO(export.export_zip(plan, "sa-east-1"))) as archive:
        archive.extractall(folder)
    root = folder / export.ZIP_FOLDER
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "aws"
    fake.write_text(FAKE_AWS.replace("PYTHON", sys.executable))
    fake.chmod(0o755)
    log = tmp_path / "aws.log"
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
                   "FAKE_AWS_LOG": str(log), "IAM_WAIT_SECONDS": "0", **env}
    if env.get("AWS_REGION") == "":
        del environment["AWS_REGION"]
    result = subprocess.run(["bash", str(root / export.SCRIPT_FILE)], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=120, check=False)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls, root


def value_of(call: list[str], flag: str) -> str:
    return call[call.index(flag) + 1]


def operations(calls: list[list[str]]) -> list[str]:
    return [f"{call[0]} {call[1]}" for call in calls]


@pytest.mark.parametrize("plan", [Plan(), CUSTOM], ids=["defaults", "custom"])
def test_script_passes_bash_syntax_check(tmp_path: Path, plan: Plan) -> None:
    script = tmp_path / "deploy.sh"
    script.write_text(export.cli_script(plan))
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "set -euo pipefail" in script.read_text()


def test_script_makes_the_stack_in_dependency_order(tmp_path: Path) -> None:
    plan = CUSTOM
    result, calls, root = run_script(tmp_path, plan, AWS_REGION="eu-west-1")
    assert result.returncode == 0, result.stderr
    methods = [f"{method} {path}" for path, route in API_ROUTES.items() for method in route]
    assert operations(calls) == [
        "sts get-caller-identity", "sts get-caller-identity",
        "dynamodb create-table", "dynamodb wait",
        "iam create-policy", "iam create-role", "iam attach-role-policy",
        "iam attach-role-policy", "iam wait",
        "lambda create-function", "lambda wait",
        "apigateway create-rest-api", "apigateway get-resources",
        "apigateway create-resource", "apigateway create-resource",
        *["apigateway put-method", "apigateway put-integration"] * len(methods),
        "lambda add-permission", "apigateway create-deployment",
        "apigateway get-account", "iam create-role", "iam attach-role-policy", "iam wait",
        "apigateway update-account", "apigateway update-stage",
    ]
    by_operation: dict[str, list[list[str]]] = {}
    for call in calls:
        by_operation.setdefault(f"{call[0]} {call[1]}", []).append(call)
    table_arn = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/{plan.table_name}"
    function_arn = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{plan.function_name}"

    (create_table,) = by_operation["dynamodb create-table"]
    assert value_of(create_table, "--table-name") == plan.table_name
    assert json.loads(value_of(create_table, "--key-schema")) == [
        {"AttributeName": plan.partition_key, "KeyType": "HASH"}]
    assert value_of(create_table, "--billing-mode") == "PAY_PER_REQUEST"
    assert by_operation["dynamodb wait"][0][2:] == ["table-exists", "--table-name", plan.table_name]

    (create_policy,) = by_operation["iam create-policy"]
    assert value_of(create_policy, "--policy-name") == plan.policy_name
    document = json.loads(value_of(create_policy, "--policy-document"))
    assert document == export.table_policy_document(table_arn)
    assert f"{table_arn}/index/*" in json.dumps(document)

    function_role, logging_role = by_operation["iam create-role"]
    assert value_of(function_role, "--role-name") == plan.role_name
    assert "lambda.amazonaws.com" in value_of(function_role, "--assume-role-policy-document")
    attached = [(value_of(call, "--role-name"), value_of(call, "--policy-arn"))
                for call in by_operation["iam attach-role-policy"]]
    assert attached[:2] == [
        (plan.role_name, f"arn:aws:iam::{ACCOUNT}:policy/{plan.policy_name}"),
        (plan.role_name, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")]

    (create_function,) = by_operation["lambda create-function"]
    assert value_of(create_function, "--function-name") == plan.function_name
    assert value_of(create_function, "--role") == f"arn:aws:iam::{ACCOUNT}:role/{plan.role_name}"
    assert value_of(create_function, "--runtime") == plan.runtime
    assert value_of(create_function, "--memory-size") == str(plan.memory_mb)
    assert value_of(create_function, "--timeout") == str(plan.timeout_s)
    assert json.loads(value_of(create_function, "--environment")) == {
        "Variables": {"TABLE_NAME": plan.table_name, "KEY_NAME": plan.partition_key}}
    assert value_of(create_function, "--zip-file") == "fileb://function.zip"
    with zipfile.ZipFile(root / "function.zip") as package:
        assert package.namelist() == ["lambda_function.py"]

    (create_api,) = by_operation["apigateway create-rest-api"]
    assert value_of(create_api, "--name") == plan.api_name
    assert value_of(create_api, "--endpoint-configuration") == f"types={plan.endpoint_type}"
    resources = [(value_of(call, "--parent-id"), value_of(call, "--path-part"))
                 for call in by_operation["apigateway create-resource"]]
    assert resources == [("root0", "items"), ("res-root0-items", "{id}")]
    resource_of = {"/items": "res-root0-items", "/items/{id}": "res-res-root0-items-{id}"}
    put = [f"{value_of(call, '--http-method')} {value_of(call, '--resource-id')}"
           for call in by_operation["apigateway put-method"]]
    assert put == [f"{method} {resource_of[path]}" for path, route in API_ROUTES.items()
                   for method in route]
    for call in by_operation["apigateway put-integration"]:
        assert value_of(call, "--type") == "AWS_PROXY"
        assert value_of(call, "--integration-http-method") == "POST"
        assert value_of(call, "--uri") == (
            f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{function_arn}"
            "/invocations")

    (permission,) = by_operation["lambda add-permission"]
    assert value_of(permission, "--function-name") == plan.function_name
    assert value_of(permission, "--principal") == "apigateway.amazonaws.com"
    assert value_of(permission, "--source-arn") == \
        f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:api123/*/*/*"
    (deployment,) = by_operation["apigateway create-deployment"]
    assert value_of(deployment, "--stage-name") == plan.stage_name

    assert "apigateway.amazonaws.com" in value_of(logging_role, "--assume-role-policy-document")
    assert attached[2][1].endswith("service-role/AmazonAPIGatewayPushToCloudWatchLogs")
    (update_account,) = by_operation["apigateway update-account"]
    assert value_of(update_account, "--patch-operations") == (
        "op=replace,path=/cloudwatchRoleArn,value="
        f"arn:aws:iam::{ACCOUNT}:role/{value_of(logging_role, '--role-name')}")
    (update_stage,) = by_operation["apigateway update-stage"]
    assert value_of(update_stage, "--stage-name") == plan.stage_name
    assert json.loads(value_of(update_stage, "--patch-operations")) == [
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": plan.logging_level}]
    assert all(value_of(call, "--rest-api-id") == "api123" for call in calls
               if "--rest-api-id" in call)
    assert f"https://api123.execute-api.eu-west-1.amazonaws.com/{plan.stage_name}/items" \
        in result.stdout


def test_script_keeps_an_existing_account_logging_role(tmp_path: Path) -> None:
    existing = f"arn:aws:iam::{ACCOUNT}:role/already-there"
    result, calls, _root = run_script(tmp_path, Plan(), AWS_REGION="eu-west-1",
                                      FAKE_LOGGING_ROLE=existing)
    assert result.returncode == 0, result.stderr
    ops = operations(calls)
    assert ops[ops.index("apigateway get-account") + 1:] == ["apigateway update-stage"]
    assert ops.count("iam create-role") == 1


def test_script_without_logging_never_touches_the_account(tmp_path: Path) -> None:
    result, calls, _root = run_script(tmp_path, replace(Plan(), logging_level="OFF"),
                                      AWS_REGION="eu-west-1")
    assert result.returncode == 0, result.stderr
    assert "apigateway get-account" not in operations(calls)
    assert operations(calls)[-1] == "apigateway update-stage"


def test_script_region_defaults_to_the_exported_one(tmp_path: Path) -> None:
    result, calls, _root = run_script(tmp_path, Plan(), AWS_REGION="")
    assert result.returncode == 0, result.stderr
    assert calls
    assert "Account 123456789012, Region sa-east-1" in result.stdout


def test_script_quotes_names_that_look_like_shell(tmp_path: Path) -> None:
    odd = replace(Plan(), table_name="it's $(touch pwned) `touch pwned2` \"x\"",
                  function_name="fn; touch pwned3", stage_name="$HOME",
                  api_name="api\ntouch pwned4\n")
    script = export.cli_script(odd)
    for name in (odd.table_name, odd.function_name, odd.stage_name, odd.api_name):
        assert shlex.quote(name) in script
    result, calls, _root = run_script(tmp_path, odd, AWS_REGION="eu-west-1")
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.rglob("pwned*"))
    (create_table,) = [call for call in calls if call[:2] == ["dynamodb", "create-table"]]
    assert value_of(create_table, "--table-name") == odd.table_name
    (create_function,) = [call for call in calls if call[:2] == ["lambda", "create-function"]]
    assert value_of(create_function, "--function-name") == odd.function_name
    (create_api,) = [call for call in calls if call[:2] == ["apigateway", "create-rest-api"]]
    assert value_of(create_api, "--name") == odd.api_name
    stage_calls = [call for call in calls if "--stage-name" in call]
    assert stage_calls and all(value_of(call, "--stage-name") == "$HOME" for call in stage_calls)


# --- The .zip ---

def test_export_zip_holds_template_code_script_and_readme() -> None:
    data = export.export_zip(CUSTOM)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        folder = export.ZIP_FOLDER
        assert sorted(archive.namelist()) == sorted(
            f"{folder}/{name}" for name in ("template.yaml", "src/lambda_function.py",
                                            "deploy-with-cli.sh", "README.md"))
        assert archive.read(f"{folder}/template.yaml").decode() == export.sam_template(CUSTOM)
        assert archive.read(f"{folder}/src/lambda_function.py").decode() == \
            export.function_source(code_for("python3.12"))
        assert "def lambda_handler" in export.function_source(code_for("python3.12"))
        script = archive.getinfo(f"{folder}/deploy-with-cli.sh")
        assert (script.external_attr >> 16) & 0o111
        readme = archive.read(f"{folder}/README.md").decode()
    assert "sam validate" in readme and "sam deploy --guided" in readme
    assert "deploy-with-cli.sh" in readme and CUSTOM.table_name in readme
    assert export.export_zip(CUSTOM) == data  # the same plan, the same bytes


# --- Routes ---

def use_plan(client: FlaskClient, plan: Plan) -> None:
    with client.application.test_request_context():
        save_state(plan, Made(), [])


def test_template_route_shows_yaml_inline(signed_in: FlaskClient) -> None:
    use_plan(signed_in, CUSTOM)
    reply = signed_in.get("/wizard/export/template.yaml")
    assert reply.status_code == 200
    assert reply.mimetype == "text/yaml"
    assert reply.headers["Content-Disposition"] == "inline; filename=template.yaml"
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.get_data(as_text=True) == export.sam_template(CUSTOM)


def test_zip_route_downloads_the_project(signed_in: FlaskClient) -> None:
    use_plan(signed_in, CUSTOM)
    reply = signed_in.get("/wizard/export/sam.zip")
    assert reply.status_code == 200
    assert reply.mimetype == "application/zip"
    assert reply.headers["Content-Disposition"] == "attachment; filename=orders-api-sam.zip"
    assert reply.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(reply.data)) as archive:
        script = archive.read(f"{export.ZIP_FOLDER}/deploy-with-cli.sh").decode()
    assert "orders-fn" in script
    assert 'REGION="${AWS_REGION:-ap-northeast-2}"' in script  # the console's current Region


def test_script_route_downloads_the_script(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/wizard/export/deploy.sh")
    assert reply.status_code == 200
    assert reply.mimetype == "text/x-shellscript"
    assert reply.headers["Content-Disposition"] == "attachment; filename=deploy-with-cli.sh"
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.get_data(as_text=True).startswith("#!/usr/bin/env bash")
    assert "TABLE_NAME=wizard-items" in reply.get_data(as_text=True)  # defaults without a plan


def test_export_routes_need_sign_in(client: FlaskClient) -> None:
    for path in ("/wizard/export/sam.zip", "/wizard/export/template.yaml",
                 "/wizard/export/deploy.sh"):
        reply = client.get(path)
        assert reply.status_code in (302, 303)
        assert "/login" in reply.headers["Location"]


def test_export_panel_links_each_export(app: Any) -> None:
    with app.test_request_context("/wizard/"):
        html = render_template("wizard/fragments/export_panel.html")
    for path in ("/wizard/export/sam.zip", "/wizard/export/template.yaml",
                 "/wizard/export/deploy.sh"):
        assert f'href="{path}"' in html
