"""lambda.invoke runs the deployed code: payload, environment, context, errors, invocation types."""
import base64
import json
import platform
import re
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .lambda_support import (create_role, deploy, function_status, invoke, lambda_client,
                             log_events, package, unique, wait_for)
from .processes import ACCOUNT_ID, REGION, ClientFactory

HELLO = """
    def handler(event, context):
        return {"message": f"hello {event['name']}"}
"""
ENVIRONMENT = """
    import os

    def handler(event, context):
        return {"environ": dict(os.environ), "cwd": os.getcwd()}
"""
CONTEXT = """
    def handler(event, context):
        return {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_ms": context.get_remaining_time_in_millis(),
            "client_custom": context.client_context.custom if context.client_context else None,
            "identity_id": context.identity.cognito_identity_id,
        }
"""
FAILING = """
    def handler(event, context):
        settings = {}
        return settings[event["key"]]
"""
SDK = """
    import boto3

    def handler(event, context):
        try:
            import moto
            sandbox_packages_visible = True
        except ImportError:
            sandbox_packages_visible = False
        return {"caller": boto3.client("sts").get_caller_identity()["Arn"],
                "boto3_file": boto3.__file__,
                "sandbox_packages_visible": sandbox_packages_visible}
"""
AWS_VARIABLES = {
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "_HANDLER", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_INITIALIZATION_TYPE", "TZ", "LANG", "PATH",
    "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL", "PYTHONPATH", "LD_LIBRARY_PATH",
}
# Set by awslambdaric itself for each invocation.
RUNTIME_SET_VARIABLES = {"_X_AMZN_TRACE_ID"}
# Set by Python itself (PEP 538) on machines without the en_US.UTF-8 locale that LANG names.
INTERPRETER_SET_VARIABLES = {"LC_CTYPE"}
STREAM_NAME = re.compile(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}")


