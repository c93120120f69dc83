"""The wizard with a Node.js function: the runtime choice recorded in the plan, named in the step's
AWS calls and in both exports, re-running the function step when it changes, and a sandbox without
`node` saying how to install it beside the choice while Python still works."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import shlex
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path
from typing import Any

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from tests.helpers import PASSWORD, csrf_token, injected, load_only_managed_policies
from webapp import create_app
from webapp.aws.functions import runtime_info
from webapp.aws.functions.code_packages import TEMPLATES_DIR, template_zip
from webapp.wizard import export, steps
from webapp.wizard.function_code import code_for
from webapp.wizard.model import Made, Plan
from webapp.wizard.steps import Text

REGION = "ap-northeast-2"
NODE_PLAN = Plan(runtime="nodejs20.x")
INSTALL_HINT = "sudo apt-get install nodejs"


@pytest.fixture(autouse=True)
def private_wizard_record(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test keeps the wizard's record in its own file, never in the project's instance/."""
    monkeypatch.setenv("CONSOLE_WIZARD_RECORD_FILE", str(tmp_path / "wizard.sqlite3"))


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The console under moto with the AWS-managed policy the access step attaches."""
    load_only_managed_policies(monkeypatch, ("AWSLambdaBasicExecutionRole",))
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                          "CONSOLE_PASSWORD": PASSWORD})


# --- The plan ---

def test_the_plan_keeps_the_runtime_and_an_old_record_reads_as_python() -> None:
    assert Plan.from_dict(json.loads(json.dumps(NODE_PLAN.to_dict()))).runtime == "nodejs20.x"
    old = {name: value for name, value in Plan().to_dict().items() if name != "runtime"}
    assert Plan.from_dict(old).runtime == "python3.12"
    python = code_for(Plan.from_dict(old).runtime)
    assert (python.name, python.handler_file, python.handler) == (
        "items", "lambda_function.py", "lambda_function.lambda_handler")
    node = code_for("nodejs20.x")
    assert code_for("nodejs22.x") == code_for("nodejs18.x") == node
    assert (node.name, node.handler_file, node.handler) == (
        "items-nodejs", "index.mjs", "index.handler")


def test_changing_the_runtime_runs_the_function_step_and_those_after_again() -> None:
    done = list(steps.STEP_KEYS)
    assert steps.undone_by(Plan(), NODE_PLAN, done) == ["table", "access"]
    assert steps.undone_by(NODE_PLAN, replace(NODE_PLAN, runtime="nodejs22.x"), done) == [
        "table", "access"]


def test_the_function_steps_calls_name_the_runtime_the_code_and_the_handler() -> None:
    calls = steps.step("function").calls(NODE_PLAN, Made())
    (create,) = [call for call in calls if call.operation == "lambda:CreateFunction"]
    assert isinstance(create.detail, Text)
    assert create.detail.params | {"environment": ""} == {
        "function": NODE_PLAN.function_name, "runtime": "nodejs20.x", "language": "Node.js",
        "template": "items-nodejs", "handler": "index.handler", "role": NODE_PLAN.role_name,
        "environment": ""}
    (code,) = [call for call in calls if call.operation == "lambda:UpdateFunctionCode"]
    assert isinstance(code.detail, Text) and code.detail.params == {"template": "items-nodejs"}
    python = [call for call in steps.step("function").calls(Plan(), Made())
              if call.operation == "lambda:CreateFunction"]
    assert python[0].detail.params["handler"] == "lambda_function.lambda_handler"  # type: ignore[union-attr]


# --- The exports ---

def test_the_sam_template_names_the_node_runtime_and_handler() -> None:
    from cfnlint.decode.decode import decode_str  # most of a second to import: only where used

    template, errors = decode_str(export.sam_template(NODE_PLAN))
    assert not errors, errors
    function = json.loads(json.dumps(template))["Resources"][export.FUNCTION_ID]["Properties"]
    assert (function["Runtime"], function["Handler"], function["CodeUri"]) == (
        "nodejs20.x", "index.handler", "src/")


def create_function_line(script: str) -> list[str]:
    (line,) = [line for line in script.splitlines()
               if "aws lambda create-function" in line]
    return shlex.split(line.split("$(", 1)[1].rsplit(")", 1)[0])


def value_of(words: list[str], option: str) -> str:
    return words[words.index(option) + 1]


def test_the_cli_script_creates_the_node_function_from_index_mjs() -> None:
    script = export.cli_script(replace(NODE_PLAN, runtime="nodejs22.x"))
    words = create_function_line(script)
    assert value_of(words, "--runtime") == "nodejs22.x"
    assert value_of(words, "--handler") == "index.handler"
    assert "python3 -m zipfile -c ../function.zip index.mjs" in script
    python = create_function_line(export.cli_script(Plan()))
    assert value_of(python, "--handler") == "lambda_function.lambda_handler"


def test_the_export_zip_packages_index_mjs_and_says_sam_build_needs_nothing() -> None:
    with zipfile.ZipFile(io.BytesIO(export.export_zip(NODE_PLAN))) as archive:
        folder = export.ZIP_FOLDER
        names = archive.namelist()
        assert f"{folder}/src/index.mjs" in names
        assert f"{folder}/src/lambda_function.py" not in names
        assert archive.read(f"{folder}/src/index.mjs").decode() == (
            TEMPLATES_DIR / "items-nodejs" / "index.mjs").read_text()
        readme = archive.read(f"{folder}/README.md").decode()
    assert "`src/index.mjs`" in readme and "`index.handler`" in readme
    assert "`sam build` needs nothing" in readme and "SDK\nfor JavaScript v3" in readme


# --- The step on moto ---

def post_step(client: FlaskClient, key: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(f"/wizard/step/{key}",
                       data={**data, "csrf_token": csrf_token(client, f"/wizard/step/{key}")})


def function_form(runtime: str) -> dict[str, str]:
    return {"function_name": "node-items", "runtime": runtime, "memory_mb": "128",
            "timeout_s": "10"}


def ready_for_the_function(client: FlaskClient) -> None:
    assert post_step(client, "table", {"table_name": "node-items", "partition_key": "id",
                                       "test_items": ""}).status_code == HTTPStatus.SEE_OTHER
    assert post_step(client, "access", {"policy_name": "node-items-rw",
                                        "role_name": "node-items-role"}).status_code == \
        HTTPStatus.SEE_OTHER


def code_sha(template: str) -> str:
    return base64.b64encode(hashlib.sha256(template_zip(template)).digest()).decode()


def test_the_step_offers_node_and_python_runtimes_grouped(signed_in: FlaskClient) -> None:
    page = signed_in.get("/wizard/step/function").text
    assert '<optgroup label="Node.js">' in page and '<optgroup label="Python">' in page
    assert page.index('value="nodejs20.x"') < page.index('value="nodejs22.x"')
    assert '<option value="python3.12" selected>' in page


def test_an_unknown_runtime_is_refused_beside_the_choice(signed_in: FlaskClient) -> None:
    ready_for_the_function(signed_in)
    reply = post_step(signed_in, "function", function_form("nodejs8.10"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'id="runtime-error"' in reply.text and "Node.js or Python runtimes" in reply.text
    assert 'value="node-items"' in reply.text
    assert boto3.client("lambda", region_name=REGION).list_functions()["Functions"] == []


def test_node_makes_the_function_from_index_mjs_and_python_replaces_its_code(
        signed_in: FlaskClient) -> None:
    ready_for_the_function(signed_in)
    reply = post_step(signed_in, "function", function_form("nodejs20.x"))
    assert reply.status_code == HTTPStatus.SEE_OTHER, reply.text
    functions = boto3.client("lambda", region_name=REGION)
    config = functions.get_function_configuration(FunctionName="node-items")
    assert (config["Runtime"], config["Handler"]) == ("nodejs20.x", "index.handler")
    assert config["CodeSha256"] == code_sha("items-nodejs")
    assert '<option value="nodejs20.x" selected>' in signed_in.get("/wizard/step/function").text

    reply = post_step(signed_in, "function", function_form("python3.12"))
    assert reply.status_code == HTTPStatus.SEE_OTHER, reply.text
    config = functions.get_function_configuration(FunctionName="node-items")
    assert (config["Runtime"], config["Handler"]) == ("python3.12", "lambda_function.lambda_handler")
    assert config["CodeSha256"] == code_sha("items")
    assert [function["FunctionName"] for function in functions.list_functions()["Functions"]] == [
        "node-items"]


def test_another_node_version_changes_only_the_configuration(app: Flask) -> None:
    with app.test_request_context():
        made = steps.step("table").run(replace(NODE_PLAN, test_items=""), Made())
        made = steps.step("access").run(NODE_PLAN, made)
        made = steps.step("function").run(NODE_PLAN, made)
        functions = boto3.client("lambda", region_name=REGION)
        before = functions.get_function_configuration(FunctionName=NODE_PLAN.function_name)
        steps.step("function").run(replace(NODE_PLAN, runtime="nodejs22.x"), made)
    after = functions.get_function_configuration(FunctionName=NODE_PLAN.function_name)
    assert after["Runtime"] == "nodejs22.x"
    assert after["CodeSha256"] == before["CodeSha256"]


def test_an_existing_python_function_is_said_to_get_the_node_code(signed_in: FlaskClient) -> None:
    ready_for_the_function(signed_in)
    role_arn = boto3.client("iam", region_name=REGION).get_role(
        RoleName="node-items-role")["Role"]["Arn"]
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="node-items", Runtime="python3.12", Role=role_arn,
        Handler="lambda_function.lambda_handler", Code={"ZipFile": template_zip("items")})
    with signed_in.application.test_request_context():
        from webapp.views.wizard.pages import load_state, save_state
        plan, made, done = load_state()
        save_state(replace(plan, function_name="node-items", runtime="nodejs20.x"), made, done)
    page = signed_in.get("/wizard/step/function").text
    assert ("exists already with the runtime python3.12" in page
            and "replace its code with lambda_code/items-nodejs" in page)


def without_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's answer for a Node.js function when `node` is not on its PATH."""
    def unsupported(function_name: str) -> runtime_info.EffectiveRuntime:
        runtime = boto3.client("lambda", region_name=REGION).get_function_configuration(
            FunctionName=function_name)["Runtime"]
        return runtime_info.EffectiveRuntime(runtime, "", runtime.startswith("python"),
                                             "Node.js is not installed")
    monkeypatch.setattr(runtime_info, "effective_runtime", unsupported)


def test_without_node_the_choice_says_how_to_install_it_and_python_still_works(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    without_node(monkeypatch)
    ready_for_the_function(signed_in)
    reply = post_step(signed_in, "function", function_form("nodejs20.x"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'id="runtime-error"' in reply.text and INSTALL_HINT in reply.text
    assert '<option value="nodejs20.x" selected>' in reply.text
    reply = post_step(signed_in, "function", function_form("python3.12"))
    assert reply.status_code == HTTPStatus.SEE_OTHER, reply.text
    config = boto3.client("lambda", region_name=REGION).get_function_configuration(
        FunctionName="node-items")
    assert (config["Runtime"], config["CodeSha256"]) == ("python3.12", code_sha("items"))


def test_the_korean_page_explains_the_runtimes(signed_in: FlaskClient) -> None:
    page: Any = signed_in.get("/wizard/step/function", headers={"Accept-Language": "ko"}).text
    assert "lambda_code/items-nodejs" in page and "Changing the language" not in page
