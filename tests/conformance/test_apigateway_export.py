"""API Gateway: GetExport writes a stage's deployment as OpenAPI 3.0.1 or Swagger 2.0.

AWS documents the export in the API reference (GetExport: `GET /restapis/{restapi_id}/stages/
{stage_name}/exports/{export_type}`, `Accept` application/json or application/yaml, parameters
`extensions=integrations|apigateway|authorizers|postman`; 200 with the document as the body,
Content-Type "a valid 'accept' type in the request" and Content-Disposition; "Exports a deployed
version of a RestApi") and the developer guide ("Export a REST API from API Gateway", "OpenAPI
extensions to API Gateway", whose example exports show the document's shape: `info.version`
the deployment's date, `servers[0].url` "https://{api_id}.execute-api.{region}.amazonaws.com/
{basePath}" with `basePath` defaulting to "/{stage}", Swagger's `host`, `basePath` and
`schemes: ["https"]`, responses described "200 response", `security: [{"sigv4": []}]` with the
`sigv4` scheme `{"type": "apiKey", "name": "Authorization", "in": "header",
"x-amazon-apigateway-authtype": "awsSigv4"}`, integrations typed in lower case). Each case
quotes the answer it checks; the sandbox is reached only over boto3 and HTTP.
"""
import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from tests.sandbox.lambda_support import unique
from tests.sandbox.processes import REGION, ClientFactory
from tests.sandbox.test_gateway_stage import call, stage_url

STAGE = "prod"
MOCK_REQUEST = {"application/json": '{"statusCode": 200}'}
PET_SCHEMA = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
              "properties": {"name": {"type": "string"}}}
SIGV4_SCHEME = {"type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4"}
API_KEY_SCHEME = {"type": "apiKey", "name": "x-api-key", "in": "header"}
INTEGRATION = "x-amazon-apigateway-integration"


@dataclass(frozen=True, slots=True)
class PetsApi:
    """An API made call by call, deployed to STAGE: GET /pets/{petId} answers through MOCK."""

    api_id: str
    pet_id: str
    deployed_at: int


@pytest.fixture(scope="module")
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


def make_pets_api(apigateway: Any) -> PetsApi:
    """GET /pets/{petId} (query `verbose`, header X-Trace required, API key required; 200 with
    header X-Count and model Pet, 404 on "missing") and POST /pets (AWS_IAM, body Pet)."""
    api_id = apigateway.create_rest_api(name=unique("pets"), description="Pets")["id"]
    apigateway.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "add", "path": "/binaryMediaTypes/image~1png"}])
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    pets = apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    pet = apigateway.create_resource(restApiId=api_id, parentId=pets, pathPart="{petId}")["id"]
    apigateway.create_model(restApiId=api_id, name="Pet", contentType="application/json",
                            schema=json.dumps(PET_SCHEMA))
    apigateway.create_model(restApiId=api_id, name="Pets", contentType="application/json",
                            schema=json.dumps({"type": "array", "items": {"$ref": (
                                "https://apigateway.amazonaws.com/restapis/"
                                f"{api_id}/models/Pet")}}))
    apigateway.create_model(restApiId=api_id, name="Unused", contentType="application/json",
                            schema=json.dumps({"type": "string"}))
    apigateway.put_method(
        restApiId=api_id, resourceId=pet, httpMethod="GET", authorizationType="NONE",
        apiKeyRequired=True, operationName="GetPet",
        requestParameters={"method.request.path.petId": True,
                           "method.request.querystring.verbose": False,
                           "method.request.header.X-Trace": True})
    apigateway.put_method_response(
        restApiId=api_id, resourceId=pet, httpMethod="GET", statusCode="200",
        responseParameters={"method.response.header.X-Count": False},
        responseModels={"application/json": "Pet"})
    apigateway.put_method_response(restApiId=api_id, resourceId=pet, httpMethod="GET",
                                   statusCode="404")
    apigateway.put_integration(
        restApiId=api_id, resourceId=pet, httpMethod="GET", type="MOCK",
        requestTemplates={"application/json": (
            '#if($input.params(\'petId\') == "missing"){"statusCode": 404}'
            '#else{"statusCode": 200}#end')},
        passthroughBehavior="WHEN_NO_TEMPLATES")
    apigateway.put_integration_response(
        restApiId=api_id, resourceId=pet, httpMethod="GET", statusCode="200",
        responseParameters={"method.response.header.X-Count": "'1'"},
        responseTemplates={"application/json": '{"name": "$input.params(\'petId\')"}'})
    apigateway.put_integration_response(
        restApiId=api_id, resourceId=pet, httpMethod="GET", statusCode="404",
        selectionPattern="404", responseTemplates={"application/json": '{"error": "none"}'})
    apigateway.put_method(restApiId=api_id, resourceId=pets, httpMethod="POST",
                          authorizationType="AWS_IAM",
                          requestModels={"application/json": "Pet"})
    apigateway.put_method_response(restApiId=api_id, resourceId=pets, httpMethod="POST",
                                   statusCode="201",
                                   responseModels={"application/json": "Pets"})
    deployment = apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    return PetsApi(api_id, pet, int(deployment["createdDate"].timestamp()))


