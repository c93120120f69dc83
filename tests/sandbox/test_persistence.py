"""State across restarts: what a user built comes back after a stop, a SIGKILL, a restore.

Each test runs its own sandbox processes with SANDBOX_PERSIST=1 and a data directory of its own,
and talks to them as boto3 and curl would.
"""
import gzip
import json
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from .lambda_support import (create_role, deploy, invoke, lambda_client, log_events, package,
                             wait_for)
from .processes import REGION, clean_env, free_port, health, start, stop, wait_until_healthy
from .test_gateway_stage import (add_method, allow_gateway, call, ensure_resource, execute_arn,
                                 stage_url)

GREETING = """
    import json

    def handler(event, context):
        print("greeting", event.get("path"))
        body = {"hello": event.get("path"), "version": context.function_version}
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                "body": json.dumps(body)}
"""
BATCH = 25
GATEWAY_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
PUSH_TO_LOGS = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


@dataclass
class Sandbox:
    """One sandbox process over a data directory; restartable on the same port."""

    data_dir: Path
    port: int
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **env: str) -> dict[str, Any]:
        settings = {"SANDBOX_PERSIST": "1", "SANDBOX_DATA_DIR": str(self.data_dir), **env}
        self.process = start("--port", str(self.port), env=clean_env(**settings))
        return wait_until_healthy(self.process, self.url)

    def stop(self) -> None:
        assert self.process is not None
        stop(self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.communicate()

    def client(self, service: str) -> Any:
        if service == "lambda":
            return lambda_client(self.url)
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@contextmanager
def running_sandbox(tmp_path: Path, **env: str) -> Iterator[Sandbox]:
    """A sandbox started over `tmp_path`/data (persisting unless `env` says otherwise), stopped
    on leaving if it still runs: a test may stop and start it again inside."""
    box = Sandbox(tmp_path / "data", free_port())
    box.start(**env)
    try:
        yield box
    finally:
        if box.process is not None and box.process.poll() is None:
            stop(box.process)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with running_sandbox(tmp_path) as box:
        yield box


def make_table(dynamodb: Any, name: str = "notes", **settings: Any) -> None:
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          **settings)


def items_of(dynamodb: Any, name: str = "notes") -> dict[str, dict[str, Any]]:
    pages = dynamodb.get_paginator("scan").paginate(TableName=name)
    return {item["id"]["S"]: item for page in pages for item in page["Items"]}


def build_stack(box: Sandbox) -> dict[str, Any]:
    """A table with items, a role, a function with a version, an API deployed to a stage."""
    dynamodb, iam, apigateway = box.client("dynamodb"), box.client("iam"), box.client("apigateway")
    lambda_api = box.client("lambda")
    make_table(dynamodb, StreamSpecification={"StreamEnabled": True,
                                              "StreamViewType": "NEW_IMAGE"})
    for number in range(3):
        dynamodb.put_item(TableName="notes", Item={"id": {"S": f"n{number}"},
                                                   "text": {"S": f"note {number} ✓"}})
    role_arn = create_role(iam)
    function = deploy(lambda_api, role_arn, GREETING)
    version = lambda_api.publish_version(FunctionName=function.name)["Version"]
    api_id = apigateway.create_rest_api(name="notes-api")["id"]
    resources = {"/": next(item["id"] for item in apigateway.get_resources(restApiId=api_id)
                           ["items"] if item["path"] == "/")}
    resource_id = ensure_resource(apigateway, api_id, resources, "/hello")
    add_method(apigateway, api_id, resource_id, "GET", function.arn)
    allow_gateway(lambda_api, function.name, execute_arn(api_id))
    apigateway.create_deployment(restApiId=api_id, stageName="dev")
    pusher = iam.create_role(RoleName="apigw-logs", AssumeRolePolicyDocument=GATEWAY_TRUST)
    iam.attach_role_policy(RoleName="apigw-logs", PolicyArn=PUSH_TO_LOGS)
    apigateway.update_account(patchOperations=[
        {"op": "replace", "path": "/cloudwatchRoleArn", "value": pusher["Role"]["Arn"]}])
    reply = call(stage_url(box.url, api_id, "/hello", stage="dev"))
    assert reply.status == 200, reply.body
    invoke(lambda_api, function.name, {"path": "/direct"})
    logs = box.client("logs")
    wait_for(lambda: len(log_events(logs, function.name)) >= 8)
    return {"role_arn": role_arn, "function": function.name, "version": version,
            "api_id": api_id, "stage_body": reply.body}


