"""API Gateway: ImportRestApi and PutRestApi with OpenAPI 3.0 and Swagger 2.0, and documentation.

AWS documents the import in the API reference (ImportRestApi: 201 and the RestApi, `warnings`
among its fields; PutRestApi: 200, `mode` merge or overwrite) and the developer guide ("Develop
REST APIs using OpenAPI in API Gateway", "OpenAPI extensions to API Gateway", "Errors and
warnings from importing your API into API Gateway"); documentation parts and versions in the API
reference (CreateDocumentationPart ... DeleteDocumentationVersion, DocumentationPartLocation) and
"Document an API using the API Gateway REST API". Each case quotes the answer it checks; the
sandbox is reached only over boto3 and HTTP.
"""
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conformance.refusals import refusal
from tests.sandbox.lambda_support import unique
from tests.sandbox.processes import (REGION, ClientFactory, SandboxLauncher, clean_env,
                                     free_port, stop, wait_until_healthy)
from tests.sandbox.test_gateway_stage import call, stage_url

STAGE = "prod"
INVALID_INPUT = "Invalid OpenAPI input."
MOCK_OK = {"application/json": '{"statusCode": 200}'}
PET_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}}


def mock_integration(body: str, **extra: Any) -> dict[str, Any]:
    """A MOCK integration answering 200 with `body`, as x-amazon-apigateway-integration."""
    return {"type": "mock", "requestTemplates": MOCK_OK, "passthroughBehavior": "when_no_match",
            "responses": {"default": {"statusCode": "200",
                                      "responseTemplates": {"application/json": body}}},
            **extra}


