"""Saved test events: per function, named, kept across restarts, with templates to start from."""
from __future__ import annotations

import json
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from webapp import create_app
from webapp.aws import clients
from webapp.aws.functions.code_packages import template_zip
from webapp.views.functions.saved_events import MAX_EVENTS_PER_FUNCTION, TestEventStore

from tests.helpers import PASSWORD, csrf_token, injected

REGION = "ap-northeast-2"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    with mock_aws():
        app = create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD,
                          "CONSOLE_TEST_EVENTS_FILE": str(tmp_path / "events.json")})
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]
        with clients.using_region(REGION):
            for name in ("fn", "other"):
                boto3.client("lambda", region_name=REGION).create_function(
                    FunctionName=name, Runtime="python3.12", Role=role["Arn"],
                    Handler="lambda_function.lambda_handler", Code={"ZipFile": template_zip("hello")})
        yield app


def post(client: FlaskClient, path: str, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={**fields, "csrf_token": csrf_token(client, "/functions/fn")},
                       headers={"HX-Request": "true"})


def test_store_keeps_events_per_function_and_survives_a_new_store(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    TestEventStore(path).save("arn:fn", "b", '{"b": 1}')
    TestEventStore(path).save("arn:fn", "a", '{"a": 1}')
    TestEventStore(path).save("arn:other", "a", "{}")
    assert TestEventStore(path).list("arn:fn") == {"a": '{"a": 1}', "b": '{"b": 1}'}
    assert TestEventStore(path).delete("arn:fn", "a") is True
    assert TestEventStore(path).delete("arn:fn", "a") is False
    assert TestEventStore(path).list("arn:fn") == {"b": '{"b": 1}'}
    assert TestEventStore(path).list("arn:other") == {"a": "{}"}


def test_save_load_and_delete_an_event(signed_in: FlaskClient) -> None:
    reply = post(signed_in, "/functions/fn/events", event_name="list-items", event='{"x": 1}')
    assert reply.status_code == HTTPStatus.OK
    assert "Saved the event list-items." in reply.text
    page = signed_in.get("/functions/fn").text
    assert '<option value="saved:list-items"' in page
    assert "saved:list-items" not in signed_in.get("/functions/other").text

    loaded = signed_in.get("/functions/fn/events/load?choice=saved:list-items",
                           headers={"HX-Request": "true"}).text
    assert loaded.lstrip().startswith('<section id="invoke-panel"')
    assert '{&#34;x&#34;: 1}</textarea>' in loaded
    assert 'value="list-items"' in loaded and "Delete saved event" in loaded

    reply = post(signed_in, "/functions/fn/events/delete", event_name="list-items", event='{"x": 1}')
    assert "Deleted the saved event list-items." in reply.text
    assert '{&#34;x&#34;: 1}</textarea>' in reply.text
    assert "saved:list-items" not in signed_in.get("/functions/fn").text


def test_templates_load_into_the_editor(signed_in: FlaskClient) -> None:
    page = signed_in.get("/functions/fn/events/load?choice=template:apigateway-proxy").text
    assert "&#34;httpMethod&#34;: &#34;GET&#34;" in page and "&#34;resource&#34;: &#34;/items/{id}&#34;" in page
    page = signed_in.get("/functions/fn/events/load?choice=template:dynamodb-stream").text
    assert "aws:dynamodb" in page and "NewImage" in page
    assert "Choose a saved event or a template." in signed_in.get(
        "/functions/fn/events/load?choice=template:nope").text


@pytest.mark.parametrize(("fields", "message"), [
    ({"event_name": "", "event": "{}"}, "Name the event with 1 to 25"),
    ({"event_name": "has space", "event": "{}"}, "Name the event with 1 to 25"),
    ({"event_name": "x" * 26, "event": "{}"}, "Name the event with 1 to 25"),
    ({"event_name": "ok", "event": "{nope"}, "The event is not valid JSON"),
])
def test_bad_events_are_refused_and_kept(signed_in: FlaskClient, fields: dict[str, str],
                                         message: str) -> None:
    reply = post(signed_in, "/functions/fn/events", **fields)
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in reply.text
    assert "saved:" not in signed_in.get("/functions/fn").text


def test_a_function_keeps_a_bounded_number_of_events(signed_in: FlaskClient) -> None:
    for number in range(MAX_EVENTS_PER_FUNCTION):
        post(signed_in, "/functions/fn/events", event_name=f"e{number}", event="{}")
    reply = post(signed_in, "/functions/fn/events", event_name="one-more", event="{}")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "at most 10 saved events" in reply.text
    assert post(signed_in, "/functions/fn/events", event_name="e0", event='{"again": 1}').status_code == 200


def test_the_file_holds_plain_json(signed_in: FlaskClient, app: Flask) -> None:
    post(signed_in, "/functions/fn/events", event_name="hello", event='{"name": "Kim"}')
    saved = json.loads(Path(app.config["SETTINGS"].test_events_file).read_text())
    assert saved == {f"arn:aws:lambda:{REGION}:123456789012:function:fn": {"hello": '{"name": "Kim"}'}}
