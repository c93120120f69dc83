"""The exported AWS CLI script is a Jinja template (templates/wizard/export/deploy.sh.j2) whose
every value is quoted for the shell: hostile names stay inert and reach the AWS CLI as written."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import jinja2
import pytest

from webapp.wizard import export
from webapp.wizard.function_code import code_for
from webapp.wizard.model import Plan

HOSTILE = "$(rm -rf ~) `touch pwned` it's \"x\"\nnext line; touch pwned2 ${HOME} \\ |&\x1b[31m"
HOSTILE_PLAN = Plan(**{item.name: HOSTILE + item.name for item in fields(Plan)
                       if item.type == "str" and item.name != "test_items"})

FAKE_AWS = '''#!PYTHON
import json, os, sys
with open(os.environ["FAKE_AWS_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
'''


def run(tmp_path: Path, script: str) -> tuple[subprocess.CompletedProcess, list[list[str]]]:
    """Run the script from a folder with src/, a fake `aws` first on PATH, and HOME elsewhere."""
    (tmp_path / "src").mkdir()
    code = code_for("python3.12")
    (tmp_path / "src" / code.handler_file).write_text(export.function_source(code))
    (tmp_path / export.SCRIPT_FILE).write_text(script)
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "aws"
    fake.write_text(FAKE_AWS.replace("PYTHON", sys.executable))
    fake.chmod(0o755)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "canary").write_text("still here")
    log = tmp_path / "aws.log"
    environment = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
                   "HOME": str(tmp_path / "home"), "FAKE_AWS_LOG": str(log),
                   "IAM_WAIT_SECONDS": "0"}
    result = subprocess.run(["bash", export.SCRIPT_FILE], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=120, check=False)
    return result, [json.loads(line) for line in log.read_text().splitlines()]


def value_of(calls: list[list[str]], operation: list[str], flag: str) -> str:
    (call,) = [call for call in calls if call[:2] == operation]
    return call[call.index(flag) + 1]


def test_the_hostile_plan_gives_a_script_bash_accepts(tmp_path: Path) -> None:
    script = tmp_path / "deploy.sh"
    script.write_text(export.cli_script(HOSTILE_PLAN, "$(touch pwned3)"))

    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True,
                            check=False)

    assert result.returncode == 0, result.stderr


def test_hostile_names_stay_inert_and_reach_the_cli_as_written(tmp_path: Path) -> None:
    plan = HOSTILE_PLAN

    result, calls = run(tmp_path, export.cli_script(plan, "$(touch pwned3)"))

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "home" / "canary").read_text() == "still here"
    assert not list(tmp_path.rglob("pwned*"))
    assert value_of(calls, ["dynamodb", "create-table"], "--table-name") == plan.table_name
    assert json.loads(value_of(calls, ["dynamodb", "create-table"], "--key-schema")) == [
        {"AttributeName": plan.partition_key, "KeyType": "HASH"}]
    assert value_of(calls, ["iam", "create-policy"], "--policy-name") == plan.policy_name
    assert value_of(calls, ["lambda", "create-function"], "--function-name") == plan.function_name
    assert value_of(calls, ["lambda", "create-function"], "--runtime") == plan.runtime
    assert json.loads(value_of(calls, ["lambda", "create-function"], "--environment")) == {
        "Variables": {"TABLE_NAME": plan.table_name, "KEY_NAME": plan.partition_key}}
    assert value_of(calls, ["apigateway", "create-rest-api"], "--name") == plan.api_name
    assert value_of(calls, ["apigateway", "create-rest-api"], "--endpoint-configuration") == (
        "types=" + plan.endpoint_type)
    assert value_of(calls, ["apigateway", "create-deployment"], "--stage-name") == plan.stage_name
    assert json.loads(value_of(calls, ["apigateway", "update-stage"], "--patch-operations")) == [
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": plan.logging_level}]


def test_names_in_the_header_comments_cannot_end_them() -> None:
    lines = export.cli_script(HOSTILE_PLAN).splitlines()

    assert lines[2].startswith("# table $(rm -rf ~) `touch pwned` it's \"x\"?next line;")
    assert lines[3].startswith("# function $(rm -rf ~)")
    assert lines[4] == ("# Run it from the folder that holds src/. It stops at the first command"
                        " that fails.")


def test_a_value_not_quoted_by_a_filter_stops_the_script() -> None:
    with pytest.raises(TypeError, match="unquoted value"):
        export._SCRIPTS.from_string("TABLE_NAME={{ name }}\n").render(name="$(id)")


def test_the_template_is_plain_text_with_strict_names() -> None:
    assert export._SCRIPTS.from_string("{{ name|sh }}").render(name="<a&b>") == "'<a&b>'"
    with pytest.raises(jinja2.UndefinedError):
        export._SCRIPTS.from_string("{{ missing|sh }}").render()