def describe(box: Sandbox, stack: dict[str, Any]) -> dict[str, Any]:
    """What a user would look at after a restart, in a comparable form."""
    dynamodb, iam, apigateway = box.client("dynamodb"), box.client("iam"), box.client("apigateway")
    lambda_api, logs = box.client("lambda"), box.client("logs")
    role_name = stack["role_arn"].rpartition("/")[2]
    function = lambda_api.get_function(FunctionName=stack["function"])["Configuration"]
    api = apigateway.get_rest_api(restApiId=stack["api_id"])
    return {
        "items": items_of(dynamodb),
        # A stream's label is the time it was made: an id, and a date.
        "stream": dynamodb.describe_table(TableName="notes")["Table"]["LatestStreamArn"],
        "times": {
            "table": dynamodb.describe_table(TableName="notes")["Table"]["CreationDateTime"],
            "role": iam.get_role(RoleName=role_name)["Role"].pop("CreateDate"),
            "function": function.pop("LastModified"),
            "api": api["createdDate"],
        },
        "role": _without(iam.get_role(RoleName=role_name)["Role"], "CreateDate", "RoleLastUsed"),
        "role_policies": iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"],
        "code": (function["CodeSha256"], function["Handler"], function["Runtime"]),
        "versions": [v["Version"] for v in lambda_api.list_versions_by_function(
            FunctionName=stack["function"])["Versions"]],
        "api": (api["id"], api["name"]),
        "resources": sorted((r["path"], r["id"]) for r in
                            apigateway.get_resources(restApiId=stack["api_id"])["items"]),
        "stages": [(s["stageName"], s["deploymentId"]) for s in
                   apigateway.get_stages(restApiId=stack["api_id"])["item"]],
        "log_events": [(e["timestamp"], e["ingestionTime"], e["message"])
                       for e in log_events(logs, stack["function"])],
        "account_logging_role": apigateway.get_account().get("cloudwatchRoleArn"),
        "invocations": invocation_count(box, stack["function"]),
    }


def invocation_count(box: Sandbox, function_name: str) -> float:
    """The function's AWS/Lambda Invocations over the last hour, as its metrics chart sums them."""
    now = datetime.now(UTC)
    answer = box.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Invocations", Statistics=["Sum"], Period=3600,
        Dimensions=[{"Name": "FunctionName", "Value": function_name}],
        StartTime=now - timedelta(hours=1), EndTime=now + timedelta(minutes=1))
    return sum(point["Sum"] for point in answer["Datapoints"])


def _without(mapping: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if key not in keys}


def assert_same(after: dict[str, Any], before: dict[str, Any]) -> None:
    """Equal, creation and change dates included."""
    assert after == before


def test_everything_built_comes_back_after_a_restart_and_the_stage_url_answers_the_same(
        sandbox: Sandbox) -> None:
    stack = build_stack(sandbox)
    before = describe(sandbox, stack)
    sandbox.stop()

    answer = sandbox.start()

    assert answer["state"]["restored"]["failed"] == 0
    assert_same(describe(sandbox, stack), before)
    assert before["invocations"] == 2 and before["account_logging_role"]
    reply = call(stage_url(sandbox.url, stack["api_id"], "/hello", stage="dev"))
    assert (reply.status, reply.body) == (200, stack["stage_body"])
    versioned = invoke(sandbox.client("lambda"), f"{stack['function']}:{stack['version']}",
                       {"path": "/v"})
    assert versioned.payload["body"] == json.dumps({"hello": "/v", "version": "1"})


def test_a_sigkill_during_an_import_loses_at_most_the_batch_in_flight(sandbox: Sandbox) -> None:
    dynamodb = sandbox.client("dynamodb")
    make_table(dynamodb)
    earlier = {f"early{number}": f"kept {number}" for number in range(40)}
    for key, text in earlier.items():
        dynamodb.put_item(TableName="notes", Item={"id": {"S": key}, "text": {"S": text}})
    acknowledged: list[str] = []
    importing = threading.Event()

    def import_items() -> None:
        importer = sandbox.client("dynamodb")
        number = 0
        try:
            while True:
                keys = [f"imp{number + offset:05d}" for offset in range(BATCH)]
                importer.batch_write_item(RequestItems={"notes": [
                    {"PutRequest": {"Item": {"id": {"S": key}, "n": {"N": str(number)}}}}
                    for key in keys]})
                acknowledged.extend(keys)
                number += BATCH
                if number >= 10 * BATCH:
                    importing.set()
        except Exception:  # the sandbox was killed under it
            importing.set()

    worker = threading.Thread(target=import_items, daemon=True)
    worker.start()
    assert importing.wait(30)
    sandbox.kill()
    worker.join(10)
    kept = list(acknowledged)

    answer = sandbox.start()

    assert answer["status"] == "ok"
    items = items_of(sandbox.client("dynamodb"))
    assert {key: items[key]["text"]["S"] for key in earlier} == earlier
    imported = sorted(key for key in items if key.startswith("imp"))
    # Every acknowledged batch is there; at most the one in flight beyond them, whole or not.
    assert set(kept) <= set(imported)
    assert len(imported) in (len(kept), len(kept) + BATCH)


