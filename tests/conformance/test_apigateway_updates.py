"""API Gateway's PATCH updates: UpdateResource, UpdateModel, UpdateRequestValidator,
UpdateMethodResponse, UpdateIntegration, UpdateGatewayResponse, UpdateDeployment and UpdateRestApi
answer as AWS does.

AWS documents each in its API reference: "Response Syntax" is HTTP/1.1 200 with the whole updated
object, "Errors" lists BadRequestException (400), ConflictException (409) and NotFoundException
(404); the paths each takes are in the API reference's "Patch Operations" page, and a map
entry's key escapes `/` as `~1` ("PatchOperation"). The error texts are AWS's own, as LocalStack's
tests recorded them against AWS (localstack/localstack, services/apigateway/legacy/provider.py).
The sandbox is reached only over boto3 and HTTP.
"""
import base64
import json
from typing import Any

import pytest

from tests.conformance.refusals import refusal
from tests.sandbox.lambda_support import create_role, deploy, lambda_client, unique
from tests.sandbox.processes import ACCOUNT_ID, ClientFactory
from tests.sandbox.test_gateway_stage import (
    ECHO, allow_gateway, call, execute_arn, make_api, stage_url)

STAGE = "prod"
MISSING_TOKEN = {"message": "Missing Authentication Token"}
MOCK_BODY = '{"served": true}'


@pytest.fixture(scope="module")
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


