"""API Gateway (REST APIs): the sandbox gives AWS's documented answers.

Each case quotes what AWS documents and where; the sandbox is reached only over boto3 and HTTP.
"""
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.sandbox.lambda_support import NO_RETRIES, create_role, deploy, unique
from tests.sandbox.processes import ACCOUNT_ID, REGION, ClientFactory
from tests.sandbox.test_boundary import send
from tests.sandbox.test_gateway_stage import ECHO, Reply, call, stage_url

STAGE = "prod"
# A region other than the sandbox's default (ap-northeast-2): APIs live in every region.
OTHER_REGION = "us-east-1"
GATEWAY_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
INTERNAL_ERROR = {"message": "Internal server error"}
NO_PERMISSION_LOG = ("Execution failed due to configuration error: "
                     "Invalid permissions on Lambda function")


@dataclass(frozen=True, slots=True)
class ProxyApi:
    """An API whose GET /echo proxies to a function, deployed to STAGE."""

    api_id: str
    resource_id: str
    function_arn: str


def regional(service: str, sandbox_url: str, region: str) -> Any:
    return boto3.client(service, endpoint_url=sandbox_url, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=NO_RETRIES)


def proxy_api(apigateway: Any, region: str, function_arn: str,
              credentials: str | None = None) -> ProxyApi:
    """GET /echo → AWS_PROXY to the function (through `credentials` if given), deployed."""
    api_id = apigateway.create_rest_api(name=unique("api"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    resource_id = apigateway.create_resource(restApiId=api_id, parentId=root,
                                             pathPart="echo")["id"]
    apigateway.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET",
                          authorizationType="NONE")
    extra = {"credentials": credentials} if credentials else {}
    apigateway.put_integration(
        restApiId=api_id, resourceId=resource_id, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=(f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}"
             "/invocations"), **extra)
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    return ProxyApi(api_id, resource_id, function_arn)


def gateway_role(iam: Any, trust: str, invoke_resource: str | None) -> str:
    """A role with this trust policy, allowed lambda:InvokeFunction on `invoke_resource`."""
    name = unique("apigw-role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    if invoke_resource is not None:
        iam.put_role_policy(RoleName=name, PolicyName="invoke", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
                           "Resource": invoke_resource}]}))
    return arn


def host_call(sandbox_url: str, api_id: str, path: str,
              headers: list[tuple[str, str]] | None = None) -> Reply:
    """GET on the API's own origin, {api_id}.execute-api.localhost."""
    host = f"{api_id}.execute-api.localhost:{urlsplit(sandbox_url).port}"
    return send(sandbox_url, "GET", path, host=host, headers=dict(headers or []))


@pytest.fixture(scope="module")
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


@pytest.fixture(scope="module")
def echo_arn(sandbox_url: str, aws_client: ClientFactory) -> str:
    """The echo function in the sandbox's default region, with no resource policy."""
    return deploy(regional("lambda", sandbox_url, REGION), create_role(aws_client("iam")),
                  ECHO).arn


