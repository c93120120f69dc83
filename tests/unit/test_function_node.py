"""Node.js functions in the console: the create form's runtimes and templates, the code editor's
handler file, and what the function page says runs them (the sandbox's answers stubbed)."""
from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from http import HTTPStatus

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws
from moto.awslambda.models import lambda_backends

from webapp import create_app
from webapp.aws.functions import code_editor, code_packages, lambda_functions as functions
from webapp.aws.functions import runtime_info, runtimes
from webapp.aws.functions.runtime_info import EffectiveRuntime

from tests.helpers import PASSWORD, csrf_token, injected, load_only_managed_policies

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
NODE_HELLO = "export const handler = async (event) => ({ statusCode: 200, body: 'hi' });\n"
NOT_INSTALLED = ("The sandbox cannot run runtime nodejs22.x: Node.js is not installed on this "
                 "machine (no `node` on the sandbox's PATH).")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    load_only_managed_policies(monkeypatch, ("AWSLambdaBasicExecutionRole",))
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                          "CONSOLE_PASSWORD": PASSWORD})


def form(client: FlaskClient, **fields: object) -> dict[str, object]:
    values: dict[str, object] = {
        "function_name": "node-fn", "runtime": "nodejs22.x", "handler": "index.handler",
        "role": "__new_basic_role__", "memory_mb": "128", "timeout_s": "3", "environment": "",
        "code_source": "template", "template": "hello-nodejs",
        "csrf_token": csrf_token(client, "/functions/new"),
    }
    values.update(fields)
    return values


def field_errors(page: str) -> dict[str, str]:
    return {name: html.unescape(text) for name, text
            in re.findall(r'<p id="([\w-]+)-error" class="field-error">([^<]*)<', page)}


def selected(page: str, select_id: str) -> str:
    select = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert select is not None
    chosen = re.findall(r'<option value="([^"]+)" selected', select.group())
    assert len(chosen) == 1
    return chosen[0]


def options(page: str, select_id: str) -> list[str]:
    select = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]+)"', select.group())


def packaged(function_name: str = "node-fn") -> dict[str, bytes]:
    """The function's deployed files, read from moto's backend (its Code.Location is not served)."""
    function = lambda_backends[ACCOUNT][REGION].get_function(function_name)
    archive = zipfile.ZipFile(io.BytesIO(function.code_bytes))
    return {name: archive.read(name) for name in archive.namelist()}


def stub_sandbox(monkeypatch: pytest.MonkeyPatch, answer: EffectiveRuntime | None) -> None:
    """The sandbox's answer about runtimes and functions, as runtime_info would read it."""
    monkeypatch.setattr(runtime_info, "runtime_support", lambda runtime: answer)
    monkeypatch.setattr(runtime_info, "effective_runtime", lambda function_name: answer)


def test_the_runtimes_are_grouped_node_first_as_aws_lists_them(signed_in: FlaskClient) -> None:
    page = signed_in.get("/functions/new").text
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>',
                        re.search(r'<select id="runtime".*?</select>', page, re.S).group(), re.S)
    assert [(label, re.findall(r'value="([^"]+)"', body)) for label, body in groups] == [
        ("Node.js", ["nodejs22.x", "nodejs20.x", "nodejs18.x"]),
        ("Python", ["python3.13", "python3.12", "python3.11", "python3.10", "python3.9"])]
    assert selected(page, "runtime") == "python3.12"
    assert options(page, "template") == ["hello", "items"]


