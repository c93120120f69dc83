"""AWS's limits, asked of the sandbox with boto3: a request past one gets AWS's error and changes
nothing; one at the limit is accepted.

Big packages are zips whose central directory declares sizes their data does not have: the API
checks the declared sizes, so nothing near 250 MB is built."""
from __future__ import annotations

import io
import struct
import time
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .lambda_support import NO_RETRIES, create_role, lambda_client, package, unique
from .processes import REGION, ClientFactory

UNZIPPED_LIMIT = 262_144_000
REQUEST_LIMIT = 69_905_067
HANDLER = "def handler(event, context):\n    return 1\n"
CENTRAL_HEADER = b"PK\x01\x02"
CENTRAL_UNCOMPRESSED_SIZE_OFFSET = 24


def declaring_zip(*declared_sizes: int) -> bytes:
    """A small zip whose entries' central directory records claim `declared_sizes` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
        for index in range(len(declared_sizes)):
            archive.writestr(f"data{index}.bin", b"x")
    data = bytearray(buffer.getvalue())
    headers = [at for at in range(len(data)) if data.startswith(CENTRAL_HEADER, at)]
    for at, size in zip(headers[1:], declared_sizes, strict=True):
        struct.pack_into("<I", data, at + CENTRAL_UNCOMPRESSED_SIZE_OFFSET, size)
    return bytes(data)


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = raised.value.response
    return (response["Error"]["Code"], response["Error"]["Message"],
            response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.fixture(scope="module")
def role_arn(aws_client: ClientFactory) -> str:
    return create_role(aws_client("iam"))


def create(client: Any, role_arn: str, name: str, code: dict[str, Any]) -> dict[str, Any]:
    return client.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn,
                                  Handler="app.handler", Code=code)


# Lambda: deployment packages


def test_create_function_refuses_a_package_declaring_250_mb_unzipped(
        sandbox_url: str, role_arn: str) -> None:
    client = lambda_client(sandbox_url)
    name = unique("big")
    rest = UNZIPPED_LIMIT - len(HANDLER)  # with app.py, exactly 250 MB: not smaller than it
    with pytest.raises(ClientError) as raised:
        create(client, role_arn, name, {"ZipFile": declaring_zip(rest // 2, rest - rest // 2)})
    assert error_of(raised) == ("InvalidParameterValueException",
                                "Unzipped size must be smaller than 262144000 bytes", 400)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function(FunctionName=name)


def test_create_function_accepts_a_package_just_under_the_unzipped_limit(
        sandbox_url: str, role_arn: str) -> None:
    client = lambda_client(sandbox_url)
    rest = UNZIPPED_LIMIT - len(HANDLER) - 1
    reply = create(client, role_arn, unique("under"),
                   {"ZipFile": declaring_zip(rest // 2, rest - rest // 2)})
    assert reply["CodeSize"] > 0


def test_update_function_code_refuses_a_bomb_and_keeps_the_code(
        sandbox_url: str, role_arn: str) -> None:
    client = lambda_client(sandbox_url)
    name = unique("update")
    before = create(client, role_arn, name, {"ZipFile": package({"app.py": HANDLER})})
    with pytest.raises(ClientError) as raised:
        client.update_function_code(FunctionName=name,
                                    ZipFile=declaring_zip(UNZIPPED_LIMIT, 1))
    assert error_of(raised) == ("InvalidParameterValueException",
                                "Unzipped size must be smaller than 262144000 bytes", 400)
    after = client.get_function(FunctionName=name)["Configuration"]
    assert after["CodeSha256"] == before["CodeSha256"]


def test_a_package_in_s3_is_checked_too(aws_client: ClientFactory, sandbox_url: str,
                                        role_arn: str) -> None:
    s3 = aws_client("s3")
    bucket = unique("code")
    s3.create_bucket(Bucket=bucket,
                     CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    s3.put_object(Bucket=bucket, Key="bomb.zip", Body=declaring_zip(UNZIPPED_LIMIT))
    client = lambda_client(sandbox_url)
    name = unique("s3")
    with pytest.raises(ClientError) as raised:
        create(client, role_arn, name, {"S3Bucket": bucket, "S3Key": "bomb.zip"})
    assert error_of(raised) == ("InvalidParameterValueException",
                                "Unzipped size must be smaller than 262144000 bytes", 400)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function(FunctionName=name)


def test_create_function_refuses_a_request_over_the_direct_upload_limit(
        sandbox_url: str, role_arn: str) -> None:
    client = lambda_client(sandbox_url)
    name = unique("huge")
    # 50 MiB, base64-encoded in the JSON body, is just over AWS's 69,905,067-byte request limit.
    with pytest.raises(ClientError) as raised:
        create(client, role_arn, name, {"ZipFile": bytes(50 * 1024 * 1024)})
    assert error_of(raised) == (
        "RequestEntityTooLargeException",
        f"Request must be smaller than {REQUEST_LIMIT} bytes for the CreateFunction operation",
        413)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function(FunctionName=name)


# CloudWatch Logs: PutLogEvents quotas


def test_a_package_the_file_system_cannot_hold_is_an_invalid_zip(sandbox_url: str,
                                                                  role_arn: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
        archive.writestr("x/", "")
        archive.writestr("x", "a file where a folder is")
    client = lambda_client(sandbox_url)
    name = unique("clash")
    create(client, role_arn, name, {"ZipFile": buffer.getvalue()})
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName=name)
    code, message, _ = error_of(raised)  # not a 500 page: AWS's error for a package it can't use
    assert code == "InvalidZipFileException"
    assert message.startswith("Could not unzip uploaded file.")


@pytest.fixture
def stream(aws_client: ClientFactory) -> tuple[Any, str, str]:
    logs = aws_client("logs")
    group, stream_name = unique("/limits"), "s"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream_name)
    return logs, group, stream_name


def put(target: tuple[Any, str, str], *messages: str) -> dict[str, Any]:
    logs, group, stream_name = target
    now = int(time.time() * 1000)
    return logs.put_log_events(logGroupName=group, logStreamName=stream_name, logEvents=[
        {"timestamp": now, "message": message} for message in messages])


def stored(target: tuple[Any, str, str]) -> list[str]:
    logs, group, stream_name = target
    reply = logs.get_log_events(logGroupName=group, logStreamName=stream_name,
                                startFromHead=True)
    return [event["message"] for event in reply["events"]]


def test_put_log_events_refuses_an_event_over_1_mb(stream: tuple[Any, str, str]) -> None:
    with pytest.raises(ClientError) as raised:
        put(stream, "x" * (1_048_576 - 26 + 1))
    assert error_of(raised) == ("InvalidParameterException",
                                "Log event too large: 1048577 bytes exceeds limit of 1048576",
                                400)
    assert stored(stream) == []


def test_put_log_events_accepts_an_event_at_1_mb(stream: tuple[Any, str, str]) -> None:
    put(stream, "x" * (1_048_576 - 26))
    assert [len(message) for message in stored(stream)] == [1_048_550]


def test_put_log_events_refuses_a_batch_over_1_mb(stream: tuple[Any, str, str]) -> None:
    with pytest.raises(ClientError) as raised:
        put(stream, "a" * 600_000, "b" * 600_000)
    assert error_of(raised) == ("InvalidParameterException",
                                "Upload too large: 1200052 bytes exceeds limit of 1048576", 400)
    assert stored(stream) == []


def test_put_log_events_refuses_more_than_10000_events(stream: tuple[Any, str, str]) -> None:
    with pytest.raises(ClientError) as raised:
        put(stream, *["e"] * 10_001)
    code, message, status = error_of(raised)
    assert (code, status) == ("InvalidParameterException", 400)
    assert message.startswith("1 validation error detected: ")
    assert message.endswith("at 'logEvents' failed to satisfy constraint: "
                            "Member must have length less than or equal to 10000")
    assert stored(stream) == []
    put(stream, *["e"] * 10_000)
    assert len(stored(stream)) == 10_000


# CloudWatch Logs: filter pattern regexes


def test_a_catastrophic_regex_is_answered(sandbox_url: str,
                                         stream: tuple[Any, str, str]) -> None:
    put(stream, "a" * 100, "a" * 99 + "b")
    _, group, _ = stream
    # A backtracking engine would not finish this in a lifetime: the client then gives up once
    # (no retries) instead of hanging the run.
    logs = boto3.client("logs", endpoint_url=sandbox_url, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=NO_RETRIES)
    found = logs.filter_log_events(logGroupName=group, filterPattern="%a*a*a*a*a*a*a*b%")
    assert [event["message"][-1] for event in found["events"]] == ["b"]


def test_filter_patterns_with_more_than_two_regexes_are_refused(
        stream: tuple[Any, str, str]) -> None:
    logs, group, _ = stream
    put(stream, "ERROR 42 timeout")
    found = logs.filter_log_events(logGroupName=group, filterPattern="%ERROR% %[0-9]+%")
    assert len(found["events"]) == 1
    with pytest.raises(ClientError) as raised:
        logs.filter_log_events(logGroupName=group, filterPattern="%ERROR% %[0-9]+% %time%")
    assert error_of(raised)[::2] == ("InvalidParameterException", 400)


def test_filter_patterns_over_1024_characters_are_refused(stream: tuple[Any, str, str]) -> None:
    logs, group, _ = stream
    logs.filter_log_events(logGroupName=group, filterPattern="a" * 1024)
    with pytest.raises(ClientError) as raised:
        logs.filter_log_events(logGroupName=group, filterPattern="a" * 1025)
    code, message, status = error_of(raised)
    assert (code, status) == ("InvalidParameterException", 400)
    assert message.endswith("at 'filterPattern' failed to satisfy constraint: "
                            "Member must have length less than or equal to 1024")


# API Gateway: stage variables


@pytest.fixture
def rest_api(aws_client: ClientFactory) -> tuple[Any, str, str]:
    """An API with a MOCK GET / and one deployment (no stage)."""
    gateway = aws_client("apigateway")
    api_id = gateway.create_rest_api(name=unique("limits"))["id"]
    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    gateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                       authorizationType="NONE")
    gateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = gateway.create_deployment(restApiId=api_id)["id"]
    return gateway, api_id, deployment


def variables(count: int) -> dict[str, str]:
    return {f"v{index}": "x" for index in range(count)}


def test_create_stage_allows_100_variables_not_101(rest_api: tuple[Any, str, str]) -> None:
    gateway, api_id, deployment = rest_api
    with pytest.raises(ClientError) as raised:
        gateway.create_stage(restApiId=api_id, stageName="big", deploymentId=deployment,
                             variables=variables(101))
    assert error_of(raised)[::2] == ("BadRequestException", 400)
    assert gateway.get_stages(restApiId=api_id)["item"] == []
    gateway.create_stage(restApiId=api_id, stageName="full", deploymentId=deployment,
                         variables=variables(100))
    stage = gateway.get_stage(restApiId=api_id, stageName="full")
    assert len(stage["variables"]) == 100


def test_update_stage_cannot_add_a_101st_variable(rest_api: tuple[Any, str, str]) -> None:
    gateway, api_id, deployment = rest_api
    gateway.create_stage(restApiId=api_id, stageName="s", deploymentId=deployment,
                         variables=variables(100))
    with pytest.raises(ClientError) as raised:
        gateway.update_stage(restApiId=api_id, stageName="s", patchOperations=[
            {"op": "replace", "path": "/variables/extra", "value": "y"}])
    assert error_of(raised)[::2] == ("BadRequestException", 400)
    assert "extra" not in gateway.get_stage(restApiId=api_id, stageName="s")["variables"]
    gateway.update_stage(restApiId=api_id, stageName="s", patchOperations=[
        {"op": "remove", "path": "/variables/v0"},
        {"op": "replace", "path": "/variables/extra", "value": "y"}])
    assert gateway.get_stage(restApiId=api_id, stageName="s")["variables"]["extra"] == "y"


def test_create_deployment_refuses_101_variables(rest_api: tuple[Any, str, str]) -> None:
    gateway, api_id, _ = rest_api
    before = gateway.get_deployments(restApiId=api_id)["items"]
    with pytest.raises(ClientError) as raised:
        gateway.create_deployment(restApiId=api_id, stageName="prod", variables=variables(101))
    assert error_of(raised)[::2] == ("BadRequestException", 400)
    assert gateway.get_deployments(restApiId=api_id)["items"] == before
    assert gateway.get_stages(restApiId=api_id)["item"] == []


@pytest.mark.parametrize(("name", "value", "message"), [
    ("owner:app", "x",
     "Invalid stage variable name: owner:app.  Please use names with only word characters."),
    ("ok", "a|b",
     "Invalid stage variable value: a|b.  Please use values with alphanumeric characters and "
     "the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."),
    ("ok", "",
     "Invalid stage variable value: .  Please use values with alphanumeric characters and "
     "the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."),
])
def test_stage_variable_characters_follow_aws(rest_api: tuple[Any, str, str], name: str,
                                              value: str, message: str) -> None:
    gateway, api_id, deployment = rest_api
    with pytest.raises(ClientError) as raised:
        gateway.create_stage(restApiId=api_id, stageName="s", deploymentId=deployment,
                             variables={name: value})
    assert error_of(raised) == ("BadRequestException", message, 400)


def test_stage_variable_lengths_stop_at_64_and_512(rest_api: tuple[Any, str, str]) -> None:
    gateway, api_id, deployment = rest_api
    for name, value in (("n" * 65, "x"), ("n", "v" * 513)):
        with pytest.raises(ClientError) as raised:
            gateway.create_stage(restApiId=api_id, stageName="s", deploymentId=deployment,
                                 variables={name: value})
        assert error_of(raised)[::2] == ("BadRequestException", 400)
    gateway.create_stage(restApiId=api_id, stageName="s", deploymentId=deployment,
                         variables={"n" * 64: "-._~:/?#&=,AZaz09" + "v" * 495})
    assert len(gateway.get_stage(restApiId=api_id, stageName="s")["variables"]) == 1