def test_a_journal_cut_short_by_a_kill_loads_without_its_last_line(sandbox: Sandbox) -> None:
    dynamodb = sandbox.client("dynamodb")
    make_table(dynamodb)
    dynamodb.put_item(TableName="notes", Item={"id": {"S": "whole"}})
    sandbox.kill()
    journal = sandbox.data_dir / "journal.jsonl"
    with journal.open("ab") as stream:
        stream.write(b'{"t": 1, "op": "dynamodb:PutItem", "request": {"meth')

    sandbox.start()

    assert list(items_of(sandbox.client("dynamodb"))) == ["whole"]
    assert journal.read_bytes().endswith(b"}\n")
    sandbox.client("dynamodb").put_item(TableName="notes", Item={"id": {"S": "after"}})
    sandbox.stop()
    sandbox.start()
    assert sorted(items_of(sandbox.client("dynamodb"))) == ["after", "whole"]


def state_request(url: str, method: str, body: bytes | None = None,
                  action: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"{url}/_sandbox/state", data=body, method=method)
    if action:
        request.add_header("X-Sandbox-Action", action)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_a_snapshot_restores_everything_after_a_reset_with_the_same_ids(
        sandbox: Sandbox) -> None:
    stack = build_stack(sandbox)
    before = describe(sandbox, stack)
    status, snapshot = state_request(sandbox.url, "GET")
    assert status == 200 and gzip.decompress(snapshot).startswith(b'{"format":')

    assert state_request(sandbox.url, "DELETE")[0] == 403  # no header: refused, nothing gone
    assert items_of(sandbox.client("dynamodb"))
    assert state_request(sandbox.url, "DELETE", action="reset")[0] == 200
    assert sandbox.client("dynamodb").list_tables()["TableNames"] == []
    assert sandbox.client("apigateway").get_rest_apis()["items"] == []
    assert health(sandbox.url)["state"]["changes"] == 0

    status, answer = state_request(sandbox.url, "PUT", snapshot, action="restore")

    assert status == 200, answer
    assert json.loads(answer)["failed"] == 0
    assert_same(describe(sandbox, stack), before)
    reply = call(stage_url(sandbox.url, stack["api_id"], "/hello", stage="dev"))
    assert (reply.status, reply.body) == (200, stack["stage_body"])
    restored = describe(sandbox, stack)  # with the logs of that call
    sandbox.stop()
    sandbox.start()  # the restored state is the journal now
    assert_same(describe(sandbox, stack), restored)


def test_a_file_that_is_not_a_snapshot_is_refused_and_changes_nothing(sandbox: Sandbox) -> None:
    make_table(sandbox.client("dynamodb"))
    status, answer = state_request(sandbox.url, "PUT", b"name,text\n1,hello\n", action="restore")
    assert status == 400
    assert "not a sandbox snapshot" in json.loads(answer)["message"]
    assert sandbox.client("dynamodb").list_tables()["TableNames"] == ["notes"]


def test_two_sandboxes_cannot_share_a_data_directory(sandbox: Sandbox,
                                                      launch_sandbox: Callable[..., Any]) -> None:
    second = launch_sandbox("--port", str(free_port()), env=clean_env(
        SANDBOX_PERSIST="1", SANDBOX_DATA_DIR=str(sandbox.data_dir)))
    _, error = second.communicate(timeout=30)
    assert second.returncode == 2
    assert f"another sandbox keeps its state in {sandbox.data_dir}" in error


def test_in_memory_mode_keeps_nothing_on_disk(tmp_path: Path) -> None:
    with running_sandbox(tmp_path, SANDBOX_PERSIST="0") as box:
        make_table(box.client("dynamodb"))
        state = health(box.url)["state"]
        assert state["persist"] is False and state["changes"] == 1
        status, snapshot = state_request(box.url, "GET")
        assert status == 200 and len(gzip.decompress(snapshot).splitlines()) == 2
        box.stop()
        assert not (tmp_path / "data").exists()
        box.start(SANDBOX_PERSIST="0")
        assert box.client("dynamodb").list_tables()["TableNames"] == []


