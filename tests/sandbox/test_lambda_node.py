"""Node.js handlers run in the sandbox as on AWS's nodejs18.x/20.x/22.x runtimes: ES modules and
CommonJS, async and callback handlers, the context, warm reuse, timeouts, invocation types and
the log lines, through the sandbox's own bootstrap (node_runtime/bootstrap.mjs)."""
import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.helpers import needs_node, needs_node_sdk

from .lambda_support import (create_role, function_status, invoke, lambda_client, log_events,
                             messages_of, package, unique, wait_for)
from .processes import (REGION, ClientFactory, SandboxLauncher, clean_env, free_port,
                        wait_until_healthy)

pytestmark = needs_node()

ASYNC_ESM = """
    let calls = 0;
    const worker = Math.random();

    export const handler = async (event) => {
      calls += 1;
      if (event.sleep) {
        console.log("going to sleep");
        await new Promise((resolve) => setTimeout(resolve, event.sleep * 1000));
      }
      return { message: `hello ${event.name}`, calls, worker };
    };
"""
CALLBACK_CJS = """
    exports.handler = function (event, context, callback) {
      setTimeout(() => callback(null, { doubled: event.n * 2 }), 10);
    };
"""
CONTEXT = """
    export const handler = async (event, context) => ({
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      memoryLimitInMB: context.memoryLimitInMB,
      invokedFunctionArn: context.invokedFunctionArn,
      awsRequestId: context.awsRequestId,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remainingMs: context.getRemainingTimeInMillis(),
      waits: context.callbackWaitsForEmptyEventLoop,
      hasDone: [context.done, context.succeed, context.fail].every((f) => typeof f === "function"),
    });
"""
ENVIRONMENT = """
    export const handler = async () => ({ environ: { ...process.env }, cwd: process.cwd() });
"""
LOGGING = """
    export const handler = async (event) => {
      console.log("hello %s", event.name);
      console.warn("careful");
      console.error("two\\nlines");
      return "logged";
    };
"""
THROWING = """
    export const handler = async (event) => {
      const settings = {};
      throw new Error(`no setting ${event.key}`);
    };
"""
STREAM_NAME = re.compile(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}")
ISO_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
TIMEOUT_PAYLOAD = ISO_TIME + r" %s Task timed out after 1\.00 seconds"


