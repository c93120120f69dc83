"""Hostile API definitions for ImportRestApi and PutRestApi: AWS's 400s, never a 500 or a blowup.

AWS's API reference (ImportRestApi and PutRestApi, `body`): "Currently, only OpenAPI definition
JSON/YAML files are supported. The maximum size of the API definition file is 6MB." A body it
cannot read is 400 BadRequestException "Invalid OpenAPI input." (developer guide, "Errors and
warnings from importing your API into API Gateway"); an API has at most 300 resources ("Quotas
for configuring and running a REST API in API Gateway": "Resources per API 300"). The sandbox
expands YAML aliases only within those 6 MB, keeps YAML's unquoted dates as the text a JSON
reader would see, and refuses nesting deeper than its readers go.
"""
import json
from typing import Any

import pytest

from tests.conformance.refusals import refusal
from tests.sandbox.lambda_support import unique
from tests.sandbox.processes import ClientFactory, health

INVALID_INPUT = "Invalid OpenAPI input."
TOO_LARGE = ("Invalid OpenAPI input: the API definition is over 6 MB once its YAML aliases are "
             "expanded, more than API Gateway imports (the maximum size of the API definition "
             "file is 6MB).")
TOO_MANY_RESOURCES = ("Maximum number of Resources for this API has been reached.  Please "
                      "contact AWS if you need additional Resources.")
# Each level of the bomb repeats the one below ten times: 10**levels schemas once expanded.
BOMB_LEVELS = 6
DEEP = 5000


@pytest.fixture
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


def api_names(apigateway: Any) -> set[str]:
    return {api["name"] for api in apigateway.get_rest_apis(limit=500)["items"]}


def alias_bomb(title: str) -> bytes:
    """A few hundred bytes of YAML whose one model expands to a million schemas (~40 MB)."""
    lines = ["x-s0: &s0 {type: object, properties: {a: {type: string}, b: {type: string}}}"]
    for level in range(1, BOMB_LEVELS + 1):
        repeats = ", ".join(f"p{each}: *s{level - 1}" for each in range(10))
        lines.append(f"x-s{level}: &s{level} {{type: object, properties: {{{repeats}}}}}")
    lines += ['openapi: "3.0.1"', f"info: {{title: {title}}}", "paths: {}",
              f"components: {{schemas: {{Bomb: *s{BOMB_LEVELS}}}}}"]
    return "\n".join(lines).encode()


def test_a_yaml_alias_bomb_is_refused_within_6_mb(apigateway: Any, sandbox_url: str) -> None:
    """A definition is at most 6 MB (API reference, ImportRestApi `body`); aliases expanding past
    that are refused as one that large would be, and nothing is made."""
    title = unique("bomb")
    assert refusal(apigateway.import_rest_api, body=alias_bomb(title)) == \
        (400, "BadRequestException", TOO_LARGE)
    assert title not in api_names(apigateway)
    assert health(sandbox_url) is not None


def test_a_definition_over_6_mb_is_refused(apigateway: Any) -> None:
    """API reference, ImportRestApi `body`: "The maximum size of the API definition file is
    6MB"."""
    document = {"openapi": "3.0.1", "info": {"title": unique("big"),
                                             "description": "x" * (6 * 1024 * 1024)},
                "paths": {}}
    assert refusal(apigateway.import_rest_api, body=json.dumps(document).encode()) == \
        (400, "BadRequestException", TOO_LARGE)


@pytest.mark.parametrize("body", [
    ('{"openapi": "3.0.1", "info": {"title": "deep"}, "paths": {}, "components": '
     '{"schemas": {"A": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}}}").encode(),
    ("openapi: 3.0.1\ninfo: {title: deep}\npaths: {}\ncomponents: {schemas: {A: "
     + "[" * DEEP + "]" * DEEP + "}}").encode(),
    ("openapi: 3.0.1\ninfo: {title: deep}\npaths: {}\ncomponents: {schemas: {A: "
     + "{a: " * 300 + "1" + "}" * 300 + "}}").encode(),
], ids=["json", "yaml-lists", "yaml-maps"])
def test_a_definition_nested_thousands_deep_is_invalid_input(apigateway: Any,
                                                             body: bytes) -> None:
    """A body API Gateway cannot read is 400 BadRequestException "Invalid OpenAPI input."
    (developer guide, "Errors during import"); the sandbox answered 500."""
    assert refusal(apigateway.import_rest_api, body=body) == \
        (400, "BadRequestException", INVALID_INPUT)


def test_an_unquoted_yaml_date_stays_text(apigateway: Any) -> None:
    """OpenAPI's values are JSON's: a mapping template written as a date is that text. The
    sandbox kept a Python date in the integration, and GetResources answered 500 from then
    on."""
    body = (f"openapi: 3.0.1\ninfo: {{title: {unique('dates')}, version: 2024-01-01}}\n"
            "paths: {/a: {get: {operationId: 2024-01-01, x-amazon-apigateway-integration: "
            "{type: mock, requestTemplates: {application/json: 2024-01-01}}}}}")
    api_id = apigateway.import_rest_api(body=body.encode())["id"]
    resources = apigateway.get_resources(restApiId=api_id, embed=["methods"])["items"]
    method = next(item for item in resources if item["path"] == "/a")["resourceMethods"]["GET"]
    assert method["operationName"] == "2024-01-01"
    assert method["methodIntegration"]["requestTemplates"] == {"application/json": "2024-01-01"}
    assert apigateway.get_rest_api(restApiId=api_id)["version"] == "2024-01-01"


def test_a_yaml_value_json_has_not_is_invalid_input(apigateway: Any) -> None:
    """YAML's binary (and sets, explicit timestamps) are no OpenAPI value: "Invalid OpenAPI
    input."."""
    body = (f"openapi: 3.0.1\ninfo: {{title: {unique('binary')}}}\n"
            "paths: {/a: {get: {operationId: !!binary aGVsbG8=}}}")
    assert refusal(apigateway.import_rest_api, body=body.encode()) == \
        (400, "BadRequestException", INVALID_INPUT)


@pytest.mark.parametrize("paths", [
    {f"/r{each}": {"get": {}} for each in range(300)},
    {"/" + "/".join(["a"] * 3000): {"get": {}}},
], ids=["wide", "deep"])
def test_more_than_300_resources_are_refused(apigateway: Any, paths: dict[str, Any]) -> None:
    """"Resources per API: 300" (REST API quotas; the root is one): 429 LimitExceededException,
    as AWS answers ImportRestApi (boto/boto3#1296). The sandbox built a 3,000 deep API whose
    GetResources then answered 500."""
    title = unique("resources")
    document = {"openapi": "3.0.1", "info": {"title": title}, "paths": paths}
    assert refusal(apigateway.import_rest_api, body=json.dumps(document).encode()) == \
        (429, "LimitExceededException", TOO_MANY_RESOURCES)
    assert title not in api_names(apigateway)


def test_299_resources_under_the_root_import(apigateway: Any) -> None:
    """The quota's edge: the root and 299 resources, one path 299 deep, import and list."""
    document = {"openapi": "3.0.1", "info": {"title": unique("edge")},
                "paths": {"/" + "/".join(["a"] * 299): {"get": {}}}}
    api_id = apigateway.import_rest_api(body=json.dumps(document).encode())["id"]
    assert len(apigateway.get_resources(restApiId=api_id, limit=500)["items"]) == 300
