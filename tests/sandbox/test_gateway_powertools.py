"""A handler written with aws-lambda-powertools' APIGatewayRestResolver works behind a stage.

Powertools reads the proxy event 1.0 with its own typed event, so it checks the event's shape
independently of the sandbox's tests. The package is zipped from this virtualenv's site-packages
(requirements-dev.txt pins it) with its two dependencies.
"""
import importlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from .lambda_support import create_role, lambda_client, unique
from .processes import ClientFactory
from .test_gateway_stage import STAGE, allow_gateway, call, execute_arn, make_api, stage_url

APP = """\
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

app = APIGatewayRestResolver()
ITEMS = {"1": {"id": "1", "name": "first"}}


@app.get("/items/<item_id>")
def get_item(item_id: str) -> dict:
    if item_id not in ITEMS:
        raise NotFoundError(f"no item {item_id}")
    item = dict(ITEMS[item_id])
    item["verbose"] = app.current_event.query_string_parameters.get("verbose")
    item["stage"] = app.current_event.request_context.stage
    return item


@app.post("/items")
def create_item() -> Response:
    body = app.current_event.json_body
    ITEMS[body["id"]] = body
    return Response(status_code=201, content_type="application/json", body=json.dumps(body))


def handler(event, context):
    return app.resolve(event, context)
"""
BUNDLED = ("aws_lambda_powertools", "typing_extensions", "jmespath")


def powertools_package() -> bytes:
    """app.py plus powertools and its dependencies, as a deployment package."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("app.py", "import json\n" + APP)
        for name in BUNDLED:
            location = Path(importlib.import_module(name).__file__ or "")
            if location.name == "__init__.py":
                root = location.parent
                for path in root.rglob("*.py"):
                    archive.write(path, str(path.relative_to(root.parent)))
            else:
                archive.write(location, location.name)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def resolver_api(sandbox_url: str, aws_client: ClientFactory) -> str:
    lambda_api = lambda_client(sandbox_url)
    name = unique("powertools")
    arn = lambda_api.create_function(
        FunctionName=name, Runtime="python3.12", Role=create_role(aws_client("iam")),
        Handler="app.handler", Code={"ZipFile": powertools_package()}, Timeout=30,
    )["FunctionArn"]
    apigateway = aws_client("apigateway")
    made = make_api(apigateway, arn, [("/items", "POST"), ("/items/{id}", "GET")])
    allow_gateway(lambda_api, name, execute_arn(made.api_id))
    apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)
    return made.api_id


def test_resolver_routes_reads_query_and_answers(sandbox_url: str, resolver_api: str) -> None:
    reply = call(stage_url(sandbox_url, resolver_api, "/items/1?verbose=yes"))
    assert reply.status == 200, reply.body
    assert json.loads(reply.body) == {"id": "1", "name": "first", "verbose": "yes",
                                      "stage": STAGE}
    created = call(stage_url(sandbox_url, resolver_api, "/items"), method="POST",
                   body=b'{"id": "2", "name": "second"}',
                   headers=[("Content-Type", "application/json")])
    assert created.status == 201
    assert json.loads(call(stage_url(sandbox_url, resolver_api, "/items/2")).body)["name"] == \
        "second"


def test_resolver_not_found_passes_through(sandbox_url: str, resolver_api: str) -> None:
    reply = call(stage_url(sandbox_url, resolver_api, "/items/404"))
    assert reply.status == 404
    assert json.loads(reply.body) == {"statusCode": 404, "message": "no item 404"}