@pytest.fixture(scope="module")
def client(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


@pytest.fixture(scope="module")
def role_arn(aws_client: ClientFactory) -> str:
    return create_role(aws_client("iam"))


def test_hello_world_returns_the_handlers_result(client: Any, role_arn: str) -> None:
    function = deploy(client, role_arn, HELLO)
    answer = invoke(client, function.name, {"name": "sandbox"})
    assert answer.status == 200
    assert answer.function_error is None
    assert answer.payload == {"message": "hello sandbox"}
    assert answer.headers["x-amz-executed-version"] == "$LATEST"
    assert answer.headers["x-sandbox-effective-runtime"] == f"Python {platform.python_version()}"


def test_worker_gets_aws_variables_and_the_functions_own(client: Any, role_arn: str,
                                                         sandbox_url: str) -> None:
    function = deploy(client, role_arn, ENVIRONMENT, MemorySize=256,
                      Environment={"Variables": {"TABLE_NAME": "items", "TZ": "Asia/Seoul"}})
    answer = invoke(client, function.name)
    environ, cwd = answer.payload["environ"], answer.payload["cwd"]
    assert set(environ) - INTERPRETER_SET_VARIABLES == (
        AWS_VARIABLES | RUNTIME_SET_VARIABLES | {"TABLE_NAME"})
    assert environ["TABLE_NAME"] == "items"
    assert environ["TZ"] == "Asia/Seoul"  # unreserved: the function's value wins
    assert environ["AWS_LAMBDA_FUNCTION_NAME"] == function.name
    assert environ["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert environ["AWS_REGION"] == environ["AWS_DEFAULT_REGION"] == REGION
    assert environ["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{function.name}"
    assert STREAM_NAME.fullmatch(environ["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert environ["_HANDLER"] == "app.handler"
    assert environ["LAMBDA_TASK_ROOT"] == cwd
    assert environ["PYTHONPATH"].split(":") == [cwd, environ["LAMBDA_RUNTIME_DIR"]]
    assert environ["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", environ["AWS_LAMBDA_RUNTIME_API"])
    assert environ["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert environ["LANG"] == "en_US.UTF-8"
    assert environ["AWS_ENDPOINT_URL"] == sandbox_url
    # The execution role's temporary keys, not the sandbox's or the caller's.
    assert environ["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert environ["AWS_ACCESS_KEY"] == environ["AWS_ACCESS_KEY_ID"]
    assert environ["AWS_SECRET_ACCESS_KEY"] not in ("testing", "sandbox")
    assert environ["AWS_SESSION_TOKEN"]


def test_context_object_carries_the_invocations_facts(client: Any, role_arn: str) -> None:
    function = deploy(client, role_arn, CONTEXT, Timeout=5)
    custom = base64.b64encode(json.dumps({"custom": {"tenant": "acme"}}).encode()).decode()
    answer = invoke(client, function.name, {}, ClientContext=custom)
    context = answer.payload
    assert context["function_name"] == function.name
    assert context["function_version"] == "$LATEST"
    assert context["memory_limit_in_mb"] == "128"
    assert context["invoked_function_arn"] == function.arn
    assert context["aws_request_id"] == answer.request_id
    assert context["log_group_name"] == f"/aws/lambda/{function.name}"
    assert STREAM_NAME.fullmatch(context["log_stream_name"])
    assert 0 < context["remaining_ms"] <= 5000
    assert context["client_custom"] == {"tenant": "acme"}
    assert context["identity_id"] is None
    qualified = invoke(client, function.name, {}, Qualifier="$LATEST")
    assert qualified.payload["invoked_function_arn"] == f"{function.arn}:$LATEST"


def test_unhandled_exception_answers_awss_error_payload(client: Any, role_arn: str) -> None:
    function = deploy(client, role_arn, FAILING)
    answer = invoke(client, function.name, {"key": "action"})
    assert answer.status == 200
    assert answer.function_error == "Unhandled"
    error = answer.payload
    assert error["errorType"] == "KeyError"
    assert error["errorMessage"] == "'action'"
    assert error["requestId"] == answer.request_id
    assert error["stackTrace"][-1].endswith("    return settings[event[\"key\"]]\n")
    assert "app.py" in error["stackTrace"][-1]


@pytest.mark.parametrize(("handler", "error_type", "message"), [
    ("missing.handler", "Runtime.ImportModuleError",
     "Unable to import module 'missing': No module named 'missing'"),
    ("app.nope", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'app'"),
])
def test_handler_that_cannot_load_answers_a_runtime_error(client: Any, role_arn: str,
                                                          handler: str, error_type: str,
                                                          message: str) -> None:
    function = deploy(client, role_arn, HELLO, handler=handler)
    answer = invoke(client, function.name, {"name": "x"})
    assert answer.function_error == "Unhandled"
    assert answer.payload["errorType"] == error_type
    assert answer.payload["errorMessage"] == message


def test_event_invocation_returns_202_and_runs_in_the_background(
        client: Any, role_arn: str, aws_client: ClientFactory) -> None:
    marker = unique("event-ran")
    function = deploy(client, role_arn, f"""
        import time

        def handler(event, context):
            time.sleep(0.3)
            print("{marker}", event["n"])
    """)
    answer = invoke(client, function.name, {"n": 7}, InvocationType="Event")
    assert answer.status == 202
    assert answer.payload is None
    logs = aws_client("logs")
    wait_for(lambda: any(event["message"] == f"{marker} 7\n"
                         for event in log_events(logs, function.name)))


def test_dry_run_returns_204_and_runs_nothing(client: Any, role_arn: str,
                                              aws_client: ClientFactory) -> None:
    function = deploy(client, role_arn, HELLO)
    answer = invoke(client, function.name, {"name": "x"}, InvocationType="DryRun")
    assert answer.status == 204
    assert answer.payload is None
    assert log_events(aws_client("logs"), function.name) == []


def test_tail_returns_the_last_4_kb_of_the_invocations_log(client: Any, role_arn: str) -> None:
    function = deploy(client, role_arn, """
        def handler(event, context):
            for line in range(event["lines"]):
                print(f"line {line:04d}", "x" * 40)
    """)
    short = invoke(client, function.name, {"lines": 2}, LogType="Tail")
    assert f"START RequestId: {short.request_id} Version: $LATEST\n" in short.log
    assert "line 0001 " in short.log
    assert short.log.endswith("\t\n") and f"REPORT RequestId: {short.request_id}\t" in short.log
    long = invoke(client, function.name, {"lines": 200}, LogType="Tail")
    assert len(long.log.encode()) == 4096
    assert "line 0199 " in long.log and "START RequestId" not in long.log
    assert invoke(client, function.name, {"lines": 1}).log == ""


def test_bundled_packages_import_from_the_task_root_first(client: Any, role_arn: str) -> None:
    name = unique("fn")
    code = package({
        "app.py": """
            import os

            import jmespath
            import vendored

            def handler(event, context):
                return {"vendored": vendored.GREETING, "jmespath": jmespath.__file__,
                        "task_root": os.environ["LAMBDA_TASK_ROOT"]}
        """,
        "vendored/__init__.py": "GREETING = 'from the zip'\n",
        # Shadows the runtime's own jmespath, as a bundled SDK shadows AWS's on Lambda.
        "jmespath/__init__.py": "",
    })
    client.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn,
                           Handler="app.handler", Code={"ZipFile": code})
    answer = invoke(client, name).payload
    assert answer["vendored"] == "from the zip"
    assert answer["jmespath"] == f"{answer['task_root']}/jmespath/__init__.py"


def test_boto3_imports_without_bundling_and_calls_the_sandbox_as_the_role(
        client: Any, role_arn: str) -> None:
    function = deploy(client, role_arn, SDK)
    answer = invoke(client, function.name)
    assert answer.function_error is None, answer.payload
    role_name = role_arn.rsplit("/", 1)[1]
    assert answer.payload["caller"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/{function.name}")
    # The runtime's SDK; the sandbox's other packages stay out of reach, as on AWS.
    assert answer.payload["sandbox_packages_visible"] is False


def test_a_runtime_the_sandbox_lacks_is_refused_with_a_clear_message(client: Any,
                                                                    role_arn: str) -> None:
    function = deploy(client, role_arn, HELLO, runtime="java21", handler="index.handler")
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName=function.name)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidRuntimeException"
    assert "java21" in error["Message"] and "python3.x" in error["Message"]


def test_unknown_function_is_left_to_moto(client: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName=unique("absent"))


def test_status_endpoint_names_the_interpreter_that_runs_the_function(
        client: Any, role_arn: str, sandbox_url: str) -> None:
    old = deploy(client, role_arn, HELLO, runtime="python3.9")
    status = function_status(sandbox_url, old.name)
    assert status["Runtime"] == "python3.9"
    assert status["Supported"] is True
    assert status["EffectiveRuntime"] == f"Python {platform.python_version()}"
    java = deploy(client, role_arn, HELLO, runtime="java21", handler="index.handler")
    refused = function_status(sandbox_url, java.name)
    assert refused["Supported"] is False and refused["EffectiveRuntime"] is None
    assert "python3.x" in refused["Message"]
    with pytest.raises(urllib.error.HTTPError) as missing:
        function_status(sandbox_url, unique("absent"))
    assert missing.value.code == 404


def test_published_version_runs_as_that_version(client: Any, role_arn: str) -> None:
    function = deploy(client, role_arn, ENVIRONMENT)
    version = client.publish_version(FunctionName=function.name)["Version"]
    answer = invoke(client, function.name, Qualifier=version)
    environ = answer.payload["environ"]
    assert answer.headers["x-amz-executed-version"] == version
    assert environ["AWS_LAMBDA_FUNCTION_VERSION"] == version
    assert re.fullmatch(rf"\d{{4}}/\d\d/\d\d/\[{version}\][0-9a-f]{{32}}",
                        environ["AWS_LAMBDA_LOG_STREAM_NAME"])


def test_function_whose_role_is_gone_is_refused(client: Any, aws_client: ClientFactory) -> None:
    iam = aws_client("iam")
    doomed_role = create_role(iam, may_log=False)
    function = deploy(client, doomed_role, HELLO)
    iam.delete_role(RoleName=doomed_role.rsplit("/", 1)[1])
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName=function.name)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == "The role defined for the function cannot be assumed by Lambda."