def test_choosing_node_suits_the_form_to_it_and_keeps_the_rest(signed_in: FlaskClient) -> None:
    data = form(signed_in, handler="lambda_function.lambda_handler", template="items",
                environment="TABLE_NAME=Items", memory_mb="256")
    reply = signed_in.post("/functions/new/runtime", data=data, headers={"HX-Request": "true"})
    assert reply.status_code == HTTPStatus.OK
    page = reply.text
    assert page.lstrip().startswith('<form id="create-function"')
    assert 'id="handler" name="handler" value="index.handler"' in page
    assert options(page, "template") == ["hello-nodejs", "items-nodejs"]
    assert selected(page, "template") == "items-nodejs"
    assert '<label for="inline_source">index.mjs</label>' in page
    assert 'value="node-fn"' in page and "TABLE_NAME=Items" in page and 'value="256"' in page
    assert boto3.client("lambda", region_name=REGION).list_functions()["Functions"] == []
    back = signed_in.post("/functions/new/runtime", data=form(signed_in, runtime="python3.12",
                                                              template="items-nodejs"))
    assert 'value="lambda_function.lambda_handler"' in back.text
    assert selected(back.text, "template") == "items"
    assert '<label for="inline_source">lambda_function.py</label>' in back.text


def test_a_handler_the_user_wrote_is_kept_when_the_runtime_changes(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/functions/new/runtime", data=form(signed_in, handler="app.main"))
    assert 'id="handler" name="handler" value="app.main"' in reply.text


def test_create_from_each_node_template(signed_in: FlaskClient) -> None:
    for template, entry in (("hello-nodejs", "index.js"), ("items-nodejs", "index.mjs")):
        name = f"{template}-fn"
        reply = signed_in.post("/functions/", data=form(signed_in, function_name=name,
                                                        template=template))
        assert reply.status_code == HTTPStatus.SEE_OTHER, field_errors(reply.text)
        config = boto3.client("lambda", region_name=REGION).get_function_configuration(
            FunctionName=name)
        assert (config["Runtime"], config["Handler"]) == ("nodejs22.x", "index.handler")
        assert list(packaged(name)) == [entry]


def test_a_python_template_on_a_node_runtime_is_refused_beside_it(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/functions/", data=form(signed_in, template="items",
                                                    environment="TABLE_NAME=Items"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_errors(reply.text) == {"template": (
        "items is Python code, which cannot run on nodejs22.x: choose a Node.js template, or a "
        "Python runtime.")}
    assert selected(reply.text, "template") == "items" and selected(reply.text, "runtime") == "nodejs22.x"
    assert "TABLE_NAME=Items" in reply.text
    assert boto3.client("lambda", region_name=REGION).list_functions()["Functions"] == []
    assert boto3.client("iam").list_roles()["Roles"] == []


def test_a_node_template_with_a_python_handler_names_its_handler(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/functions/", data=form(signed_in, handler="lambda_function.lambda_handler"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_errors(reply.text) == {"handler": (
        "The hello-nodejs template's handler is index.handler: its code is in index.js.")}


def test_inline_node_code_is_index_mjs(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/functions/", data=form(signed_in, code_source="inline",
                                                    inline_source=NODE_HELLO))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert packaged() == {"index.mjs": NODE_HELLO.encode()}


def test_a_zip_upload_works_for_node(signed_in: FlaskClient) -> None:
    data = form(signed_in, code_source="zip", handler="app.handler")
    data["code"] = (io.BytesIO(code_packages.inline_zip(NODE_HELLO, "app.cjs")), "code.zip")
    reply = signed_in.post("/functions/", data=data, content_type="multipart/form-data")
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert list(packaged()) == ["app.cjs"]


