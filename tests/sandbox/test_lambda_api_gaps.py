"""Where moto's Lambda API falls short of AWS's, the sandbox answers as AWS does."""
import io
import json
import urllib.error
import urllib.request
import uuid
import zipfile

import pytest

from .processes import ClientFactory

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def package(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", source)
    return buffer.getvalue()


@pytest.fixture
def make_function(aws_client: ClientFactory):  # type: ignore[no-untyped-def]
    role_arn = aws_client("iam").create_role(RoleName=f"gaps-{uuid.uuid4().hex[:8]}",
                                             AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]

    def make(name: str, source: str = "def lambda_handler(e, c):\n    return 1\n") -> str:
        aws_client("lambda").create_function(
            FunctionName=name, Runtime="python3.12", Role=role_arn,
            Handler="lambda_function.lambda_handler", Code={"ZipFile": package(source)})
        return name

    return make


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as reply:
        return reply.read()


def test_code_location_serves_the_package(aws_client: ClientFactory, make_function) -> None:  # type: ignore[no-untyped-def]
    name = make_function(f"dl-{uuid.uuid4().hex[:8]}", "def lambda_handler(e, c):\n    return 'v1'\n")
    lam = aws_client("lambda")
    location = lam.get_function(FunctionName=name)["Code"]["Location"]
    assert location.startswith("http://127.0.0.1:")
    first = zipfile.ZipFile(io.BytesIO(fetch(location)))
    assert first.read("lambda_function.py").decode().endswith("return 'v1'\n")

    lam.update_function_code(FunctionName=name, ZipFile=package("def lambda_handler(e, c):\n    return 'v2'\n"))
    with pytest.raises(urllib.error.HTTPError) as stale:
        fetch(location)
    assert stale.value.code == 403
    fresh = lam.get_function(FunctionName=name)["Code"]["Location"]
    assert b"v2" in zipfile.ZipFile(io.BytesIO(fetch(fresh))).read("lambda_function.py")


def test_list_functions_pages_by_marker(aws_client: ClientFactory, make_function) -> None:  # type: ignore[no-untyped-def]
    prefix = f"page-{uuid.uuid4().hex[:6]}"
    made = {make_function(f"{prefix}-{number}") for number in range(5)}
    lam = aws_client("lambda")
    first = lam.list_functions(MaxItems=2)
    assert len(first["Functions"]) == 2 and "NextMarker" in first
    seen = [function["FunctionName"] for page in lam.get_paginator("list_functions").paginate(
        PaginationConfig={"PageSize": 2}) for function in page["Functions"]]
    assert made <= set(seen) and len(seen) == len(set(seen))


def test_list_versions_pages_by_marker(aws_client: ClientFactory, make_function) -> None:  # type: ignore[no-untyped-def]
    name = make_function(f"ver-{uuid.uuid4().hex[:8]}")
    lam = aws_client("lambda")
    for number in range(3):
        lam.update_function_code(FunctionName=name, ZipFile=package(f"X = {number}\ndef lambda_handler(e, c):\n    return X\n"))
        lam.publish_version(FunctionName=name)
    first = lam.list_versions_by_function(FunctionName=name, MaxItems=2)
    assert len(first["Versions"]) == 2 and first["NextMarker"]
    rest = lam.list_versions_by_function(FunctionName=name, MaxItems=2, Marker=first["NextMarker"])
    versions = [v["Version"] for v in first["Versions"] + rest["Versions"]]
    assert versions == ["$LATEST", "1", "2", "3"]
    assert "NextMarker" not in rest