@pytest.fixture(scope="module")
def pets_api(apigateway: Any) -> PetsApi:
    return make_pets_api(apigateway)


def export(apigateway: Any, api_id: str, export_type: str = "oas30", **extra: Any) -> Any:
    answer = apigateway.get_export(restApiId=api_id, stageName=STAGE, exportType=export_type,
                                   **extra)
    return answer, answer["body"].read()


def exported(apigateway: Any, api_id: str, export_type: str = "oas30",
             **extra: Any) -> dict[str, Any]:
    return json.loads(export(apigateway, api_id, export_type, **extra)[1])


def error_of(apigateway: Any, **kwargs: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        apigateway.get_export(**kwargs)
    answer = raised.value.response
    return (answer["ResponseMetadata"]["HTTPStatusCode"], answer["Error"]["Code"],
            answer["Error"]["Message"])


def deployment_date(pets: PetsApi) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(pets.deployed_at))


# 1. The answer. API reference: 200, Content-Type "will correspond to a valid 'accept' type in
# the request" (application/json or application/yaml), Content-Disposition, the export as body.

def test_oas30_export_answers_the_document_as_a_json_attachment(apigateway: Any,
                                                               pets_api: PetsApi) -> None:
    answer, body = export(apigateway, pets_api.api_id, accepts="application/json")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["contentType"] == "application/json"
    assert answer["contentDisposition"].startswith('attachment; filename="oas30_')
    assert answer["contentDisposition"].endswith('.json"')
    assert json.loads(body)["openapi"] == "3.0.1"


def test_yaml_is_written_when_asked_for(apigateway: Any, pets_api: PetsApi) -> None:
    answer, body = export(apigateway, pets_api.api_id, accepts="application/yaml")
    assert answer["contentType"] == "application/yaml"
    assert answer["contentDisposition"].endswith('.yaml"')
    assert yaml.safe_load(body) == exported(apigateway, pets_api.api_id)


# 2. The document. The developer guide's exports: info (title, description, the deployment's
# date as version), servers with the stage's invoke URL and its basePath variable.

def test_oas30_names_the_api_and_the_stage_url(apigateway: Any, pets_api: PetsApi) -> None:
    document = exported(apigateway, pets_api.api_id)
    name = apigateway.get_rest_api(restApiId=pets_api.api_id)["name"]
    assert document["info"] == {"title": name, "description": "Pets",
                                "version": deployment_date(pets_api)}
    assert document["servers"] == [{
        "url": f"https://{pets_api.api_id}.execute-api.{REGION}.amazonaws.com/{{basePath}}",
        "variables": {"basePath": {"default": f"/{STAGE}"}}}]
    assert set(document["paths"]) == {"/pets", "/pets/{petId}"}