@pytest.fixture(scope="module")
def east_api(sandbox_url: str, aws_client: ClientFactory) -> ProxyApi:
    """A function and an API both in OTHER_REGION, the function allowing API Gateway."""
    lambda_east = regional("lambda", sandbox_url, OTHER_REGION)
    function = deploy(lambda_east, create_role(aws_client("iam")), ECHO)
    api = proxy_api(regional("apigateway", sandbox_url, OTHER_REGION), OTHER_REGION,
                    function.arn)
    lambda_east.add_permission(
        FunctionName=function.name, StatementId="apigw", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{OTHER_REGION}:{ACCOUNT_ID}:{api.api_id}/*/*/*")
    return api


# 1. Stages of every region. AWS serves an API at https://{restapi_id}.execute-api.{region}.
# amazonaws.com/{stage_name}/ (API Gateway Developer Guide, "Invoke REST APIs in API Gateway"),
# and the proxy event's requestContext.domainName is that host (Developer Guide, "Input format
# of a Lambda function for proxy integration").

def test_an_api_of_another_region_is_served_on_the_stage_path(sandbox_url: str,
                                                              east_api: ProxyApi) -> None:
    reply = call(stage_url(sandbox_url, east_api.api_id, "/echo", STAGE))
    assert reply.status == 201, reply.body
    context = reply.json()["requestContext"]
    assert context["domainName"] == f"{east_api.api_id}.execute-api.{OTHER_REGION}.amazonaws.com"
    assert context["apiId"] == east_api.api_id


def test_an_api_of_another_region_is_served_on_its_own_host(sandbox_url: str,
                                                            east_api: ProxyApi) -> None:
    reply = host_call(sandbox_url, east_api.api_id, f"/{STAGE}/echo")
    assert reply.status == 201, reply.body
    assert reply.json()["path"] == "/echo"


def test_an_unknown_api_id_is_still_missing_a_token(sandbox_url: str) -> None:
    """Developer Guide, "Gateway responses": MISSING_AUTHENTICATION_TOKEN, 403, for a request to
    a resource that does not exist: {"message":"Missing Authentication Token"}."""
    reply = call(stage_url(sandbox_url, "nosuchapi0", "/echo", STAGE))
    assert reply.status == 403
    assert reply.json() == {"message": "Missing Authentication Token"}


# 2. The Authorization header of a NONE-authorized method is the client's own: API Gateway
# passes it through to the proxy event's headers (Developer Guide, "Input format of a Lambda
# function for proxy integration": headers are the request's headers).

@pytest.mark.parametrize("authorization", [
    "random-value",
    "Bearer abc.def.ghi",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/apigateway/aws4_request, "
    "SignedHeaders=host, Signature=00",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/execute-api/aws4_request, "
    "SignedHeaders=host, Signature=00",
])
def test_any_authorization_header_reaches_the_event_unchanged(sandbox_url: str,
                                                              east_api: ProxyApi,
                                                              authorization: str) -> None:
    for reply in (call(stage_url(sandbox_url, east_api.api_id, "/echo", STAGE),
                       headers=[("Authorization", authorization)]),
                  host_call(sandbox_url, east_api.api_id, f"/{STAGE}/echo",
                            headers=[("Authorization", authorization)])):
        assert reply.status == 201, reply.body
        assert reply.json()["headers"]["Authorization"] == authorization


# 3. The management API's status codes and errors.

def test_create_rest_api_answers_201(apigateway: Any) -> None:
    """API Reference, CreateRestApi, "Response Syntax": HTTP/1.1 201."""
    reply = apigateway.create_rest_api(name=unique("api"))
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 201


@pytest.mark.parametrize("operation, arguments", [
    ("get_rest_api", {}),
    ("get_resources", {}),
    ("get_stages", {}),
    ("delete_rest_api", {}),
    ("update_rest_api", {"patchOperations": [{"op": "replace", "path": "/name", "value": "x"}]}),
])
def test_an_unknown_api_id_is_not_found(apigateway: Any, operation: str,
                                        arguments: dict[str, Any]) -> None:
    """API Gateway answers 404 NotFoundException "Invalid API identifier specified
    {account}:{api_id}" (as quoted from AWS in aws/aws-sdk-js#2458; the API Reference's Errors
    section lists NotFoundException, 404)."""
    with pytest.raises(ClientError) as raised:
        getattr(apigateway, operation)(restApiId="nosuchapi0", **arguments)
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"]["Code"] == "NotFoundException"
    assert error["Error"]["Message"] == f"Invalid API identifier specified {ACCOUNT_ID}:nosuchapi0"


# 4. An integration's credentials. API Reference, Integration.credentials: "Specifies the
# credentials required for the integration, if any. For AWS integrations ... To require that
# API Gateway assume a role, specify the role's ARN". With a role, no Lambda resource policy is
# needed (Developer Guide, "Control access for invoking an API" / Lambda integrations: the role
# must trust apigateway.amazonaws.com and allow lambda:InvokeFunction). A role that cannot be
# used gives 500 {"message": "Internal server error"}, logged "Execution failed due to
# configuration error: Invalid permissions on Lambda function" (AWS re:Post, "How do I
# troubleshoot issues for API Gateway endpoints that integrate with Lambda?").

def test_an_invocation_role_replaces_the_resource_policy(sandbox_url: str, apigateway: Any,
                                                         aws_client: ClientFactory,
                                                         echo_arn: str) -> None:
    role = gateway_role(aws_client("iam"), GATEWAY_TRUST, echo_arn)
    api = proxy_api(apigateway, REGION, echo_arn, credentials=role)
    reply = call(stage_url(sandbox_url, api.api_id, "/echo", STAGE))
    assert reply.status == 201, reply.body
    assert reply.json()["resource"] == "/echo"


@pytest.mark.parametrize("trusts_gateway, may_invoke", [(False, True), (True, False)])
def test_an_unusable_invocation_role_is_an_internal_error(
        sandbox_url: str, apigateway: Any, aws_client: ClientFactory, echo_arn: str,
        trusts_gateway: bool, may_invoke: bool) -> None:
    trust = GATEWAY_TRUST if trusts_gateway else GATEWAY_TRUST.replace("apigateway", "lambda")
    role = gateway_role(aws_client("iam"), trust, echo_arn if may_invoke else None)
    api = proxy_api(apigateway, REGION, echo_arn, credentials=role)
    reply = call(stage_url(sandbox_url, api.api_id, "/echo", STAGE))
    assert reply.status == 500
    assert reply.json() == INTERNAL_ERROR
    tested = apigateway.test_invoke_method(restApiId=api.api_id, resourceId=api.resource_id,
                                           httpMethod="GET")
    assert tested["status"] == 500
    assert NO_PERMISSION_LOG in tested["log"]


def test_a_role_that_may_not_invoke_another_function_is_refused(
        sandbox_url: str, apigateway: Any, aws_client: ClientFactory, echo_arn: str) -> None:
    role = gateway_role(aws_client("iam"), GATEWAY_TRUST, echo_arn + "-other")
    api = proxy_api(apigateway, REGION, echo_arn, credentials=role)
    assert call(stage_url(sandbox_url, api.api_id, "/echo", STAGE)).status == 500


# 5. PATCH updates. API Reference, UpdateMethod and UpdateIntegrationResponse: "Response Syntax"
# HTTP/1.1 200 with the whole updated Method / IntegrationResponse; paths are JSON Pointers
# ("Patch Operations": `~1` stands for `/` in a key).

@pytest.fixture
def mock_method(apigateway: Any) -> tuple[str, str]:
    """(api id, root resource id) with GET → MOCK and its 200 integration response."""
    api_id = apigateway.create_rest_api(name=unique("api"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    apigateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                          authorizationType="NONE")
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                               requestTemplates={"application/json": '{"statusCode": 200}'})
    apigateway.put_method_response(restApiId=api_id, resourceId=root, httpMethod="GET",
                                   statusCode="200")
    apigateway.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="GET",
                                        statusCode="200",
                                        responseTemplates={"application/json": '{"a": 1}'})
    return api_id, root