@pytest.fixture
def api(apigateway: Any) -> dict[str, str]:
    """A fresh API: {"id", "root", "a", "b", "kid"} for /, /a, /b and /a/kid; GET /a answers
    200 MOCK_BODY through a MOCK integration and is deployed to STAGE."""
    api_id = apigateway.create_rest_api(name=unique("api"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    ids = {"id": api_id, "root": root}
    for name, parent in (("a", root), ("b", root)):
        ids[name] = apigateway.create_resource(restApiId=api_id, parentId=parent,
                                               pathPart=name)["id"]
    ids["kid"] = apigateway.create_resource(restApiId=api_id, parentId=ids["a"],
                                            pathPart="kid")["id"]
    method = {"restApiId": api_id, "resourceId": ids["a"], "httpMethod": "GET"}
    apigateway.put_method(**method, authorizationType="NONE")
    apigateway.put_integration(**method, type="MOCK",
                               requestTemplates={"application/json": '{"statusCode": 200}'})
    apigateway.put_method_response(**method, statusCode="200")
    apigateway.put_integration_response(**method, statusCode="200",
                                        responseTemplates={"application/json": MOCK_BODY})
    ids["deployment"] = apigateway.create_deployment(restApiId=api_id, stageName=STAGE)["id"]
    return ids


def replace(path: str, value: str) -> list[dict[str, str]]:
    return [{"op": "replace", "path": path, "value": value}]


# 1. UpdateResource: `replace` on /pathPart and /parentId ("Patch Operations"); the answer is the
# Resource, whose `path` is its parents' paths and its part, so its children follow it.

def test_renaming_a_resource_moves_its_childrens_paths(apigateway: Any,
                                                       api: dict[str, str]) -> None:
    reply = apigateway.update_resource(restApiId=api["id"], resourceId=api["a"],
                                       patchOperations=replace("/pathPart", "z"))
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (reply["id"], reply["pathPart"], reply["path"]) == (api["a"], "z", "/z")
    assert reply["parentId"] == api["root"]
    assert "GET" in reply["resourceMethods"]
    kid = apigateway.get_resource(restApiId=api["id"], resourceId=api["kid"])
    assert kid["path"] == "/z/kid"


def test_a_resource_moves_under_another_parent(apigateway: Any, api: dict[str, str]) -> None:
    reply = apigateway.update_resource(restApiId=api["id"], resourceId=api["kid"],
                                       patchOperations=replace("/parentId", api["b"]))
    assert (reply["parentId"], reply["path"]) == (api["b"], "/b/kid")


def test_a_stage_serves_its_deployment_until_redeployed(sandbox_url: str, apigateway: Any,
                                                        api: dict[str, str]) -> None:
    """Developer Guide, "Deploy REST APIs": changes to an API reach a stage only when it is
    deployed again; an unknown path answers 403 {"message":"Missing Authentication Token"}
    ("Gateway responses", MISSING_AUTHENTICATION_TOKEN)."""
    apigateway.update_resource(restApiId=api["id"], resourceId=api["a"],
                               patchOperations=replace("/pathPart", "z"))
    before = call(stage_url(sandbox_url, api["id"], "/a", STAGE))
    assert (before.status, before.body.decode()) == (200, MOCK_BODY)
    assert call(stage_url(sandbox_url, api["id"], "/z", STAGE)).json() == MISSING_TOKEN
    apigateway.create_deployment(restApiId=api["id"], stageName=STAGE)
    after = call(stage_url(sandbox_url, api["id"], "/z", STAGE))
    assert (after.status, after.body.decode()) == (200, MOCK_BODY)
    gone = call(stage_url(sandbox_url, api["id"], "/a", STAGE))
    assert (gone.status, gone.json()) == (403, MISSING_TOKEN)


def test_a_redeploy_to_a_stage_keeps_its_settings_and_variables(apigateway: Any,
                                                                  api: dict[str, str]) -> None:
    """Developer Guide, "Create a deployment for a REST API in API Gateway": "To redeploy an API,
    perform the same steps. You can reuse the same stage as many times as desired"; a stage's
    settings, once changed, take effect at the next redeploy, so a redeploy keeps them. It points
    the stage at the new deployment; `variables` given with it set those names."""
    apigateway.update_stage(restApiId=api["id"], stageName=STAGE, patchOperations=[
        *replace("/*/*/metrics/enabled", "true"), *replace("/variables/kept", "1"),
        *replace("/description", "the stage")])
    before = apigateway.get_stage(restApiId=api["id"], stageName=STAGE)
    deployment = apigateway.create_deployment(restApiId=api["id"], stageName=STAGE,
                                              variables={"added": "2"})["id"]
    after = apigateway.get_stage(restApiId=api["id"], stageName=STAGE)
    assert after["deploymentId"] == deployment != api["deployment"]
    assert after["methodSettings"] == before["methodSettings"]
    assert after["methodSettings"]["*/*"]["metricsEnabled"] is True
    assert after["variables"] == {"kept": "1", "added": "2"}
    assert after["description"] == "the stage"


@pytest.mark.parametrize("resource, patches, answer", [
    ("a", [{"op": "replace", "path": "/pathPart", "value": "b"}],
     (409, "ConflictException", "Another resource with the same parent already has this name: b")),
    ("kid", [{"op": "replace", "path": "/parentId", "value": "nosuchres0"}],
     (404, "NotFoundException", "Invalid Resource identifier specified")),
    ("a", [{"op": "replace", "path": "/parentId", "value": "<kid>"}],
     (400, "BadRequestException", "Resources cannot be cyclical.")),
    ("a", [{"op": "replace", "path": "/path", "value": "/z"}],
     (400, "BadRequestException",
      "Invalid patch path  '/path' specified for op 'replace'. Must be one of: "
      "[/parentId, /pathPart]")),
    ("a", [{"op": "add", "path": "/pathPart", "value": "z"}],
     (400, "BadRequestException",
      "Invalid patch path  '/pathPart' specified for op 'add'. Please choose supported "
      "operations")),
    ("nosuchres0", [{"op": "replace", "path": "/pathPart", "value": "z"}],
     (404, "NotFoundException", "Invalid Resource identifier specified")),
])
def test_update_resource_refusals(apigateway: Any, api: dict[str, str], resource: str,
                                  patches: list[dict[str, str]],
                                  answer: tuple[int, str, str]) -> None:
    """UpdateResource, Errors: a sibling with that path part is ConflictException (409); a
    missing resource or parent NotFoundException (404); a cycle or a path or op it does not
    take BadRequestException (400). A refused patch changes nothing."""
    patches = [{**patch, "value": patch["value"].replace("<kid>", api["kid"])}
               for patch in patches]
    assert refusal(apigateway.update_resource, restApiId=api["id"],
                   resourceId=api.get(resource, resource), patchOperations=patches) == answer
    stored = apigateway.get_resource(restApiId=api["id"], resourceId=api["a"])
    assert (stored["path"], stored["parentId"]) == ("/a", api["root"])


# 2. UpdateModel: `replace` on /schema and /description; the answer is the Model.

def test_update_model(apigateway: Any, api: dict[str, str]) -> None:
    apigateway.create_model(restApiId=api["id"], name="Item", contentType="application/json",
                            schema='{"type": "object"}', description="old")
    reply = apigateway.update_model(restApiId=api["id"], modelName="Item", patchOperations=[
        {"op": "replace", "path": "/schema", "value": '{"type": "string"}'},
        {"op": "replace", "path": "/description", "value": "new"}])
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (reply["name"], reply["schema"], reply["description"]) == (
        "Item", '{"type": "string"}', "new")
    assert apigateway.get_model(restApiId=api["id"], modelName="Item")["description"] == "new"
    assert refusal(apigateway.update_model, restApiId=api["id"], modelName="Item",
                   patchOperations=replace("/name", "Other")) == (
        400, "BadRequestException",
        "Invalid patch path  '/name' specified for op 'replace'. Must be one of: "
        "[/description, /schema]")
    assert refusal(apigateway.update_model, restApiId=api["id"], modelName="Nope",
                   patchOperations=[]) == (
        404, "NotFoundException", "Invalid model name specified: Nope")


# 3. UpdateRequestValidator: `replace` on /name, /validateRequestBody and
# /validateRequestParameters; the answer is the RequestValidator.

def test_update_request_validator(apigateway: Any, api: dict[str, str]) -> None:
    validator = apigateway.create_request_validator(
        restApiId=api["id"], name="body", validateRequestBody=False,
        validateRequestParameters=False)["id"]
    reply = apigateway.update_request_validator(
        restApiId=api["id"], requestValidatorId=validator, patchOperations=[
            {"op": "replace", "path": "/name", "value": "params"},
            {"op": "replace", "path": "/validateRequestParameters", "value": "true"}])
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (reply["name"], reply["validateRequestBody"], reply["validateRequestParameters"]) \
        == ("params", False, True)
    status, code, message = refusal(
        apigateway.update_request_validator, restApiId=api["id"],
        requestValidatorId=validator, patchOperations=replace("/id", "x"))
    assert (status, code) == (400, "BadRequestException")
    assert message.startswith("Invalid patch path  '/id' specified for op 'replace'.")
    assert refusal(apigateway.update_request_validator, restApiId=api["id"],
                   requestValidatorId="nosuchval0", patchOperations=[]) == (
        404, "NotFoundException", "Invalid Request Validator identifier specified")


# 4. UpdateMethodResponse: add, replace, remove on /responseParameters/<name> (a boolean: is the
# header required) and /responseModels/<content type>; the answer is the MethodResponse.

def test_update_method_response(apigateway: Any, api: dict[str, str]) -> None:
    method = {"restApiId": api["id"], "resourceId": api["a"], "httpMethod": "GET"}
    reply = apigateway.update_method_response(**method, statusCode="200", patchOperations=[
        {"op": "add", "path": "/responseParameters/method.response.header.X-Trace",
         "value": "true"},
        {"op": "add", "path": "/responseModels/application~1json", "value": "Empty"}])
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert reply["responseParameters"] == {"method.response.header.X-Trace": True}
    assert reply["responseModels"] == {"application/json": "Empty"}
    apigateway.update_method_response(**method, statusCode="200", patchOperations=[
        {"op": "remove", "path": "/responseModels/application~1json"}])
    stored = apigateway.get_method_response(**method, statusCode="200")
    assert not stored.get("responseModels")
    assert refusal(apigateway.update_method_response, **method, statusCode="404",
                   patchOperations=[]) == (
        404, "NotFoundException", "Invalid Response status code specified")


# 5. UpdateIntegration: `replace` on its fields, add/replace/remove on /requestTemplates/<type>
# and /requestParameters/<name>; the answer is the Integration.

def test_update_integration(apigateway: Any, api: dict[str, str]) -> None:
    method = {"restApiId": api["id"], "resourceId": api["a"], "httpMethod": "GET"}
    reply = apigateway.update_integration(**method, patchOperations=[
        {"op": "replace", "path": "/timeoutInMillis", "value": "5000"},
        {"op": "add", "path": "/requestTemplates/text~1plain", "value": '{"statusCode": 200}'},
        {"op": "replace", "path": "/passthroughBehavior", "value": "NEVER"}])
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert reply["timeoutInMillis"] == 5000
    assert reply["passthroughBehavior"] == "NEVER"
    assert reply["requestTemplates"]["text/plain"] == '{"statusCode": 200}'
    apigateway.put_method(restApiId=api["id"], resourceId=api["b"], httpMethod="GET",
                          authorizationType="NONE")
    assert refusal(apigateway.update_integration, restApiId=api["id"], resourceId=api["b"],
                   httpMethod="GET", patchOperations=[]) == (
        404, "NotFoundException", "Invalid Integration identifier specified")


# 6. UpdateGatewayResponse: `replace` on /statusCode, add/replace/remove on
# /responseParameters/<name> and /responseTemplates/<type>; the answer is the GatewayResponse.
# A type not customised yet starts from API Gateway's default (Developer Guide, "Gateway
# response types": MISSING_AUTHENTICATION_TOKEN is 403) and is then no default response.

def test_update_gateway_response(apigateway: Any, api: dict[str, str]) -> None:
    reply = apigateway.update_gateway_response(
        restApiId=api["id"], responseType="MISSING_AUTHENTICATION_TOKEN", patchOperations=[
            {"op": "add", "path": "/responseParameters/gatewayresponse.header.X-Why",
             "value": "'no route'"},
            {"op": "add", "path": "/responseTemplates/application~1json",
             "value": '{"error": $context.error.messageString}'}])
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (reply["responseType"], reply["statusCode"], reply["defaultResponse"]) == (
        "MISSING_AUTHENTICATION_TOKEN", "403", False)
    assert reply["responseParameters"] == {"gatewayresponse.header.X-Why": "'no route'"}
    assert reply["responseTemplates"] == {
        "application/json": '{"error": $context.error.messageString}'}
    apigateway.update_gateway_response(restApiId=api["id"],
                                       responseType="MISSING_AUTHENTICATION_TOKEN",
                                       patchOperations=replace("/statusCode", "404"))
    stored = apigateway.get_gateway_response(restApiId=api["id"],
                                             responseType="MISSING_AUTHENTICATION_TOKEN")
    assert stored["statusCode"] == "404"


# 7. UpdateDeployment: `replace` on /description; the answer is the Deployment.

def test_update_deployment(apigateway: Any, api: dict[str, str]) -> None:
    reply = apigateway.update_deployment(restApiId=api["id"], deploymentId=api["deployment"],
                                         patchOperations=replace("/description", "first"))
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (reply["id"], reply["description"]) == (api["deployment"], "first")
    assert apigateway.get_deployment(restApiId=api["id"],
                                     deploymentId=api["deployment"])["description"] == "first"
    assert refusal(apigateway.update_deployment, restApiId=api["id"], deploymentId="nosuchdep0",
                   patchOperations=replace("/description", "x")) == (
        404, "NotFoundException", "Invalid Deployment identifier specified")


# 8. UpdateRestApi: `replace` on /name, /description, /apiKeySource, /policy,
# /disableExecuteApiEndpoint and /minimumCompressionSize, `remove` on /description; add, replace
# and remove on /binaryMediaTypes/<type> (a list patched like a map: the path names the type,
# `/` escaped as ~1); `replace` on /endpointConfiguration/types/<type>; the answer is the RestApi
# (API reference, "UpdateRestApi", "Patch Operations"). The compression and /binaryMediaTypes
# refusal texts are AWS's as LocalStack's tests recorded them against AWS (tests/aws/services/
# apigateway/test_apigateway_api.snapshot.json, "test_update_rest_api_*"); the bad policy's is the
# one the Developer Guide quotes ("Troubleshooting resource policies"); the endpoint type's is
# LocalStack's wording.

def update_api(apigateway: Any, api_id: str, *patches: dict[str, str]) -> dict[str, Any]:
    return apigateway.update_rest_api(restApiId=api_id, patchOperations=list(patches))


def test_update_rest_api_fields(apigateway: Any, api: dict[str, str]) -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*"}]})
    reply = update_api(
        apigateway, api["id"],
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/description", "value": "new words"},
        {"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"},
        {"op": "replace", "path": "/policy", "value": policy},
        {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "false"},
        {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "REGIONAL"})
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (reply["id"], reply["name"], reply["description"], reply["apiKeySource"]) == (
        api["id"], "renamed", "new words", "AUTHORIZER")
    assert json.loads(reply["policy"]) == json.loads(policy)
    assert reply["disableExecuteApiEndpoint"] is False  # moto read "false" as true
    assert reply["endpointConfiguration"]["types"] == ["REGIONAL"]
    stored = apigateway.get_rest_api(restApiId=api["id"])
    assert (stored["name"], stored["endpointConfiguration"]["types"]) == ("renamed", ["REGIONAL"])
    update_api(apigateway, api["id"], {"op": "remove", "path": "/description"})
    assert "description" not in apigateway.get_rest_api(restApiId=api["id"])


def test_binary_media_types_are_patched_by_name(apigateway: Any, api: dict[str, str]) -> None:
    """AWS's recorded answers: two adds give ["image/png", "image/jpeg"]; replacing image/png
    with image/gif gives ["image/jpeg", "image/gif"] (the new type goes last); removing
    image/gif leaves ["image/jpeg"]. An add takes its type from the path, so
    /binaryMediaTypes/- adds "-"."""
    added = update_api(apigateway, api["id"],
                       {"op": "add", "path": "/binaryMediaTypes/image~1png"},
                       {"op": "add", "path": "/binaryMediaTypes/image~1jpeg"})
    assert added["binaryMediaTypes"] == ["image/png", "image/jpeg"]
    replaced = update_api(apigateway, api["id"], {
        "op": "replace", "path": "/binaryMediaTypes/image~1png", "value": "image/gif"})
    assert replaced["binaryMediaTypes"] == ["image/jpeg", "image/gif"]
    removed = update_api(apigateway, api["id"],
                         {"op": "remove", "path": "/binaryMediaTypes/image~1gif"})
    assert removed["binaryMediaTypes"] == ["image/jpeg"]
    dash = update_api(apigateway, api["id"],
                      {"op": "add", "path": "/binaryMediaTypes/-", "value": "image/png"})
    assert dash["binaryMediaTypes"] == ["image/jpeg", "-"]
    again = update_api(apigateway, api["id"],
                       {"op": "add", "path": "/binaryMediaTypes/image~1jpeg"})
    assert again["binaryMediaTypes"] == ["image/jpeg", "-"]


def test_vpc_endpoint_ids_are_added_and_removed_one_at_a_time(apigateway: Any,
                                                              api: dict[str, str]) -> None:
    """A private API names the VPC endpoints it is reached through ("EndpointConfiguration",
    vpcEndpointIds); `add` and `remove` on /endpointConfiguration/vpcEndpointIds take one id."""
    path = "/endpointConfiguration/vpcEndpointIds"
    update_api(apigateway, api["id"],
               *replace("/endpointConfiguration/types/EDGE", "PRIVATE"),
               {"op": "add", "path": path, "value": "vpce-0a1b2c3d"},
               {"op": "add", "path": path, "value": "vpce-4e5f6a7b"})
    reply = update_api(apigateway, api["id"], {"op": "remove", "path": path,
                                               "value": "vpce-0a1b2c3d"})
    assert reply["endpointConfiguration"] == {"types": ["PRIVATE"],
                                              "vpcEndpointIds": ["vpce-4e5f6a7b"]}


def test_minimum_compression_size(apigateway: Any, api: dict[str, str]) -> None:
    """Developer Guide, "Enable payload compression": a non-negative integer up to 10485760
    (10M bytes); 0 compresses any payload; AWS's recorded answers: an empty value disables
    compression (the field is gone), "-1" and "test" are 400 BadRequestException "Invalid
    minimum compression size, must be between 0 and 10485760", `add` is 400 "Invalid patch
    operation specified. Must be one of: [replace]"."""
    enabled = update_api(apigateway, api["id"], *replace("/minimumCompressionSize", "10"))
    assert enabled["minimumCompressionSize"] == 10
    disabled = update_api(apigateway, api["id"], *replace("/minimumCompressionSize", ""))
    assert "minimumCompressionSize" not in disabled
    zero = update_api(apigateway, api["id"], *replace("/minimumCompressionSize", "0"))
    assert zero["minimumCompressionSize"] == 0
    bad_size = (400, "BadRequestException",
                "Invalid minimum compression size, must be between 0 and 10485760")
    for value in ("-1", "test", "10485761"):
        assert refusal(apigateway.update_rest_api, restApiId=api["id"],
                       patchOperations=replace("/minimumCompressionSize", value)) == bad_size
    assert refusal(apigateway.update_rest_api, restApiId=api["id"], patchOperations=[
        {"op": "add", "path": "/minimumCompressionSize", "value": "10"}]) == (
        400, "BadRequestException", "Invalid patch operation specified. Must be one of: [replace]")
    assert apigateway.get_rest_api(restApiId=api["id"])["minimumCompressionSize"] == 0


@pytest.mark.parametrize("patches, answer", [
    ([{"op": "add", "path": "/binaryMediaTypes", "value": "image/gif"}],
     "Invalid patch path /binaryMediaTypes"),
    ([{"op": "replace", "path": "/binaryMediaTypes", "value": "image/gif"}],
     "Invalid patch path /binaryMediaTypes"),
    ([{"op": "remove", "path": "/binaryMediaTypes"}], "Invalid patch path /binaryMediaTypes"),
    ([{"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "LOCAL"}],
     "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE"),
    ([{"op": "replace", "path": "/name", "value": "kept?"},
      {"op": "replace", "path": "/rootResourceId", "value": "x"}],
     "Invalid patch path  '/rootResourceId' specified for op 'replace'. Must be one of: "
     "[/apiKeySource, /binaryMediaTypes/{type}, /description, /disableExecuteApiEndpoint, "
     "/endpointConfiguration/types/{type}, /endpointConfiguration/vpcEndpointIds, "
     "/minimumCompressionSize, /name, /policy]"),
    ([{"op": "add", "path": "/name", "value": "x"}],
     "Invalid patch path  '/name' specified for op 'add'. Please choose supported operations"),
    ([{"op": "replace", "path": "/policy", "value": "not json"}],
     "Invalid policy document. Please check the policy syntax and ensure that Principals are "
     "valid."),
])
def test_update_rest_api_refusals(apigateway: Any, api: dict[str, str],
                                  patches: list[dict[str, str]], answer: str) -> None:
    """UpdateRestApi, Errors: BadRequestException (400); the whole request is refused, so the
    name patched before the bad path stays as it was."""
    name = apigateway.get_rest_api(restApiId=api["id"])["name"]
    assert refusal(apigateway.update_rest_api, restApiId=api["id"],
                   patchOperations=patches) == (400, "BadRequestException", answer)
    stored = apigateway.get_rest_api(restApiId=api["id"])
    assert stored["name"] == name
    assert not stored.get("binaryMediaTypes")


@pytest.mark.parametrize("path, value", [
    ("/apiKeySource", "QUERY"), ("/disableExecuteApiEndpoint", "maybe")])
def test_update_rest_api_refuses_bad_values(apigateway: Any, api: dict[str, str], path: str,
                                            value: str) -> None:
    """apiKeySource is HEADER or AUTHORIZER and disableExecuteApiEndpoint a boolean (API
    reference, "RestApi"); another value is 400 BadRequestException."""
    status, code, _ = refusal(apigateway.update_rest_api, restApiId=api["id"],
                              patchOperations=replace(path, value))
    assert (status, code) == (400, "BadRequestException")


def test_a_private_api_cannot_become_edge_optimized(apigateway: Any,
                                                    api: dict[str, str]) -> None:
    """Developer Guide, "Change a public or private API endpoint type": edge-optimized to
    Regional or private, Regional to edge-optimized or private, private to Regional; "You
    cannot change a private API into an edge-optimized API"."""
    update_api(apigateway, api["id"],
               *replace("/endpointConfiguration/types/EDGE", "PRIVATE"))
    status, code, _ = refusal(apigateway.update_rest_api, restApiId=api["id"],
                              patchOperations=replace("/endpointConfiguration/types/0", "EDGE"))
    assert (status, code) == (400, "BadRequestException")
    back = update_api(apigateway, api["id"],
                      *replace("/endpointConfiguration/types/PRIVATE", "REGIONAL"))
    assert back["endpointConfiguration"]["types"] == ["REGIONAL"]


def test_update_rest_api_of_an_unknown_api(apigateway: Any) -> None:
    """AWS's recorded answer: 404 NotFoundException "Invalid API identifier specified
    <account>:<id>"."""
    assert refusal(apigateway.update_rest_api, restApiId="nosuchapi0",
                   patchOperations=replace("/apiKeySource", "AUTHORIZER")) == (
        404, "NotFoundException", f"Invalid API identifier specified {ACCOUNT_ID}:nosuchapi0")


def test_a_binary_media_type_added_by_update_base64_encodes_the_proxy_body(
        sandbox_url: str, aws_client: ClientFactory, apigateway: Any) -> None:
    """Developer Guide, "Binary media types for REST APIs": the API's binaryMediaTypes list the
    content types it treats as binary; a Lambda proxy event carries such a body base64-encoded
    with "isBase64Encoded": true ("Input format of a Lambda function for proxy integration"),
    from the next deployment on ("Deploy REST APIs")."""
    lambda_api = lambda_client(sandbox_url)
    echo = deploy(lambda_api, create_role(aws_client("iam")), ECHO)
    made = make_api(apigateway, echo.arn, [("/upload", "POST")])
    allow_gateway(lambda_api, echo.name, execute_arn(made.api_id))
    update_api(apigateway, made.api_id, {"op": "add", "path": "/binaryMediaTypes/image~1png"})
    apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)
    url = stage_url(sandbox_url, made.api_id, "/upload", STAGE)
    image = call(url, method="POST", body=b"PNG-ish text",
                 headers=[("Content-Type", "image/png")]).json()
    assert image["isBase64Encoded"] is True
    assert base64.b64decode(image["body"]) == b"PNG-ish text"
    text = call(url, method="POST", body=b"plain words",
                headers=[("Content-Type", "text/plain")]).json()
    assert (text["isBase64Encoded"], text["body"]) == (False, "plain words")
