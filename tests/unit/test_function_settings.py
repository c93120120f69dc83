"""A function's settings on its page: configuration, code, versions, policy, API Gateway callers."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import io
import json
import re
import urllib.error
import zipfile
from collections.abc import Iterator
from http import HTTPStatus

import boto3
import pytest
from botocore.stub import Stubber
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from webapp.aws.functions import code_editor, code_packages
from webapp import create_app
from webapp.aws.apigateway import lambda_integrations
from webapp.aws import clients
from webapp.aws.functions import lambda_functions as functions
from webapp.aws.errors import FAILED, AwsFailure, ConsoleError, TooLarge
from webapp.aws.functions.lambda_functions import Condition, PolicyStatement, Principal
from webapp.aws.paging import Page
from webapp.views.functions import settings as function_settings

from tests.helpers import PASSWORD, csrf_token, injected, load_only_managed_policies

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
FUNCTION = "hello-fn"
HELLO = "def lambda_handler(event, context):\n    return {'hello': event.get('name')}\n"
TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
MANAGED_POLICIES = ("AWSLambdaBasicExecutionRole",)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The console under moto with only the AWS-managed policy these tests attach."""
    load_only_managed_policies(monkeypatch, MANAGED_POLICIES)
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD})


def lambda_client():  # type: ignore[no-untyped-def]
    return boto3.client("lambda", region_name=REGION)