def test_update_method_applies_its_patch(apigateway: Any, mock_method: tuple[str, str]) -> None:
    api_id, root = mock_method
    reply = apigateway.update_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                                     patchOperations=[
        {"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"},
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "add", "path": "/requestParameters/method.request.querystring.q",
         "value": "true"},
        {"op": "add", "path": "/requestModels/application~1json", "value": "Empty"}])
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert reply["authorizationType"] == "AWS_IAM"
    assert reply["apiKeyRequired"] is True
    assert reply["requestParameters"] == {"method.request.querystring.q": True}
    assert reply["requestModels"] == {"application/json": "Empty"}
    stored = apigateway.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    assert stored["authorizationType"] == "AWS_IAM"
    apigateway.update_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                             patchOperations=[{"op": "remove",
                                               "path": "/requestModels/application~1json"}])
    assert not apigateway.get_method(restApiId=api_id, resourceId=root,
                                     httpMethod="GET").get("requestModels")


def test_update_integration_response_applies_its_patch(apigateway: Any,
                                                       mock_method: tuple[str, str]) -> None:
    api_id, root = mock_method
    reply = apigateway.update_integration_response(
        restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
        patchOperations=[
            {"op": "replace", "path": "/selectionPattern", "value": "2\\d{2}"},
            {"op": "replace", "path": "/responseTemplates/application~1json", "value": "{}"},
            {"op": "add", "path": "/responseParameters/method.response.header.X-A",
             "value": "'a'"}])
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert reply["selectionPattern"] == "2\\d{2}"
    assert reply["responseTemplates"] == {"application/json": "{}"}
    assert reply["responseParameters"] == {"method.response.header.X-A": "'a'"}
    stored = apigateway.get_integration_response(restApiId=api_id, resourceId=root,
                                                 httpMethod="GET", statusCode="200")
    assert stored["selectionPattern"] == "2\\d{2}"