@pytest.fixture(scope="module")
def client(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


@pytest.fixture(scope="module")
def role_arn(aws_client: ClientFactory) -> str:
    return create_role(aws_client("iam"))


def deploy_node(client: Any, role_arn: str, files: dict[str, str],
                handler: str = "index.handler", runtime: str = "nodejs20.x",
                **settings: Any) -> str:
    """Create a Node.js function of `files`; return its name."""
    name = unique("node")
    client.create_function(FunctionName=name, Runtime=runtime, Role=role_arn, Handler=handler,
                           Code={"ZipFile": package(files)}, **settings)
    return name


def node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_an_async_es_module_handler_answers_and_its_worker_stays_warm(
        client: Any, role_arn: str, sandbox_url: str) -> None:
    name = deploy_node(client, role_arn, {"index.mjs": ASYNC_ESM}, runtime="nodejs22.x")
    first = invoke(client, name, {"name": "sandbox"})
    assert first.status == 200 and first.function_error is None, first.payload
    assert first.payload["message"] == "hello sandbox"
    assert first.headers["x-sandbox-effective-runtime"] == f"Node.js {node_version()}"
    second = invoke(client, name, {"name": "again"})
    assert second.payload["calls"] == 2 and second.payload["worker"] == first.payload["worker"]
    status = function_status(sandbox_url, name)
    assert status["Supported"] is True
    assert status["EffectiveRuntime"] == f"Node.js {node_version()}"


@pytest.mark.parametrize("files", [
    {"index.js": CALLBACK_CJS},
    {"index.cjs": CALLBACK_CJS},
    {"index.js": CALLBACK_CJS.replace("exports.handler = function", "export function handler"),
     "package.json": '{"type": "module"}'},
], ids=["js-commonjs", "cjs", "js-in-a-module-package"])
def test_a_callback_handler_answers_what_it_passes(client: Any, role_arn: str,
                                                    files: dict[str, str]) -> None:
    name = deploy_node(client, role_arn, files)
    answer = invoke(client, name, {"n": 21})
    assert answer.function_error is None, answer.payload
    assert answer.payload == {"doubled": 42}


def test_a_handler_in_a_folder_is_found(client: Any, role_arn: str) -> None:
    name = deploy_node(client, role_arn, {"src/app.mjs": ASYNC_ESM}, handler="src/app.handler")
    assert invoke(client, name, {"name": "x"}).payload["message"] == "hello x"


def test_the_context_object_carries_the_invocations_facts(client: Any, role_arn: str) -> None:
    name = deploy_node(client, role_arn, {"index.mjs": CONTEXT}, Timeout=5, MemorySize=256)
    answer = invoke(client, name, {})
    context = answer.payload
    arn = client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    assert context["functionName"] == name
    assert context["functionVersion"] == "$LATEST"
    assert context["memoryLimitInMB"] == "256"
    assert context["invokedFunctionArn"] == arn
    assert context["awsRequestId"] == answer.request_id
    assert context["logGroupName"] == f"/aws/lambda/{name}"
    assert STREAM_NAME.fullmatch(context["logStreamName"])
    assert 0 < context["remainingMs"] <= 5000
    assert context["waits"] is True and context["hasDone"] is True


def test_the_worker_gets_awss_node_environment_and_no_sandbox_secrets(
        client: Any, role_arn: str, sandbox_url: str) -> None:
    name = deploy_node(client, role_arn, {"index.mjs": ENVIRONMENT},
                       Environment={"Variables": {"TABLE_NAME": "items"}})
    environ, cwd = (lambda payload: (payload["environ"], payload["cwd"]))(
        invoke(client, name).payload)
    assert environ["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs20.x"
    assert environ["_HANDLER"] == "index.handler"
    assert environ["LAMBDA_TASK_ROOT"] == cwd
    runtime_dir = environ["LAMBDA_RUNTIME_DIR"]
    assert environ["NODE_PATH"].split(":") == [
        "/opt/nodejs/node20/node_modules", "/opt/nodejs/node_modules",
        f"{runtime_dir}/node_modules", runtime_dir, cwd]
    assert environ["TABLE_NAME"] == "items"
    assert environ["AWS_ENDPOINT_URL"] == sandbox_url
    assert environ["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert environ["AWS_SECRET_ACCESS_KEY"] not in ("testing", "sandbox")
    assert "PYTHONPATH" not in environ
    # The runtime took its log sink's fd; the sandbox's own settings never arrive.
    assert "_LAMBDA_TELEMETRY_LOG_FD" not in environ
    assert not any(key.startswith(("SANDBOX_", "CONSOLE_")) for key in environ)


def test_tail_and_cloudwatch_get_start_end_report_and_awss_node_log_lines(
        client: Any, role_arn: str, aws_client: ClientFactory) -> None:
    name = deploy_node(client, role_arn, {"index.mjs": LOGGING})
    answer = invoke(client, name, {"name": "learner"}, LogType="Tail")
    assert answer.payload == "logged"
    request_id = answer.request_id
    assert f"START RequestId: {request_id} Version: $LATEST\n" in answer.log
    assert re.search(rf"\n{ISO_TIME}\t{request_id}\tINFO\thello learner\n", answer.log)
    assert f"END RequestId: {request_id}\n" in answer.log
    assert f"REPORT RequestId: {request_id}\t" in answer.log and answer.log.endswith("\t\n")
    lines = messages_of(aws_client("logs"), name, request_id)
    assert re.fullmatch(rf"{ISO_TIME}\t{request_id}\tWARN\tcareful\n", lines[2])
    # A multi-line message stays one event, as the runtime's frames keep it.
    assert re.fullmatch(rf"{ISO_TIME}\t{request_id}\tERROR\ttwo\nlines\n", lines[3])
    assert re.fullmatch(r"REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
                        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: "
                        r"[\d.]+ ms\t\n", lines[-1])


def test_a_thrown_error_answers_awss_node_error_payload(client: Any, role_arn: str,
                                                       aws_client: ClientFactory) -> None:
    name = deploy_node(client, role_arn, {"index.mjs": THROWING})
    answer = invoke(client, name, {"key": "action"})
    assert answer.status == 200 and answer.function_error == "Unhandled"
    error = answer.payload
    assert set(error) == {"errorType", "errorMessage", "trace"}
    assert error["errorType"] == "Error"
    assert error["errorMessage"] == "no setting action"
    assert error["trace"][0] == "Error: no setting action"
    assert "index.mjs:4" in error["trace"][1]
    lines = messages_of(aws_client("logs"), name, answer.request_id)
    assert any(re.fullmatch(rf"{ISO_TIME}\t{answer.request_id}\tERROR\tInvoke Error \t"
                            r'\{"errorType":"Error","errorMessage":"no setting action",'
                            r'"stack":\["Error: no setting action",.*\]\}\n', line, re.DOTALL)
               for line in lines)


# AWS's words (seen in Invoke answers of nodejs18.x+ functions): a missing module is
# "Error: Cannot find module 'index'\nRequire stack:\n- /var/runtime/index.mjs"; a missing export
# "index.handler is undefined or not exported".
@pytest.mark.parametrize(("files", "handler", "error_type", "message"), [
    ({"app.mjs": ASYNC_ESM}, "index.handler", "Runtime.ImportModuleError",
     "Error: Cannot find module 'index'\nRequire stack:\n- /var/runtime/index.mjs"),
    ({"index.mjs": ASYNC_ESM}, "index.nope", "Runtime.HandlerNotFound",
     "index.nope is undefined or not exported"),
    ({"index.mjs": "export const handler = async () => );\n"}, "index.handler",
     "Runtime.UserCodeSyntaxError", "SyntaxError: Unexpected token ')'"),
], ids=["import-module-error", "handler-not-found", "syntax-error"])
def test_a_handler_that_cannot_load_answers_awss_runtime_error(
        client: Any, role_arn: str, aws_client: ClientFactory, files: dict[str, str],
        handler: str, error_type: str, message: str) -> None:
    name = deploy_node(client, role_arn, files, handler=handler)
    for _ in range(2):  # every call, not only the first
        answer = invoke(client, name, {})
        assert answer.function_error == "Unhandled"
        assert answer.payload["errorType"] == error_type
        assert answer.payload["errorMessage"] == message
        assert answer.payload["trace"][0] == f"{error_type}: {message.splitlines()[0]}"
    messages = [event["message"] for event in log_events(aws_client("logs"), name)]
    assert any(f"\tundefined\tERROR\tUncaught Exception \t{{\"errorType\":\"{error_type}\""
               in line for line in messages)


def test_an_uncaught_exception_ends_the_invocation_and_the_worker(client: Any,
                                                                  role_arn: str) -> None:
    name = deploy_node(client, role_arn, {"index.mjs": """
        const worker = Math.random();
        export const handler = async (event) => {
          if (event.crash) {
            setTimeout(() => { throw new TypeError("late failure"); }, 0);
            return new Promise(() => {});
          }
          if (event.reject) {
            Promise.reject(new Error("nobody waits"));
            return new Promise(() => {});
          }
          return worker;
        };
    """})
    worker = invoke(client, name, {}).payload
    crashed = invoke(client, name, {"crash": True})
    assert crashed.function_error == "Unhandled"
    assert crashed.payload["errorType"] == "TypeError"
    assert crashed.payload["errorMessage"] == "late failure"
    fresh = wait_for(lambda: (lambda answer: answer if answer != worker else None)(
        invoke(client, name, {}).payload))
    rejected = invoke(client, name, {"reject": True})
    assert rejected.payload["errorType"] == "Runtime.UnhandledPromiseRejection"
    assert rejected.payload["errorMessage"] == "Error: nobody waits"
    assert invoke(client, name, {}).payload not in (fresh, None)


def test_a_timeout_stops_the_worker_and_answers_awss_timeout_error(client: Any,
                                                                   role_arn: str) -> None:
    name = deploy_node(client, role_arn, {"index.mjs": ASYNC_ESM}, Timeout=1)
    worker = invoke(client, name, {"name": "x"}).payload["worker"]
    started = time.monotonic()
    timed_out = invoke(client, name, {"name": "x", "sleep": 5})
    assert 1.0 <= time.monotonic() - started < 2.5
    assert timed_out.function_error == "Unhandled"
    assert set(timed_out.payload) == {"errorMessage"}
    assert re.fullmatch(TIMEOUT_PAYLOAD % timed_out.request_id, timed_out.payload["errorMessage"])
    assert invoke(client, name, {"name": "x"}).payload["worker"] != worker


def test_event_invocations_run_in_the_background_and_dry_runs_not_at_all(
        client: Any, role_arn: str, aws_client: ClientFactory) -> None:
    marker = unique("event-ran")
    name = deploy_node(client, role_arn, {"index.js": f"""
        exports.handler = async (event) => {{ console.log("{marker}", event.n); }};
    """})
    dry = invoke(client, name, {"n": 1}, InvocationType="DryRun")
    assert dry.status == 204 and dry.payload is None
    assert log_events(aws_client("logs"), name) == []
    queued = invoke(client, name, {"n": 7}, InvocationType="Event")
    assert queued.status == 202 and queued.payload is None
    wait_for(lambda: any(event["message"].endswith(f"\tINFO\t{marker} 7\n")
                         for event in log_events(aws_client("logs"), name)))


def test_exceeding_memory_size_ends_the_invocation_like_an_oom_kill(client: Any,
                                                                   role_arn: str) -> None:
    name = deploy_node(client, role_arn, {"index.mjs": """
        export const handler = async (event) => Buffer.alloc(event.allocate_mb * 1024 * 1024, 1)
          .length;
    """}, MemorySize=128)
    assert invoke(client, name, {"allocate_mb": 16}).payload == 16 * 1024 * 1024
    for allocate_mb in (200, 4096):  # over MemorySize; over the address-space cap
        killed = invoke(client, name, {"allocate_mb": allocate_mb}, LogType="Tail")
        assert killed.function_error == "Unhandled"
        assert killed.payload["errorType"] == "Runtime.ExitError"
        assert killed.payload["errorMessage"].endswith("Runtime exited with error: signal: killed")
        assert "Memory Size: 128 MB\tMax Memory Used: " in killed.log
    assert invoke(client, name, {"allocate_mb": 1}).payload == 1024 * 1024


def test_concurrent_calls_each_get_a_worker(client: Any, role_arn: str) -> None:
    name = deploy_node(client, role_arn, {"index.mjs": ASYNC_ESM})
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: invoke(client, name, {"name": "x", "sleep": 0.3}),
                                range(2)))
    assert len({answer.payload["worker"] for answer in answers}) == 2


FAKE_SDK_PACKAGE = "@aws-sdk/client-fake"
SDK_USERS = {
    "esm.mjs": f"""
        import {{ where }} from "{FAKE_SDK_PACKAGE}";
        export const handler = async () => where;
    """,
    "cjs.js": f"""
        exports.handler = async () => require("{FAKE_SDK_PACKAGE}").where;
    """,
}


def fake_sdk(folder: Path) -> Path:
    """A node_modules folder holding one tiny CommonJS package named like an SDK client."""
    package_dir = folder / "node_modules" / FAKE_SDK_PACKAGE
    package_dir.mkdir(parents=True)
    (package_dir / "package.json").write_text('{"name": "%s", "main": "index.js"}'
                                              % FAKE_SDK_PACKAGE)
    (package_dir / "index.js").write_text("exports.where = 'runtime';\n")
    return folder / "node_modules"


@pytest.mark.parametrize("isolation", ["1", "0"], ids=["bwrap", "unisolated"])
def test_the_runtimes_sdk_is_found_by_import_and_require_unless_the_package_brings_its_own(
        launch_sandbox: SandboxLauncher, tmp_path: Path, isolation: str) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = launch_sandbox("--port", str(port), env=clean_env(
        SANDBOX_NODE_MODULES=str(fake_sdk(tmp_path)), SANDBOX_ISOLATION=isolation))
    wait_until_healthy(process, url)
    iam = boto3.client("iam", endpoint_url=url, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    client = lambda_client(url)
    role_arn = create_role(iam)
    for handler in ("esm.handler", "cjs.handler"):
        name = deploy_node(client, role_arn, SDK_USERS, handler=handler)
        assert invoke(client, name).payload == "runtime", handler
        bundled = deploy_node(client, role_arn, {
            **SDK_USERS,
            f"node_modules/{FAKE_SDK_PACKAGE}/package.json": '{"main": "index.js"}',
            f"node_modules/{FAKE_SDK_PACKAGE}/index.js": "exports.where = 'bundled';\n",
        }, handler=handler)
        assert invoke(client, bundled).payload == "bundled", handler


DOCUMENT_READER = """
    import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
    import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";

    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

    export const handler = async (event) => {
      try {
        const reply = await documents.send(
          new GetCommand({ TableName: event.table, Key: { id: "1" } }));
        return { item: reply.Item };
      } catch (error) {
        return { refused: error.name };
      }
    };
"""


@needs_node_sdk()
def test_the_sdk_calls_the_sandbox_with_the_roles_credentials_held_to_its_policy(
        client: Any, aws_client: ClientFactory) -> None:
    iam, dynamodb = aws_client("iam"), aws_client("dynamodb")
    table = unique("items")
    table_arn = dynamodb.create_table(
        TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")["TableDescription"]["TableArn"]
    wait_for(lambda: dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE")
    dynamodb.put_item(TableName=table, Item={"id": {"S": "1"}, "name": {"S": "pen"}})
    role_arn = create_role(iam)
    name = deploy_node(client, role_arn, {"index.mjs": DOCUMENT_READER})
    assert invoke(client, name, {"table": table}).payload == {"refused": "AccessDeniedException"}
    iam.put_role_policy(RoleName=role_arn.rsplit("/", 1)[1], PolicyName="read-items",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "dynamodb:GetItem",
                             "Resource": table_arn}]}))
    answer = invoke(client, name, {"table": table})
    assert answer.payload == {"item": {"id": "1", "name": "pen"}}, answer.payload


def test_a_callback_answers_once_the_event_loop_is_empty_unless_told_not_to_wait(
        client: Any, role_arn: str) -> None:
    name = deploy_node(client, role_arn, {"index.js": """
        exports.handler = (event, context, callback) => {
          context.callbackWaitsForEmptyEventLoop = event.wait;
          setTimeout(() => console.log("pending work done"), 200);
          callback(null, "early");
        };
    """})
    waited = invoke(client, name, {"wait": True}, LogType="Tail")
    assert waited.payload == "early"
    assert waited.log.index("\tpending work done\n") < waited.log.index("END RequestId")
    hurried = invoke(client, name, {"wait": False}, LogType="Tail")
    assert hurried.payload == "early"
    assert "pending work done" not in hurried.log.split("END RequestId")[0]