def openapi3(title: str) -> dict[str, Any]:
    """An OpenAPI 3.0 pet store: models, parameters, security, MOCK integrations."""
    return {
        "openapi": "3.0.1",
        "info": {"title": title, "description": "Pets", "version": "2024-01-01"},
        "components": {
            "schemas": {"Pet": PET_SCHEMA,
                        "Pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}},
            "securitySchemes": {
                "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
                          "x-amazon-apigateway-authtype": "awsSigv4"},
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}},
        "paths": {
            "/pets": {
                "get": {
                    "operationId": "ListPets",
                    "parameters": [{"name": "page", "in": "query"},
                                   {"name": "X-Trace", "in": "header", "required": True}],
                    "responses": {"200": {
                        "description": "pets",
                        "headers": {"X-Count": {"schema": {"type": "integer"}}},
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Pets"}}}}},
                    "x-amazon-apigateway-integration": mock_integration('[{"name":"rex"}]'),
                },
                "post": {
                    "security": [{"sigv4": []}],
                    "requestBody": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Pet"}}}},
                    "responses": {"201": {"description": "made"}},
                    "x-amazon-apigateway-integration": {
                        "type": "aws", "httpMethod": "POST",
                        "uri": "arn:aws:apigateway:ap-northeast-2:dynamodb:action/PutItem",
                        "credentials": "arn:aws:iam::123456789012:role/apigw",
                        "requestTemplates": {"application/json": "{}"},
                        "responses": {
                            "default": {"statusCode": "201"},
                            "4\\d{2}": {"statusCode": "400",
                                        "responseParameters": {
                                            "method.response.header.X-Why": "'bad'"}}}},
                },
            },
            "/pets/{petId}": {
                "parameters": [{"name": "petId", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "get": {
                    "security": [{"api_key": []}],
                    "responses": {"200": {"description": "a pet"}},
                    "x-amazon-apigateway-integration": mock_integration('{"name":"rex"}'),
                },
            },
        },
    }


def swagger2(title: str) -> dict[str, Any]:
    """A Swagger 2.0 document with a body parameter and a response schema."""
    return {
        "swagger": "2.0",
        "info": {"title": title, "version": "1"},
        "produces": ["application/json"],
        "definitions": {"Pet": PET_SCHEMA},
        "paths": {"/pets": {"post": {
            "consumes": ["application/json"],
            "parameters": [{"in": "body", "name": "pet", "schema": {"$ref": "#/definitions/Pet"}}],
            "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}},
            "x-amazon-apigateway-integration": mock_integration('{"made":true}'),
        }}},
    }


@pytest.fixture(scope="module")
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


def resources_by_path(apigateway: Any, api_id: str) -> dict[str, dict[str, Any]]:
    items = apigateway.get_resources(restApiId=api_id, embed=["methods"], limit=500)["items"]
    return {item["path"]: item for item in items}


def api_names(apigateway: Any) -> list[str]:
    return [api["name"] for api in apigateway.get_rest_apis(limit=500)["items"]]


# 1. ImportRestApi. API reference: "If the action is successful, the service sends back an HTTP
# 201 response" with the RestApi (id, name, description, version, rootResourceId, ...). The
# developer guide's "OpenAPI extensions" say x-amazon-apigateway-integration gives the method's
# integration (type, uri, httpMethod, credentials, requestTemplates, passthroughBehavior) and
# its `responses` the integration responses, keyed by selection pattern ("default": none).

def test_import_of_openapi3_answers_201_with_the_rest_api(apigateway: Any) -> None:
    title = unique("pets")
    answer = apigateway.import_rest_api(body=json.dumps(openapi3(title)))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (answer["name"], answer["description"], answer["version"]) == \
        (title, "Pets", "2024-01-01")
    assert "warnings" not in answer
    assert apigateway.get_rest_api(restApiId=answer["id"])["name"] == title


def test_import_builds_resources_methods_and_their_settings(apigateway: Any) -> None:
    api_id = apigateway.import_rest_api(body=json.dumps(openapi3(unique("pets"))))["id"]
    resources = resources_by_path(apigateway, api_id)
    assert set(resources) == {"/", "/pets", "/pets/{petId}"}
    listing = resources["/pets"]["resourceMethods"]["GET"]
    assert listing["authorizationType"] == "NONE"
    assert listing["operationName"] == "ListPets"
    assert listing["requestParameters"] == {"method.request.querystring.page": False,
                                            "method.request.header.X-Trace": True}
    assert listing["methodResponses"]["200"] == {
        "statusCode": "200", "responseParameters": {"method.response.header.X-Count": False},
        "responseModels": {"application/json": "Pets"}}
    making = resources["/pets"]["resourceMethods"]["POST"]
    assert making["authorizationType"] == "AWS_IAM"
    assert making["requestModels"] == {"application/json": "Pet"}
    reading = resources["/pets/{petId}"]["resourceMethods"]["GET"]
    assert reading["apiKeyRequired"] is True
    assert reading["requestParameters"] == {"method.request.path.petId": True}


def test_import_builds_integrations_and_integration_responses(apigateway: Any) -> None:
    api_id = apigateway.import_rest_api(body=json.dumps(openapi3(unique("pets"))))["id"]
    pets = resources_by_path(apigateway, api_id)["/pets"]["id"]
    integration = apigateway.get_integration(restApiId=api_id, resourceId=pets,
                                             httpMethod="POST")
    assert (integration["type"], integration["httpMethod"], integration["uri"],
            integration["credentials"]) == (
        "AWS", "POST", "arn:aws:apigateway:ap-northeast-2:dynamodb:action/PutItem",
        "arn:aws:iam::123456789012:role/apigw")
    assert "selectionPattern" not in integration["integrationResponses"]["201"]
    assert integration["integrationResponses"]["400"]["selectionPattern"] == "4\\d{2}"
    assert integration["integrationResponses"]["400"]["responseParameters"] == {
        "method.response.header.X-Why": "'bad'"}
    mock = apigateway.get_integration(restApiId=api_id, resourceId=pets, httpMethod="GET")
    assert (mock["type"], mock["passthroughBehavior"], mock["requestTemplates"]) == \
        ("MOCK", "WHEN_NO_MATCH", MOCK_OK)


def test_import_makes_models_of_the_schemas(apigateway: Any) -> None:
    """AWS keeps a model's references to other models as their model URLs
    (https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}), as GetModel shows."""
    api_id = apigateway.import_rest_api(body=json.dumps(openapi3(unique("pets"))))["id"]
    models = {model["name"]: model for model in apigateway.get_models(restApiId=api_id)["items"]}
    assert set(models) == {"Pet", "Pets"}
    assert models["Pets"]["contentType"] == "application/json"
    assert json.loads(models["Pets"]["schema"])["items"] == {
        "$ref": f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Pet"}


def test_an_imported_mock_api_answers_on_its_stage(sandbox_url: str, apigateway: Any) -> None:
    api_id = apigateway.import_rest_api(body=json.dumps(openapi3(unique("pets"))))["id"]
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    assert call(stage_url(sandbox_url, api_id, "/pets")).json() == [{"name": "rex"}]
    assert call(stage_url(sandbox_url, api_id, "/pets/7")).json() == {"name": "rex"}


def test_import_of_swagger2_reads_body_parameters_and_response_schemas(
        sandbox_url: str, apigateway: Any) -> None:
    """The developer guide: API Gateway imports OpenAPI v2.0 as well as v3.0 definitions."""
    answer = apigateway.import_rest_api(body=json.dumps(swagger2(unique("swagger"))))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 201
    method = resources_by_path(apigateway, answer["id"])["/pets"]["resourceMethods"]["POST"]
    assert method["requestModels"] == {"application/json": "Pet"}
    assert method["methodResponses"]["200"]["responseModels"] == {"application/json": "Pet"}
    apigateway.create_deployment(restApiId=answer["id"], stageName=STAGE)
    reply = call(stage_url(sandbox_url, answer["id"], "/pets"), "POST", b"{}")
    assert reply.json() == {"made": True}


def test_import_reads_yaml(apigateway: Any) -> None:
    """API reference, ImportRestApi `body`: "only OpenAPI definition JSON/YAML files are
    supported"."""
    title = unique("yaml")
    body = (f"openapi: 3.0.1\ninfo:\n  title: {title}\n  version: '1'\npaths:\n"
            "  /ping:\n    get:\n      responses:\n        '200':\n          description: ok\n")
    api_id = apigateway.import_rest_api(body=body.encode())["id"]
    assert "GET" in resources_by_path(apigateway, api_id)["/ping"]["resourceMethods"]


@pytest.mark.parametrize("body", [b"{}", b'{"openapi": "3.0.1", "paths": {}}',
                                  b'{"swagger": "1.2", "info": {"title": "t"}, "paths": {}}',
                                  b"- just\n- a list\n", b"{not json"])
def test_a_document_that_is_no_api_is_refused_and_makes_nothing(apigateway: Any,
                                                               body: bytes) -> None:
    """AWS answers 400 BadRequestException {"message":"Invalid OpenAPI input."} (aws-cli issue
    #8191 shows the body), and "no change is made" (developer guide, "Errors during import")."""
    before = api_names(apigateway)
    assert refusal(apigateway.import_rest_api, body=body) == \
        (400, "BadRequestException", INVALID_INPUT)
    assert api_names(apigateway) == before


def test_a_missing_model_is_a_warning_and_fails_the_import_on_request(apigateway: Any) -> None:
    """Developer guide, "Warnings during import": a missing model reference is a warning; with
    failonwarnings=false (the default) "warnings are returned as a field in the resulting
    RestApi resource", else the import is rolled back and they come as the exception's
    message."""
    document = openapi3(unique("warned"))
    document["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"] = {"$ref": "#/components/schemas/Nowhere"}
    answer = apigateway.import_rest_api(body=json.dumps(document))
    assert answer["warnings"] == ["Reference to model 'Nowhere' not found. Ignoring."]
    document["info"]["title"] = title = unique("refused")
    status, code, message = refusal(apigateway.import_rest_api, body=json.dumps(document),
                                     failOnWarnings=True)
    assert (status, code) == (400, "BadRequestException")
    assert "Reference to model 'Nowhere' not found" in message
    assert title not in api_names(apigateway)


# 2. PutRestApi. API reference: 200 and the RestApi; `mode` "overwrite" replaces the API's
# definition, "merge" (the default) merges the document into it.

def test_put_overwrite_replaces_the_definition_and_keeps_the_root(apigateway: Any) -> None:
    api = apigateway.import_rest_api(body=json.dumps(openapi3(unique("pets"))))
    answer = apigateway.put_rest_api(restApiId=api["id"], mode="overwrite",
                                     body=json.dumps(swagger2("renamed")))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["rootResourceId"] == api["rootResourceId"]
    resources = resources_by_path(apigateway, api["id"])
    assert set(resources) == {"/", "/pets"}
    assert set(resources["/pets"]["resourceMethods"]) == {"POST"}
    assert [model["name"] for model in apigateway.get_models(restApiId=api["id"])["items"]] == \
        ["Pet"]


def test_put_merge_adds_to_the_definition(apigateway: Any) -> None:
    api_id = apigateway.import_rest_api(body=json.dumps(swagger2(unique("pets"))))["id"]
    more = {"openapi": "3.0.1", "info": {"title": "more", "version": "2"},
            "paths": {"/health": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    apigateway.put_rest_api(restApiId=api_id, mode="merge", body=json.dumps(more))
    assert set(resources_by_path(apigateway, api_id)) == {"/", "/pets", "/health"}


def test_a_refused_put_changes_nothing(apigateway: Any) -> None:
    """Developer guide: "When an error occurs, the new API definition is discarded and no change
    is made to the existing API." An AWS integration's uri must be an API Gateway service ARN
    (PutIntegration)."""
    api_id = apigateway.import_rest_api(body=json.dumps(openapi3(unique("pets"))))["id"]
    before = resources_by_path(apigateway, api_id)
    broken = swagger2("broken")
    broken["paths"]["/pets"]["post"]["x-amazon-apigateway-integration"] = {
        "type": "aws", "httpMethod": "POST", "uri": "not-an-arn"}
    status, code, _ = refusal(apigateway.put_rest_api, restApiId=api_id, mode="overwrite",
                               body=json.dumps(broken))
    assert (status, code) == (400, "BadRequestException")
    assert resources_by_path(apigateway, api_id) == before


def test_put_to_an_unknown_api_is_not_found(apigateway: Any) -> None:
    """Every call naming an API the account lacks: 404 NotFoundException "Invalid API
    identifier specified {account}:{api_id}"."""
    assert refusal(apigateway.put_rest_api, restApiId="nosuchapi0",
                    body=json.dumps(swagger2("x")))[:2] == (404, "NotFoundException")


def test_an_exported_api_imports_again(apigateway: Any) -> None:
    """GetExport (oas30) writes what ImportRestApi takes back (developer guide, "Export a REST
    API from API Gateway": the export can be imported)."""
    api_id = apigateway.import_rest_api(body=json.dumps(openapi3(unique("pets"))))["id"]
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    exported = apigateway.get_export(restApiId=api_id, stageName=STAGE,
                                     exportType="oas30")["body"].read()
    copy_id = apigateway.import_rest_api(body=exported)["id"]
    assert set(resources_by_path(apigateway, copy_id)) == \
        set(resources_by_path(apigateway, api_id))


# 3. Documentation parts. CreateDocumentationPart: 201 and the part; the developer guide: a
# second part for a location answers 409 "Documentation part already exists for the specified
# location: type 'API'."; a RESOURCE location without a path is the root ("/"), a METHOD's
# method is "*" when not given (DocumentationPartLocation: `path` defaults to "/", `method` to
# "*").

@pytest.fixture
def api_id(apigateway: Any) -> str:
    return apigateway.create_rest_api(name=unique("docs"))["id"]


def test_a_documentation_part_is_created_once_per_location(apigateway: Any, api_id: str) -> None:
    made = apigateway.create_documentation_part(restApiId=api_id, location={"type": "API"},
                                                properties='{"description":"pets"}')
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (made["location"], made["properties"]) == ({"type": "API"}, '{"description":"pets"}')
    assert refusal(apigateway.create_documentation_part, restApiId=api_id,
                    location={"type": "API"}, properties="{}") == (
        409, "ConflictException",
        "Documentation part already exists for the specified location: type 'API'.")


def test_a_location_gets_its_type_defaults(apigateway: Any, api_id: str) -> None:
    resource = apigateway.create_documentation_part(
        restApiId=api_id, location={"type": "RESOURCE"}, properties="{}")
    method = apigateway.create_documentation_part(
        restApiId=api_id, location={"type": "METHOD", "path": "/pets"}, properties="{}")
    assert resource["location"] == {"type": "RESOURCE", "path": "/"}
    assert method["location"] == {"type": "METHOD", "path": "/pets", "method": "*"}


def test_a_location_field_the_type_does_not_take_is_bad_request(apigateway: Any,
                                                                api_id: str) -> None:
    """DocumentationPartLocation: `method` is valid only for METHOD, the parameter, body and
    response types; `name` is required for QUERY_PARAMETER."""
    assert refusal(apigateway.create_documentation_part, restApiId=api_id,
                    location={"type": "API", "method": "GET"}, properties="{}")[:2] == \
        (400, "BadRequestException")
    assert refusal(apigateway.create_documentation_part, restApiId=api_id,
                    location={"type": "QUERY_PARAMETER", "path": "/pets"},
                    properties="{}")[:2] == (400, "BadRequestException")


def test_a_part_is_read_updated_and_deleted(apigateway: Any, api_id: str) -> None:
    """GetDocumentationPart 200; UpdateDocumentationPart replaces /properties, 200;
    DeleteDocumentationPart 202; then the id is 404 NotFoundException."""
    part_id = apigateway.create_documentation_part(
        restApiId=api_id, location={"type": "MODEL", "name": "Pet"}, properties="{}")["id"]
    assert apigateway.get_documentation_part(restApiId=api_id,
                                             documentationPartId=part_id)["id"] == part_id
    updated = apigateway.update_documentation_part(
        restApiId=api_id, documentationPartId=part_id,
        patchOperations=[{"op": "replace", "path": "/properties", "value": '{"a":1}'}])
    assert updated["properties"] == '{"a":1}'
    deleted = apigateway.delete_documentation_part(restApiId=api_id, documentationPartId=part_id)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert refusal(apigateway.get_documentation_part, restApiId=api_id,
                    documentationPartId=part_id) == (
        404, "NotFoundException", "Invalid Documentation part identifier specified")


def test_parts_are_listed_by_type(apigateway: Any, api_id: str) -> None:
    apigateway.create_documentation_part(restApiId=api_id, location={"type": "API"},
                                         properties="{}")
    apigateway.create_documentation_part(restApiId=api_id, location={"type": "RESOURCE",
                                                                     "path": "/pets"},
                                         properties="{}")
    listed = apigateway.get_documentation_parts(restApiId=api_id, type="RESOURCE")["items"]
    assert [part["location"] for part in listed] == [{"type": "RESOURCE", "path": "/pets"}]


def test_import_documentation_parts_merges_or_overwrites(apigateway: Any, api_id: str) -> None:
    """ImportDocumentationParts: 200 {"ids", "warnings"}; mode merge (default) or overwrite."""
    first = apigateway.create_documentation_part(restApiId=api_id, location={"type": "API"},
                                                 properties="{}")["id"]
    document = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {},
                "x-amazon-apigateway-documentation": {"version": "1", "documentationParts": [
                    {"location": {"type": "API"}, "properties": {"description": "new"}},
                    {"location": {"type": "RESOURCE", "path": "/pets"},
                     "properties": {"description": "pets"}}]}}
    merged = apigateway.import_documentation_parts(restApiId=api_id, mode="merge",
                                                   body=json.dumps(document))
    assert merged["ids"][0] == first and len(merged["ids"]) == 2
    assert json.loads(apigateway.get_documentation_part(
        restApiId=api_id, documentationPartId=first)["properties"]) == {"description": "new"}
    document["x-amazon-apigateway-documentation"]["documentationParts"].pop()
    apigateway.import_documentation_parts(restApiId=api_id, mode="overwrite",
                                          body=json.dumps(document))
    assert len(apigateway.get_documentation_parts(restApiId=api_id)["items"]) == 1


def test_import_rest_api_imports_the_documentation_extension(apigateway: Any) -> None:
    document = swagger2(unique("documented"))
    document["x-amazon-apigateway-documentation"] = {"version": "1", "documentationParts": [
        {"location": {"type": "METHOD", "path": "/pets", "method": "POST"},
         "properties": {"summary": "Make a pet"}}]}
    api_id = apigateway.import_rest_api(body=json.dumps(document))["id"]
    parts = apigateway.get_documentation_parts(restApiId=api_id)["items"]
    assert [(part["location"], json.loads(part["properties"])) for part in parts] == [
        ({"type": "METHOD", "path": "/pets", "method": "POST"}, {"summary": "Make a pet"})]


def test_documentation_versions(apigateway: Any, api_id: str) -> None:
    """CreateDocumentationVersion 201 {version, createdDate, description}; Get, Update
    (/description) 200; Delete 202; an unknown version is 404 NotFoundException."""
    made = apigateway.create_documentation_version(restApiId=api_id, documentationVersion="1.0",
                                                   description="first")
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (made["version"], made["description"]) == ("1.0", "first")
    apigateway.update_documentation_version(
        restApiId=api_id, documentationVersion="1.0",
        patchOperations=[{"op": "replace", "path": "/description", "value": "second"}])
    assert [(item["version"], item["description"]) for item in
            apigateway.get_documentation_versions(restApiId=api_id)["items"]] == \
        [("1.0", "second")]
    assert apigateway.delete_documentation_version(
        restApiId=api_id, documentationVersion="1.0")["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert refusal(apigateway.get_documentation_version, restApiId=api_id,
                    documentationVersion="1.0")[:2] == (404, "NotFoundException")


# 4. What was imported is state like any other: it comes back after a restart, with its ids
# (AWS keeps it; the sandbox journals the calls and replays them).

def test_an_import_and_its_documentation_come_back_after_a_restart(
        tmp_path: Path, launch_sandbox: SandboxLauncher) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = clean_env(SANDBOX_PERSIST="1", SANDBOX_DATA_DIR=str(tmp_path / "data"))
    process = launch_sandbox("--port", str(port), env=env)
    wait_until_healthy(process, url)
    apigateway = boto3.client("apigateway", endpoint_url=url, region_name=REGION,
                              aws_access_key_id="testing", aws_secret_access_key="testing")
    api_id = apigateway.import_rest_api(body=json.dumps(openapi3(unique("kept"))))["id"]
    apigateway.create_documentation_part(restApiId=api_id, location={"type": "API"},
                                         properties="{}")
    before = (resources_by_path(apigateway, api_id),
              apigateway.get_documentation_parts(restApiId=api_id)["items"])
    stop(process)

    wait_until_healthy(launch_sandbox("--port", str(port), env=env), url)

    assert (resources_by_path(apigateway, api_id),
            apigateway.get_documentation_parts(restApiId=api_id)["items"]) == before