@pytest.mark.parametrize("operation, arguments", [
    ("update_method", {"httpMethod": "POST"}),
    ("update_integration_response", {"httpMethod": "GET", "statusCode": "404"}),
])
def test_patching_what_does_not_exist_is_not_found(apigateway: Any, mock_method: tuple[str, str],
                                                   operation: str,
                                                   arguments: dict[str, Any]) -> None:
    """API Reference, UpdateMethod / UpdateIntegrationResponse, Errors: NotFoundException, 404."""
    api_id, root = mock_method
    with pytest.raises(ClientError) as raised:
        getattr(apigateway, operation)(restApiId=api_id, resourceId=root, patchOperations=[],
                                       **arguments)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert raised.value.response["Error"]["Code"] == "NotFoundException"


# Resources per API ---------------------------------------------------------------------------------

RESOURCE_LIMIT = ("Maximum number of Resources for this API has been reached.  Please contact AWS "
                  "if you need additional Resources.")


def test_the_301st_resource_is_past_the_quota(apigateway: Any) -> None:
    """"Resources per API: 300" (API Gateway quotas for REST APIs; the root counts). AWS answers
    429 LimitExceededException with this text and `retryAfterSeconds: null` (the answer recorded
    in hashicorp/terraform-provider-aws#37605). A chain 299 deep still lists: moto's recursive
    paths answered GetResources with 500 past a few hundred levels."""
    api_id = apigateway.create_rest_api(name=unique("quota"))["id"]
    parent = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    for _ in range(299):
        parent = apigateway.create_resource(restApiId=api_id, parentId=parent, pathPart="a")["id"]
    with pytest.raises(ClientError) as refused:
        apigateway.create_resource(restApiId=api_id, parentId=parent, pathPart="a")
    answer = refused.value.response
    assert (answer["ResponseMetadata"]["HTTPStatusCode"], answer["Error"]["Code"],
            answer["Error"]["Message"]) == (429, "LimitExceededException", RESOURCE_LIMIT)
    assert len(apigateway.get_resources(restApiId=api_id, limit=500)["items"]) == 300


def test_a_merge_past_the_quota_changes_nothing(apigateway: Any) -> None:
    """PutRestApi in merge mode adds the document's paths to the API's: past 300 in all, AWS
    answers LimitExceededException, and the API keeps what it had."""
    document = {"openapi": "3.0.1", "info": {"title": unique("merge")},
                "paths": {f"/first{each}": {"get": {}} for each in range(200)}}
    api_id = apigateway.import_rest_api(body=json.dumps(document).encode())["id"]
    document["paths"] = {f"/second{each}": {"get": {}} for each in range(150)}
    with pytest.raises(ClientError) as refused:
        apigateway.put_rest_api(restApiId=api_id, mode="merge", body=json.dumps(document).encode())
    assert refused.value.response["Error"]["Code"] == "LimitExceededException"
    paths = {item["path"] for item in apigateway.get_resources(restApiId=api_id, limit=500)["items"]}
    assert len(paths) == 201 and "/second0" not in paths