def test_oas30_writes_parameters_responses_models_and_security(apigateway: Any,
                                                               pets_api: PetsApi) -> None:
    """Parameters as {"name", "in", "required" (when true), "schema": {"type": "string"}};
    responses "200 response" with their headers and content `$ref`s to components/schemas
    (which hold the models the methods use, "$schema" left out as AWS's exports show); a
    required API key is the `api_key` scheme, AWS_IAM the `sigv4` one."""
    document = exported(apigateway, pets_api.api_id)
    reading = document["paths"]["/pets/{petId}"]["get"]
    assert reading["operationId"] == "GetPet"
    assert sorted(reading["parameters"], key=lambda parameter: parameter["name"]) == [
        {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string"}},
        {"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "verbose", "in": "query", "schema": {"type": "string"}}]
    assert reading["responses"] == {
        "200": {"description": "200 response",
                "headers": {"X-Count": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
        "404": {"description": "404 response"}}
    assert reading["security"] == [{"api_key": []}]
    making = document["paths"]["/pets"]["post"]
    assert making["requestBody"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}
    assert making["security"] == [{"sigv4": []}]
    assert document["components"]["securitySchemes"] == {"sigv4": SIGV4_SCHEME,
                                                         "api_key": API_KEY_SCHEME}
    assert document["components"]["schemas"] == {
        "Pet": {"type": "object", "properties": {"name": {"type": "string"}}},
        "Pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}


def test_swagger_export_is_swagger_2_in_its_own_form(apigateway: Any,
                                                     pets_api: PetsApi) -> None:
    """Swagger 2.0: `host`, `basePath` "/{stage}", `schemes: ["https"]`, `definitions`,
    `securityDefinitions`, parameters typed inline with "required" always written, a body
    parameter for the request model, a response's model as its `schema`."""
    answer, body = export(apigateway, pets_api.api_id, "swagger")
    assert answer["contentDisposition"].startswith('attachment; filename="swagger_')
    document = json.loads(body)
    assert (document["swagger"], document["host"], document["basePath"],
            document["schemes"]) == (
        "2.0", f"{pets_api.api_id}.execute-api.{REGION}.amazonaws.com", f"/{STAGE}", ["https"])
    assert document["info"]["version"] == deployment_date(pets_api)
    reading = document["paths"]["/pets/{petId}"]["get"]
    assert {"name": "verbose", "in": "query", "required": False, "type": "string"} in \
        reading["parameters"]
    assert reading["produces"] == ["application/json"]
    assert reading["responses"]["200"] == {
        "description": "200 response", "schema": {"$ref": "#/definitions/Pet"},
        "headers": {"X-Count": {"type": "string"}}}
    making = document["paths"]["/pets"]["post"]
    assert making["consumes"] == ["application/json"]
    assert making["parameters"] == [{"in": "body", "name": "Pet", "required": True,
                                     "schema": {"$ref": "#/definitions/Pet"}}]
    assert set(document["definitions"]) == {"Pet", "Pets"}
    assert document["securityDefinitions"]["sigv4"] == SIGV4_SCHEME


# 3. Extensions. API reference: "extensions='integrations' or extensions='apigateway' will
# export the API with x-amazon-apigateway-integration extensions"; without them it has none.

def test_integrations_are_written_only_when_asked_for(apigateway: Any,
                                                      pets_api: PetsApi) -> None:
    plain = exported(apigateway, pets_api.api_id)
    assert INTEGRATION not in plain["paths"]["/pets/{petId}"]["get"]
    assert "x-amazon-apigateway-binary-media-types" not in plain
    for extensions in ("integrations", "apigateway"):
        document = exported(apigateway, pets_api.api_id, parameters={"extensions": extensions})
        assert document["x-amazon-apigateway-binary-media-types"] == ["image/png"]
        assert document["paths"]["/pets/{petId}"]["get"][INTEGRATION] == {
            "type": "mock",
            "requestTemplates": {"application/json": (
                '#if($input.params(\'petId\') == "missing"){"statusCode": 404}'
                '#else{"statusCode": 200}#end')},
            "responses": {
                "default": {"statusCode": "200",
                            "responseParameters": {"method.response.header.X-Count": "'1'"},
                            "responseTemplates": {"application/json":
                                                  '{"name": "$input.params(\'petId\')"}'}},
                "404": {"statusCode": "404",
                        "responseTemplates": {"application/json": '{"error": "none"}'}}},
            "passthroughBehavior": "when_no_templates"}


def test_authorizers_are_written_with_their_extension(apigateway: Any) -> None:
    """"extensions='authorizers' will export the API with x-amazon-apigateway-authorizer
    extensions"; the method's security names the authorizer, its scheme is an apiKey in the
    identity source's header with x-amazon-apigateway-authtype "custom"."""
    api_id = apigateway.create_rest_api(name=unique("authorized"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    uri = ("arn:aws:apigateway:ap-northeast-2:lambda:path/2015-03-31/functions/"
           "arn:aws:lambda:ap-northeast-2:123456789012:function:auth/invocations")
    authorizer = apigateway.create_authorizer(
        restApiId=api_id, name="tokens", type="TOKEN", authorizerUri=uri,
        identitySource="method.request.header.Authorization")["id"]
    apigateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                          authorizationType="CUSTOM", authorizerId=authorizer)
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET",
                               type="MOCK", requestTemplates=MOCK_REQUEST)
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    plain = exported(apigateway, api_id)
    assert plain["paths"]["/"]["get"]["security"] == [{"tokens": []}]
    assert plain["components"]["securitySchemes"]["tokens"] == {
        "type": "apiKey", "name": "Authorization", "in": "header",
        "x-amazon-apigateway-authtype": "custom"}
    scheme = exported(apigateway, api_id, parameters={"extensions": "authorizers"})[
        "components"]["securitySchemes"]["tokens"]
    assert scheme["x-amazon-apigateway-authorizer"] == {
        "type": "token", "authorizerUri": uri,
        "identitySource": "method.request.header.Authorization",
        "authorizerResultTtlInSeconds": 300}


def test_request_validators_are_written_with_the_apigateway_extensions(
        apigateway: Any) -> None:
    """The developer guide: export with extensions='apigateway' "to ensure that the
    x-amazon-apigateway-request-validator extension is included"; the API's validators go in
    x-amazon-apigateway-request-validators by name ({"validateRequestBody",
    "validateRequestParameters"}), a method names its own ("OpenAPI extensions to API
    Gateway")."""
    api_id = apigateway.create_rest_api(name=unique("validated"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    validator = apigateway.create_request_validator(
        restApiId=api_id, name="params-only", validateRequestBody=False,
        validateRequestParameters=True)["id"]
    apigateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                          authorizationType="NONE", requestValidatorId=validator)
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET",
                               type="MOCK", requestTemplates=MOCK_REQUEST)
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    plain = exported(apigateway, api_id, parameters={"extensions": "integrations"})
    assert "x-amazon-apigateway-request-validator" not in plain["paths"]["/"]["get"]
    document = exported(apigateway, api_id, parameters={"extensions": "apigateway"})
    assert document["x-amazon-apigateway-request-validators"] == {
        "params-only": {"validateRequestBody": False, "validateRequestParameters": True}}
    assert document["paths"]["/"]["get"]["x-amazon-apigateway-request-validator"] == \
        "params-only"


# 4. "Exports a deployed version of a RestApi": later edits show only once redeployed.

def test_the_export_is_of_the_deployment_not_the_live_api(apigateway: Any) -> None:
    pets = make_pets_api(apigateway)
    root = apigateway.get_resources(restApiId=pets.api_id)["items"][0]["id"]
    later = apigateway.create_resource(restApiId=pets.api_id, parentId=root,
                                       pathPart="later")["id"]
    apigateway.put_method(restApiId=pets.api_id, resourceId=later, httpMethod="GET",
                          authorizationType="NONE")
    assert "/later" not in exported(apigateway, pets.api_id)["paths"]
    apigateway.create_deployment(restApiId=pets.api_id, stageName=STAGE)
    assert "/later" in exported(apigateway, pets.api_id)["paths"]


# 5. Errors. API reference, GetExport: NotFoundException (404) "The requested resource is not
# found", BadRequestException (400) "The submitted request is not valid". An unknown stage is
# "Invalid stage identifier specified"; an export type other than oas30 and swagger "No API
# exporter for type '…'"; an API the account lacks "Invalid API identifier specified
# {account}:{api_id}".

def test_an_unknown_stage_is_not_found(apigateway: Any, pets_api: PetsApi) -> None:
    assert error_of(apigateway, restApiId=pets_api.api_id, stageName="nostage",
                    exportType="oas30") == (404, "NotFoundException",
                                            "Invalid stage identifier specified")


def test_an_unknown_export_type_is_a_bad_request(apigateway: Any, pets_api: PetsApi) -> None:
    assert error_of(apigateway, restApiId=pets_api.api_id, stageName=STAGE,
                    exportType="raml") == (400, "BadRequestException",
                                           "No API exporter for type 'raml'")


def test_an_unknown_api_is_not_found(apigateway: Any) -> None:
    status, code, message = error_of(apigateway, restApiId="nosuchapi0", stageName=STAGE,
                                     exportType="oas30")
    assert (status, code) == (404, "NotFoundException")
    assert message.startswith("Invalid API identifier specified")


# 6. Round trip. The developer guide: an exported definition can be imported again
# (ImportRestApi takes OpenAPI 2.0 and 3.0); with its integrations the new API, deployed,
# answers as the old one does.

@pytest.mark.parametrize("export_type", ["oas30", "swagger"])
def test_an_export_with_integrations_imports_into_an_api_that_answers_the_same(
        sandbox_url: str, apigateway: Any, pets_api: PetsApi, export_type: str) -> None:
    _, body = export(apigateway, pets_api.api_id, export_type,
                     parameters={"extensions": "integrations"})
    copy_id = apigateway.import_rest_api(body=body, failOnWarnings=True)["id"]
    apigateway.create_deployment(restApiId=copy_id, stageName=STAGE)
    for path in ("/pets/rex", "/pets/missing"):
        original = call(stage_url(sandbox_url, pets_api.api_id, path),
                        headers=[("x-trace", "1")])
        copied = call(stage_url(sandbox_url, copy_id, path), headers=[("x-trace", "1")])
        assert (copied.status, copied.json()) == (original.status, original.json())
    assert call(stage_url(sandbox_url, copy_id, "/pets/rex")).json() == {"name": "rex"}
    copied_method = apigateway.get_method(
        restApiId=copy_id, httpMethod="GET",
        resourceId=next(item["id"] for item in apigateway.get_resources(restApiId=copy_id)[
            "items"] if item["path"] == "/pets/{petId}"))
    assert copied_method["apiKeyRequired"] is True
    assert copied_method["requestParameters"] == {
        "method.request.path.petId": True, "method.request.querystring.verbose": False,
        "method.request.header.X-Trace": True}