@pytest.fixture(scope="module")
def with_a_table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One persisting sandbox holding the table "notes", for checks that change nothing."""
    with running_sandbox(tmp_path_factory.mktemp("with-a-table")) as box:
        make_table(box.client("dynamodb"))
        yield box


@pytest.mark.parametrize(("method", "path"), [("POST", "/moto-api/reset"),
                                              ("GET", "/moto-api/data.json"),
                                              ("GET", "/moto-api/")])
def test_motos_own_api_is_closed(with_a_table: Sandbox, method: str, path: str) -> None:
    # Its reset would bypass the journal; its data.json shows secret keys to any web page.
    sandbox = with_a_table
    # Without an Origin (a web page's requests are refused before any route: test_boundary.py).
    request = urllib.request.Request(f"{sandbox.url}{path}", method=method,
                                     data=b"" if method == "POST" else None)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert "Access-Control-Allow-Origin" not in refused.value.headers
    assert "X-Sandbox-Action: reset" in json.loads(refused.value.read())["message"]
    assert sandbox.client("dynamodb").list_tables()["TableNames"] == ["notes"]


def test_a_function_whose_code_came_from_s3_comes_back(sandbox: Sandbox) -> None:
    s3, lambda_api = sandbox.client("s3"), sandbox.client("lambda")
    s3.create_bucket(Bucket="code", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="code", Key="app.zip", Body=package({"app.py": GREETING}))
    role_arn = create_role(sandbox.client("iam"))
    lambda_api.create_function(FunctionName="from-s3", Runtime="python3.12", Role=role_arn,
                               Handler="app.handler",
                               Code={"S3Bucket": "code", "S3Key": "app.zip"})
    lambda_api.publish_version(FunctionName="from-s3")
    before = lambda_api.get_function(FunctionName="from-s3")["Configuration"]["CodeSha256"]
    sandbox.stop()

    answer = sandbox.start()

    assert answer["state"]["restored"]["failed"] == 0
    assert s3.get_object(Bucket="code", Key="app.zip")["Body"].read()[:2] == b"PK"
    lambda_api = sandbox.client("lambda")
    version = lambda_api.get_function(FunctionName="from-s3:1")["Configuration"]
    assert version["CodeSha256"] == before
    assert invoke(lambda_api, "from-s3", {"path": "/s3"}).payload["statusCode"] == 200


def test_a_table_comes_back_active_not_creating_again(tmp_path: Path) -> None:
    with running_sandbox(tmp_path, SANDBOX_TABLE_CREATING_SECONDS="60") as box:
        make_table(box.client("dynamodb"))
        assert box.client("dynamodb").describe_table(TableName="notes")["Table"][
            "TableStatus"] == "CREATING"
        box.stop()
        box.start(SANDBOX_TABLE_CREATING_SECONDS="60")
        table = box.client("dynamodb").describe_table(TableName="notes")["Table"]
    assert table["TableStatus"] == "ACTIVE"


SLOW_LOGGER = """
    import time

    def handler(event, context):
        print("started", event["n"])
        time.sleep(1.5)
        print("finished", event["n"])
        return event
"""


def test_a_reset_leaves_nothing_behind_from_event_invocations_still_running(
        sandbox: Sandbox) -> None:
    lambda_api = sandbox.client("lambda")
    function = deploy(lambda_api, create_role(sandbox.client("iam")), SLOW_LOGGER)
    for number in range(3):
        lambda_api.invoke(FunctionName=function.name, InvocationType="Event",
                          Payload=json.dumps({"n": number}).encode())
    wait_for(lambda: any("started" in event["message"]
                         for event in log_events(sandbox.client("logs"), function.name)))

    assert state_request(sandbox.url, "DELETE", action="reset")[0] == 200

    time.sleep(2)  # longer than the handler's sleep: anything still coming has come
    assert sandbox.client("logs").describe_log_groups()["logGroups"] == []
    assert sandbox.client("cloudwatch").list_metrics(Namespace="AWS/Lambda")["Metrics"] == []
    assert health(sandbox.url)["state"]["changes"] == 0


def test_a_reset_that_cannot_write_the_journal_changes_nothing(sandbox: Sandbox) -> None:
    make_table(sandbox.client("dynamodb"))
    shutil.rmtree(sandbox.data_dir)  # the journal cannot be replaced there any more

    status, answer = state_request(sandbox.url, "DELETE", action="reset")

    assert status == 500
    assert "nothing was changed" in json.loads(answer)["message"]
    assert sandbox.client("dynamodb").list_tables()["TableNames"] == ["notes"]
    assert health(sandbox.url)["status"] == "ok"