def test_the_create_form_says_what_runs_the_chosen_runtime(signed_in: FlaskClient,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    stub_sandbox(monkeypatch, EffectiveRuntime("nodejs22.x", "Node.js v20.20.2", True, ""))
    page = signed_in.post("/functions/new/runtime", data=form(signed_in)).text
    assert "nodejs22.x requested, runs on Node.js v20.20.2 in the sandbox." in page
    assert "apt-get install nodejs" not in page


def test_without_node_the_create_form_says_how_to_install_it(signed_in: FlaskClient,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    stub_sandbox(monkeypatch, EffectiveRuntime("nodejs22.x", "", False, NOT_INSTALLED))
    page = signed_in.post("/functions/new/runtime", data=form(signed_in)).text
    note = re.search(r'<div class="field-error" role="alert" id="runtime-unavailable">(.*?)</div>',
                     page, re.S)
    assert note is not None
    assert "Install it with apt-get install nodejs, then restart the console" in note.group(1)
    assert NOT_INSTALLED in html.unescape(note.group(1))
    stub_sandbox(monkeypatch, EffectiveRuntime("python3.12", "Python 3.11.7", True, ""))
    reply = signed_in.post("/functions/", data=form(
        signed_in, runtime="python3.12", handler="lambda_function.lambda_handler", template="hello"))
    assert reply.status_code == HTTPStatus.SEE_OTHER


def test_the_function_page_says_which_node_runs_it(signed_in: FlaskClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in.post("/functions/", data=form(signed_in))
    stub_sandbox(monkeypatch, EffectiveRuntime("nodejs22.x", "Node.js v20.20.2", True, ""))
    page = signed_in.get("/functions/node-fn").text
    assert "nodejs22.x requested, runs on Node.js v20.20.2: the sandbox runs every Node.js" in page
    stub_sandbox(monkeypatch, EffectiveRuntime("nodejs22.x", "", False, NOT_INSTALLED))
    page = signed_in.get("/functions/node-fn").text
    assert "The sandbox cannot run this function" in page
    assert "Install it with apt-get install nodejs, then restart the console." in page


@pytest.mark.parametrize(("names", "first"), [
    (["helpers.js", "index.mjs"], "index.mjs"),
    (["index.cjs", "a.js"], "index.cjs"),
    # Both there: AWS's runtime tries index.js before index.mjs.
    (["index.mjs", "index.js"], "index.js"),
])
def test_the_editor_shows_a_node_handlers_file_first(names: list[str], first: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "export const handler = () => 1;\n")
    package = code_editor.read_package(buffer.getvalue(), "index.handler", "nodejs20.x")
    assert package.files[0].name == first and package.is_editable


@pytest.mark.parametrize(("handler", "candidates"), [
    ("index.handler", ["index.js", "index.mjs", "index.cjs"]),
    ("src/app.handler", ["src/app.js", "src/app.mjs", "src/app.cjs"]),
    # Node reads the module up to the first dot of the last segment; Python every dot but the last.
    ("index.nested.handler", ["index.js", "index.mjs", "index.cjs"]),
])
def test_node_handler_files_are_found_as_aws_finds_them(handler: str, candidates: list[str]) -> None:
    assert runtimes.NODE.handler_candidates(handler) == candidates
    assert code_editor.handler_file(handler, "nodejs18.x", ["x.js", candidates[-1]]) == candidates[-1]
    assert runtimes.PYTHON.handler_candidates("app.main.handler") == ["app/main.py"]


def test_deploy_writes_an_edited_node_file_and_refuses_an_emptied_handler_file(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in.post("/functions/", data=form(signed_in, code_source="inline", inline_source=NODE_HELLO))
    original = packaged()["index.mjs"]
    # Code.Location is served from moto's backend, as S3 would serve it on AWS.
    monkeypatch.setattr(functions, "open_location", lambda url: (
        io.BytesIO(lambda_backends[ACCOUNT][REGION].get_function("node-fn").code_bytes), None))
    data = {"source": "editor", "csrf_token": csrf_token(signed_in, "/"), "path": ["index.mjs"],
            "content": ["   \r\n"]}
    refused = signed_in.post("/functions/node-fn/code", headers={"HX-Request": "true"}, data=data)
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_errors(refused.text)["file-0"] == "Write the function's code."
    assert packaged()["index.mjs"] == original
    edited = NODE_HELLO.replace("'hi'", "'edited'")
    data["content"] = [edited.replace("\n", "\r\n")]
    reply = signed_in.post("/functions/node-fn/code", headers={"HX-Request": "true"}, data=data)
    assert reply.status_code == HTTPStatus.NO_CONTENT
    assert packaged()["index.mjs"] == edited.encode()