def make_role(role_name: str, trusted: str = TRUST_LAMBDA) -> str:
    iam = boto3.client("iam", region_name=REGION)
    role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trusted)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=(
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"))
    return role_arn


def one_file_zip(source: str = HELLO, filename: str = "lambda_function.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(filename, source)
    return buffer.getvalue()


def make_function(function_name: str = FUNCTION, zip_bytes: bytes | None = None) -> dict:
    role_arn = make_role(f"{function_name}-role")
    return lambda_client().create_function(
        FunctionName=function_name, Runtime="python3.12", Handler="lambda_function.lambda_handler",
        Role=role_arn, Code={"ZipFile": zip_bytes or one_file_zip()}, MemorySize=128, Timeout=3,
        Environment={"Variables": {"GREETING": "hi"}}, Description="first")


def configuration(function_name: str = FUNCTION) -> dict:
    reply = lambda_client().get_function_configuration(FunctionName=function_name)
    del reply["ResponseMetadata"]
    return reply


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def field_errors(page: str) -> dict[str, str]:
    return {name: html.unescape(text) for name, text
            in re.findall(r'<p id="([\w-]+)-error" class="field-error">([^<]*)<', page)}


def settings_form(client: FlaskClient, **fields: str) -> dict[str, str]:
    values = {
        "role": configuration()["Role"], "handler": "lambda_function.lambda_handler",
        "memory_mb": "256", "timeout_s": "10", "environment": "GREETING=hello\nTABLE_NAME=Items",
        "description": "edited", "csrf_token": csrf_token(client, "/"),
    }
    values.update(fields)
    return values


def fetch_returns(monkeypatch: pytest.MonkeyPatch, zip_bytes: bytes) -> list[str]:
    """Serve Code.Location from memory, as S3 would on AWS; returns the URLs asked for."""
    asked: list[str] = []

    def open_location(url: str) -> tuple[io.BytesIO, int]:
        asked.append(url)
        return io.BytesIO(zip_bytes), len(zip_bytes)

    monkeypatch.setattr(functions, "open_location", open_location)
    return asked


def fetch_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def open_location(url: str) -> tuple[io.BytesIO, int]:
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(functions, "open_location", open_location)


# The page and its sections

def test_the_function_page_loads_each_section_by_itself(signed_in: FlaskClient) -> None:
    make_function()
    page = signed_in.get(f"/functions/{FUNCTION}").text
    for section in ("last-update", "code", "versions", "policy", "integrations"):
        assert f'hx-get="/functions/{FUNCTION}/{section}" hx-trigger="load"' in page
    for anchor in ("#last-update", "#configuration-edit", "#function-code", "#versions",
                   "#resource-policy", "#api-integrations", "#invoke-panel"):
        assert f'href="{anchor}"' in page
    assert f'href="/functions/{FUNCTION}/code.zip"' in page
    assert 'id="invoke-panel"' in page


def test_a_section_url_serves_the_whole_page_to_a_plain_get(signed_in: FlaskClient) -> None:
    make_function()
    reply = signed_in.get(f"/functions/{FUNCTION}/versions")
    assert reply.text.lstrip().startswith("<!doctype html>")
    assert 'id="invoke-panel"' in reply.text and "<h1>hello-fn</h1>" in reply.text
    assert '<tbody id="version-rows">' in reply.text
    assert 'hx-get="/functions/hello-fn/policy" hx-trigger="load"' in reply.text
    assert "HX-Request" in reply.headers["Vary"]
    fragment = signed_in.get(f"/functions/{FUNCTION}/versions", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="versions"')
    assert "HX-Request" in fragment.headers["Vary"]


def test_sections_of_an_unknown_function_are_not_found(signed_in: FlaskClient) -> None:
    for section in ("last-update", "configuration", "code", "code.zip", "versions", "policy",
                    "integrations"):
        reply = signed_in.get(f"/functions/nope/{section}")
        assert reply.status_code == HTTPStatus.NOT_FOUND, section
        assert "Lambda function nope was not found" in reply.text


def test_a_section_shows_an_aws_error_inside_itself(signed_in: FlaskClient,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    make_function()

    def denied(function_name: str) -> None:
        raise AwsFailure(FAILED, aws_code="AccessDeniedException", action="read the policy",
                         aws_message="no lambda:GetPolicy")

    monkeypatch.setattr(functions, "get_resource_policy", denied)
    reply = signed_in.get(f"/functions/{FUNCTION}/policy", headers={"HX-Request": "true"})
    assert reply.status_code == HTTPStatus.OK
    assert reply.text.lstrip().startswith('<section id="resource-policy"')
    assert "Could not read the policy: AccessDeniedException: no lambda:GetPolicy" in reply.text


# Configuration

def test_the_configuration_form_opens_in_place_with_current_values(signed_in: FlaskClient) -> None:
    make_function()
    make_role("not-for-lambda", trusted=TRUST_LAMBDA.replace("lambda.amazonaws.com",
                                                             "ec2.amazonaws.com"))
    page = signed_in.get(f"/functions/{FUNCTION}").text
    assert (f'hx-get="/functions/{FUNCTION}/configuration" hx-target="#configuration-edit"'
            in page)
    reply = signed_in.get(f"/functions/{FUNCTION}/configuration", headers={"HX-Request": "true"})
    assert reply.text.lstrip().startswith('<section id="configuration-edit"')
    assert f'<option value="{configuration()["Role"]}" selected>hello-fn-role</option>' in reply.text
    assert "not-for-lambda" not in reply.text
    assert 'value="128"' in reply.text and 'value="3"' in reply.text and 'value="first"' in reply.text
    assert ">GREETING=hi</textarea>" in reply.text


def test_saving_the_configuration_applies_it_and_shows_the_page(signed_in: FlaskClient) -> None:
    make_function()
    other_role = make_role("other-role")
    reply = signed_in.post(f"/functions/{FUNCTION}/configuration",
                           data=settings_form(signed_in, role=other_role,
                                              handler="app.handler"))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == f"/functions/{FUNCTION}#last-update"
    config = configuration()
    assert (config["MemorySize"], config["Timeout"], config["Handler"]) == (256, 10, "app.handler")
    assert config["Role"] == other_role and config["Description"] == "edited"
    assert config["Environment"]["Variables"] == {"GREETING": "hello", "TABLE_NAME": "Items"}
    page = signed_in.get(reply.headers["Location"]).text
    assert "Saved the configuration." in page
    assert "<code>TABLE_NAME=Items</code>" in page


def test_htmx_save_answers_with_hx_location(signed_in: FlaskClient) -> None:
    make_function()
    reply = signed_in.post(f"/functions/{FUNCTION}/configuration", data=settings_form(signed_in),
                           headers={"HX-Request": "true"})
    assert reply.status_code == HTTPStatus.NO_CONTENT
    assert reply.headers["HX-Location"] == f"/functions/{FUNCTION}#last-update"


def test_bad_configuration_is_shown_beside_each_field_and_changes_nothing(
        signed_in: FlaskClient) -> None:
    make_function()
    before = configuration()
    reply = signed_in.post(f"/functions/{FUNCTION}/configuration", headers={"HX-Request": "true"},
                           data=settings_form(signed_in, role="not-an-arn", handler="nodots",
                                              memory_mb="64", timeout_s="901",
                                              environment="AWS_REGION=us-east-1",
                                              description="x" * 257))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert reply.text.lstrip().startswith('<section id="configuration-edit"')
    errors = field_errors(reply.text)
    assert errors["role"] == "Choose an execution role from the list."
    assert "module.function" in errors["handler"]
    assert errors["memory_mb"] == "Memory (MB) must be a whole number from 128 to 10240."
    assert errors["timeout_s"] == "Timeout (seconds) must be a whole number from 1 to 900."
    assert "Lambda reserves AWS_REGION" in errors["environment"]
    assert errors["description"] == "Keep the description to 256 characters or fewer."
    assert 'value="nodots"' in reply.text and 'value="64"' in reply.text
    assert ">AWS_REGION=us-east-1</textarea>" in reply.text
    assert '<option value="not-an-arn" selected>' in reply.text
    assert configuration() == before


def test_an_aws_error_on_save_is_shown_beside_the_submit_button(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    make_function()

    def conflict(function_name: str, change: functions.ConfigurationChange) -> None:
        raise AwsFailure(FAILED, aws_code="ResourceConflictException",
                         action="update the configuration",
                         aws_message="An update is in progress for resource")

    monkeypatch.setattr(functions, "update_function_configuration", conflict)
    reply = signed_in.post(f"/functions/{FUNCTION}/configuration",
                           data=settings_form(signed_in, memory_mb="512"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert reply.text.lstrip().startswith("<!doctype html>")
    assert field_errors(reply.text)["form"] == (
        "Could not update the configuration: ResourceConflictException: "
        "An update is in progress for resource")
    assert 'value="512"' in reply.text and "Traceback" not in reply.text


def test_last_update_polls_while_in_progress_and_stops_when_done(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    make_function()
    statuses = iter(["InProgress", "Successful"])
    monkeypatch.setattr(functions, "get_last_update", lambda name: functions.LastUpdate(
        next(statuses), "", "abc=", "2024-05-01T10:00:00.000+0000"))
    polling = f'hx-get="/functions/{FUNCTION}/last-update" hx-trigger="load delay:1s"'
    first = signed_in.get(f"/functions/{FUNCTION}/last-update", headers={"HX-Request": "true"})
    assert polling in first.text and "InProgress" in first.text
    second = signed_in.get(f"/functions/{FUNCTION}/last-update", headers={"HX-Request": "true"})
    assert "hx-get" not in second.text
    assert "badge-state-successful" in second.text and "<code>abc=</code>" in second.text


def test_last_update_shows_the_real_status_and_sha(signed_in: FlaskClient) -> None:
    created = make_function()
    reply = signed_in.get(f"/functions/{FUNCTION}/last-update", headers={"HX-Request": "true"})
    assert f"<code>{created['CodeSha256']}</code>" in reply.text
    assert "Successful" in reply.text


# Code: download

def test_download_streams_the_zip_from_code_location(signed_in: FlaskClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    package = one_file_zip()
    make_function(zip_bytes=package)
    asked = fetch_returns(monkeypatch, package)
    reply = signed_in.get(f"/functions/{FUNCTION}/code.zip")
    assert reply.status_code == HTTPStatus.OK
    assert reply.headers["Content-Disposition"] == f"attachment; filename={FUNCTION}.zip"
    assert reply.mimetype == "application/zip"
    assert reply.data == package and reply.headers["Content-Length"] == str(len(package))
    assert asked == [lambda_client().get_function(FunctionName=FUNCTION)["Code"]["Location"]]


def test_download_says_clearly_when_code_location_cannot_be_fetched(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    make_function()
    fetch_fails(monkeypatch)
    reply = signed_in.get(f"/functions/{FUNCTION}/code.zip")
    assert reply.status_code == HTTPStatus.BAD_GATEWAY
    assert reply.mimetype == "text/html"
    assert ("Could not download the function&#39;s code from the address Lambda returned "
            "([Errno -2] Name or service not known)") in reply.text
    assert "<h1>hello-fn</h1>" in reply.text and "Traceback" not in reply.text


def test_a_code_location_that_is_not_http_is_never_opened(app: Flask,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError):
        functions.open_location("file:///etc/passwd")
    with clients.using_region(REGION):
        make_function()
        original_get_function = clients.client("lambda").get_function

        def local_file_location(**kwargs: object) -> dict:
            reply = original_get_function(**kwargs)
            reply["Code"]["Location"] = "file:///etc/passwd"
            return reply

        monkeypatch.setattr(clients.client("lambda"), "get_function", local_file_location)
        with pytest.raises(ConsoleError) as raised:
            functions.open_code_package(FUNCTION)
    assert "(not an http(s) address)" in raised.value.message


def test_a_download_larger_than_the_limit_is_refused(app: Flask,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fetch_returns(monkeypatch, b"x" * 2048)
    with clients.using_region(REGION):
        make_function()
        with pytest.raises(ConsoleError) as raised:
            functions.read_code_package(FUNCTION, max_bytes=1024)
    assert isinstance(raised.value, TooLarge)


# Code: replace

def test_the_code_panel_shows_every_file_editable_with_the_handlers_first(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("helpers.py", "X = '<b>1</b>'\n")
        archive.writestr("lambda_function.py", HELLO)
    make_function(zip_bytes=buffer.getvalue())
    fetch_returns(monkeypatch, buffer.getvalue())
    reply = signed_in.get(f"/functions/{FUNCTION}/code", headers={"HX-Request": "true"})
    assert reply.text.lstrip().startswith('<section id="function-code"')
    labels = re.findall(r'<label for="(file-\d)" class="code-file-name">([^<]+)</label>', reply.text)
    assert labels == [("file-0", "lambda_function.py"), ("file-1", "helpers.py")]
    assert "\n" + HELLO + "</textarea>" in html.unescape(reply.text)
    assert "X = &#39;&lt;b&gt;1&lt;/b&gt;&#39;" in reply.text  # file contents are escaped
    assert '<button type="submit" class="button-primary">Deploy</button>' in reply.text
    assert 'name="code" type="file"' in reply.text


def test_the_code_panel_says_when_the_code_cannot_be_downloaded(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    make_function()
    fetch_fails(monkeypatch)
    reply = signed_in.get(f"/functions/{FUNCTION}/code", headers={"HX-Request": "true"})
    assert 'name="code" type="file"' in reply.text
    assert "<textarea" not in reply.text
    assert "The code could not be downloaded to show it here" in reply.text


def test_a_package_with_folders_is_shown_read_only_with_the_reason(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", HELLO)
        archive.writestr("lib/helpers.py", "X = 1\n")
    make_function(zip_bytes=buffer.getvalue())
    fetch_returns(monkeypatch, buffer.getvalue())
    reply = signed_in.get(f"/functions/{FUNCTION}/code", headers={"HX-Request": "true"})
    assert "<textarea" not in reply.text and ">Deploy<" not in reply.text
    assert "The package holds folders (lib/), so it is shown read-only" in reply.text
    assert '<h3><code>lib/helpers.py</code></h3>' in reply.text
    assert 'name="code" type="file"' in reply.text


def test_a_package_over_3_mb_is_not_downloaded_and_says_so_in_aws_words(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    make_function()
    asked = fetch_returns(monkeypatch, one_file_zip())
    big = dataclasses.replace(functions.get_function(FUNCTION),
                              code_size=code_editor.MAX_EDITABLE_PACKAGE_BYTES + 1)
    monkeypatch.setattr(functions, "get_function", lambda name: big)
    reply = signed_in.get(f"/functions/{FUNCTION}/code", headers={"HX-Request": "true"})
    assert ('The deployment package of your Lambda function "hello-fn" is too large to '
            "enable inline code editing. However, you can still invoke your function."
            ) in html.unescape(reply.text)
    assert "<textarea" not in reply.text and asked == []


def upload(client: FlaskClient, zip_bytes: bytes, **headers: str):  # type: ignore[no-untyped-def]
    data = {"source": "zip", "csrf_token": csrf_token(client, "/"),
            "code": (io.BytesIO(zip_bytes), "code.zip")}
    return client.post(f"/functions/{FUNCTION}/code", data=data,
                       content_type="multipart/form-data", headers=headers)


def test_uploading_a_zip_replaces_the_code_and_shows_the_new_sha(signed_in: FlaskClient) -> None:
    make_function()
    new_package = one_file_zip(HELLO.replace("hello", "bye"))
    reply = upload(signed_in, new_package)
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == f"/functions/{FUNCTION}#last-update"
    config = configuration()
    assert config["CodeSha256"] == sha256_b64(new_package)
    page = signed_in.get(reply.headers["Location"]).text
    assert f"New CodeSha256: {config['CodeSha256']}, last modified {config['LastModified']}" in page


def deploy(client: FlaskClient, files: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    data = {"source": "editor", "csrf_token": csrf_token(client, "/"),
            "path": [name for name, _ in files], "content": [text for _, text in files]}
    return client.post(f"/functions/{FUNCTION}/code", headers={"HX-Request": "true"}, data=data)


def test_deploy_replaces_the_code_with_the_edited_files(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    package = one_file_zip()
    make_function(zip_bytes=package)
    fetch_returns(monkeypatch, package)
    source = "def lambda_handler(event, context):\r\n    return 'edited'\r\n"
    reply = deploy(signed_in, [("lambda_function.py", source)])
    assert reply.status_code == HTTPStatus.NO_CONTENT
    assert reply.headers["HX-Location"] == f"/functions/{FUNCTION}#last-update"
    expected = code_editor.edited_zip(package, "lambda_function.lambda_handler", "python3.12",
                                      {"lambda_function.py": source})
    assert configuration()["CodeSha256"] == sha256_b64(expected)
    deployed = zipfile.ZipFile(io.BytesIO(expected)).read("lambda_function.py").decode()
    assert deployed == source.replace("\r\n", "\n")
    page = signed_in.get(f"/functions/{FUNCTION}").text
    assert "Deployed the code. New CodeSha256: " + configuration()["CodeSha256"] in page


def test_an_emptied_handler_file_is_refused_beside_it_and_changes_nothing(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    package = one_file_zip()
    make_function(zip_bytes=package)
    fetch_returns(monkeypatch, package)
    reply = deploy(signed_in, [("lambda_function.py", "  \n")])
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_errors(reply.text)["file-0"] == "Write the function's code."
    assert configuration()["CodeSha256"] == sha256_b64(package)


def test_deploy_refuses_a_file_the_editor_did_not_show_and_changes_nothing(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    package = one_file_zip()
    make_function(zip_bytes=package)
    fetch_returns(monkeypatch, package)
    reply = deploy(signed_in, [("lambda_function.py", HELLO), ("../evil.py", "import os\n")])
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "The package has no file ../evil.py the editor showed" in field_errors(reply.text)["form"]
    assert "../evil.py" not in reply.text.split('id="form-error"')[0].split("<form")[1]
    assert configuration()["CodeSha256"] == sha256_b64(package)


def test_a_zip_slip_upload_is_refused_beside_the_field_and_changes_nothing(
        signed_in: FlaskClient) -> None:
    make_function()
    before = configuration()["CodeSha256"]
    reply = upload(signed_in, one_file_zip(filename="../../evil.py"), **{"HX-Request": "true"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "../../evil.py, which would unpack outside the function's folder" in (
        field_errors(reply.text)["code"])
    assert configuration()["CodeSha256"] == before


def test_a_zip_over_50_mb_is_refused(signed_in: FlaskClient) -> None:
    make_function()
    before = configuration()["CodeSha256"]
    reply = upload(signed_in, b"\0" * (code_packages.MAX_ZIPPED_BYTES + 1))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_errors(reply.text)["code"] == (
        "The .zip is 50.0 MB; Lambda takes at most 50 MB uploaded directly.")
    assert configuration()["CodeSha256"] == before


def test_a_zip_over_250_mb_unzipped_is_refused(signed_in: FlaskClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Stands in for 250 MB: the check reads the sizes the archive declares, whatever the limit.
    monkeypatch.setattr(code_packages, "MAX_UNZIPPED_BYTES", 1000)
    make_function()
    before = configuration()["CodeSha256"]
    reply = upload(signed_in, one_file_zip(HELLO + "#" * 2000))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Unzipped, the package is 0.0 MB; Lambda allows at most 250 MB." == (
        field_errors(reply.text)["code"])
    assert configuration()["CodeSha256"] == before


def test_an_upload_without_a_file_asks_for_one(signed_in: FlaskClient) -> None:
    make_function()
    reply = signed_in.post(f"/functions/{FUNCTION}/code",
                           data={"source": "zip", "csrf_token": csrf_token(signed_in, "/")})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_errors(reply.text)["code"] == "Choose a .zip file to upload."


def test_an_unknown_code_source_is_refused_beside_the_upload_button(signed_in: FlaskClient) -> None:
    make_function()
    reply = signed_in.post(f"/functions/{FUNCTION}/code", headers={"HX-Request": "true"},
                           data={"source": "s3", "csrf_token": csrf_token(signed_in, "/")})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_errors(reply.text)["form"] == "Choose where the code comes from."


# Versions

def test_publish_a_version_and_see_it_listed(signed_in: FlaskClient) -> None:
    created = make_function()
    reply = signed_in.post(f"/functions/{FUNCTION}/versions", data={
        "description": "first release", "csrf_token": csrf_token(signed_in, "/")})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == f"/functions/{FUNCTION}#versions"
    assert "Published version 1." in signed_in.get(reply.headers["Location"]).text
    listed = signed_in.get(f"/functions/{FUNCTION}/versions", headers={"HX-Request": "true"}).text
    rows = re.findall(r"<tr>\s*<td><code>([^<]+)</code></td>\s*<td>([^<]*)</td>\s*"
                      r'<td><code title="([^"]+)">([^<]+)</code></td>', listed)
    sha = created["CodeSha256"]
    assert ("1", "first release", sha, sha[:12] + "…") in rows
    assert [row[0] for row in rows] == ["$LATEST", "1"]


def test_a_too_long_version_description_is_refused_and_publishes_nothing(
        signed_in: FlaskClient) -> None:
    make_function()
    reply = signed_in.post(f"/functions/{FUNCTION}/versions", headers={"HX-Request": "true"},
                           data={"description": "v" * 300, "csrf_token": csrf_token(signed_in, "/")})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert reply.text.lstrip().startswith('<section id="versions"')
    assert field_errors(reply.text)["version_description"] == (
        "Keep the description to 256 characters or fewer.")
    assert 'value="' + "v" * 300 + '"' in reply.text
    versions = lambda_client().list_versions_by_function(FunctionName=FUNCTION)["Versions"]
    assert [version["Version"] for version in versions] == ["$LATEST"]


def test_versions_load_more_by_marker(signed_in: FlaskClient,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # moto ignores MaxItems here, so the pages come from a stand-in; the marker is checked below.
    make_function()

    def version(number: int) -> functions.FunctionVersion:
        return functions.FunctionVersion(str(number), f"v{number}", "sha-" + "x" * 40, "2024-01-01")

    pages = {None: Page([version(1), version(2)], "m-2"), "m-2": Page([version(3)], None)}
    monkeypatch.setattr(functions, "list_versions", lambda name, token=None: pages[token])
    first = signed_in.get(f"/functions/{FUNCTION}/versions", headers={"HX-Request": "true"}).text
    assert first.count("<td><code>") == 2
    assert (f'hx-get="/functions/{FUNCTION}/versions?next=m-2" hx-target="closest tr"' in first)
    rest = signed_in.get(f"/functions/{FUNCTION}/versions?next=m-2",
                         headers={"HX-Request": "true"}).text
    assert rest.lstrip().startswith("<tr>") and "<td><code>3</code></td>" in rest
    assert "Load more" not in rest


def test_list_versions_passes_and_returns_the_marker(app: Flask) -> None:
    with clients.using_region(REGION), Stubber(clients.client("lambda")) as stub:
        stub.add_response("list_versions_by_function", {"Versions": [], "NextMarker": "m3"},
                          {"FunctionName": FUNCTION, "MaxItems": functions.PAGE_SIZE,
                           "Marker": "m2"})
        assert functions.list_versions(FUNCTION, "m2") == Page([], "m3")


def test_publishing_after_a_failed_update_says_so(app: Flask) -> None:
    with clients.using_region(REGION), Stubber(clients.client("lambda")) as stub:
        stub.add_response("get_function_configuration",
                          {"FunctionName": FUNCTION, "LastUpdateStatus": "Failed"},
                          {"FunctionName": FUNCTION})
        with pytest.raises(ConsoleError) as raised:
            functions.publish_version(FUNCTION, "release")
    assert raised.value.message.startswith("The function's last update is Failed, so Lambda "
                                           "cannot publish a version of it now.")


# Resource-based policy

def test_no_resource_policy_means_only_iam_identities_may_invoke(signed_in: FlaskClient) -> None:
    make_function()
    reply = signed_in.get(f"/functions/{FUNCTION}/policy", headers={"HX-Request": "true"})
    assert ("No resource-based policy: only the account's IAM identities may invoke it."
            in html.unescape(reply.text))
    assert "<table" not in reply.text


def test_policy_statements_are_tabled_with_a_sentence_each(signed_in: FlaskClient) -> None:
    make_function()
    lambda_client().add_permission(
        FunctionName=FUNCTION, StatementId="apigw-get-items", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/*/GET/items")
    lambda_client().add_permission(
        FunctionName=FUNCTION, StatementId="bucket", Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::uploads", SourceAccount=ACCOUNT)
    lambda_client().add_permission(FunctionName=FUNCTION, StatementId="partner",
                                   Action="lambda:InvokeFunction", Principal="111122223333")
    reply = signed_in.get(f"/functions/{FUNCTION}/policy", headers={"HX-Request": "true"})
    text = html.unescape(re.sub(r"\s+", " ", reply.text))
    assert "<code>apigw-get-items</code>" in text
    assert ("<span class=\"muted\">ArnLike</span> <code>AWS:SourceArn</code>: "
            f'<code class="breakable">arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/*/GET/items</code>'
            in text)
    assert "API Gateway API abc123 may invoke this function for GET /items." in text
    assert ("S3 may invoke this function when the call comes from arn:aws:s3:::uploads. "
            f"Only on behalf of AWS account {ACCOUNT}.") in text
    assert "AWS account 111122223333 may invoke this function." in text


def statement(principal: str, actions: tuple[str, ...] = ("lambda:InvokeFunction",),
              source_arn: str | None = None, effect: str = "Allow") -> PolicyStatement:
    kind, _, value = principal.partition(":")
    conditions = (Condition("ArnLike", "AWS:SourceArn", (source_arn,)),) if source_arn else ()
    return PolicyStatement("sid", effect, (Principal(kind, value),), actions, conditions)


API_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123"


@pytest.mark.parametrize(("given", "sentence"), [
    (statement("Service:apigateway.amazonaws.com", source_arn=f"{API_ARN}/prod/POST/items/*"),
     "API Gateway API abc123 may invoke this function for POST /items/* in stage prod."),
    (statement("Service:apigateway.amazonaws.com", source_arn=f"{API_ARN}/*/*/items"),
     "API Gateway API abc123 may invoke this function for any method on /items."),
    (statement("Service:apigateway.amazonaws.com", source_arn=f"{API_ARN}/*/GET/*"),
     "API Gateway API abc123 may invoke this function for GET on any path."),
    (statement("Service:apigateway.amazonaws.com", source_arn=f"{API_ARN}/*"),
     "API Gateway API abc123 may invoke this function for any method on any path."),
    (statement("Service:events.amazonaws.com"), "EventBridge may invoke this function."),
    (statement("AWS:arn:aws:iam::111122223333:root"),
     "AWS account 111122223333 may invoke this function."),
    (statement("*:*", actions=("lambda:GetFunction",)),
     "Anyone may call lambda:GetFunction on this function."),
    (statement("AWS:arn:aws:iam::111122223333:role/ci", effect="Deny"),
     "arn:aws:iam::111122223333:role/ci may not call lambda:InvokeFunction on this function."),
])
def test_each_statement_reads_as_a_sentence(app: Flask, given: PolicyStatement,
                                            sentence: str) -> None:
    with app.test_request_context():
        assert function_settings.describe_statement(given) == sentence


# API Gateway methods that call the function

def integrate(api_id: str, path_part: str, http_method: str, function_arn: str) -> None:
    gateway = boto3.client("apigateway", region_name=REGION)
    root_id = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = gateway.create_resource(restApiId=api_id, parentId=root_id, pathPart=path_part)
    gateway.put_method(restApiId=api_id, resourceId=resource["id"], httpMethod=http_method,
                       authorizationType="NONE")
    gateway.put_integration(
        restApiId=api_id, resourceId=resource["id"], httpMethod=http_method, type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations")


def test_api_gateway_methods_that_call_the_function_are_listed(signed_in: FlaskClient) -> None:
    function_arn = make_function()["FunctionArn"]
    other_arn = make_function(f"{FUNCTION}-other")["FunctionArn"]
    gateway = boto3.client("apigateway", region_name=REGION)
    items_api = gateway.create_rest_api(name="items-api")["id"]
    other_api = gateway.create_rest_api(name="other-api")["id"]
    integrate(items_api, "items", "GET", function_arn)
    integrate(items_api, "live", "POST", f"{function_arn}:live")
    integrate(other_api, "elsewhere", "GET", other_arn)
    reply = signed_in.get(f"/functions/{FUNCTION}/integrations", headers={"HX-Request": "true"})
    text = re.sub(r"\s+", " ", reply.text)
    assert reply.text.lstrip().startswith('<section id="api-integrations"')
    assert (f'<a href="/apis/{items_api}">items-api</a> <span class="muted">{items_api}</span>'
            in text)
    assert "<td><code>GET</code></td> <td><code>/items</code></td>" in text
    assert ("<td><code>POST</code></td> <td><code>/live</code></td> "
            "<td><code>live</code></td> <td><code>AWS_PROXY</code></td>") in text
    assert "/elsewhere" not in text and "other-api" not in text
    assert "Looked through all 2 REST APIs in this region." in text


def test_one_api_looked_through_reads_in_the_singular(signed_in: FlaskClient) -> None:
    make_function()
    boto3.client("apigateway", region_name=REGION).create_rest_api(name="only-api")
    reply = signed_in.get(f"/functions/{FUNCTION}/integrations", headers={"HX-Request": "true"})
    assert "Looked through the 1 REST API in this region." in reply.text


def test_the_api_scan_says_when_it_stopped_early(signed_in: FlaskClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lambda_integrations, "MAX_APIS_SCANNED", 2)
    make_function()
    gateway = boto3.client("apigateway", region_name=REGION)
    for number in range(3):
        gateway.create_rest_api(name=f"api-{number}")
    reply = signed_in.get(f"/functions/{FUNCTION}/integrations", headers={"HX-Request": "true"})
    assert "Looked through the first 2 REST APIs only; there are more." in reply.text


@pytest.mark.parametrize(("uri_target", "qualifier"), [
    (f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}", ""),
    (f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}:7", "7"),
    (f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}:${{stageVariables.alias}}",
     "${stageVariables.alias}"),
    (f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}-other", None),
    (f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other", None),
])
def test_an_integration_uri_names_the_function_and_its_qualifier(uri_target: str,
                                                                 qualifier: str | None) -> None:
    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
    uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{uri_target}/invocations"
    assert lambda_integrations.lambda_qualifier(uri, function_arn) == qualifier
    assert lambda_integrations.lambda_qualifier("https://example.com/items", function_arn) is None
