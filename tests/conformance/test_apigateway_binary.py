"""API Gateway (REST APIs): a Lambda proxy answer with isBase64Encoded reaches the client as AWS
sends it, bytes or base64 text, depending on the API's binaryMediaTypes and the request's Accept.

AWS documents the rule in the Developer Guide:
- "Return binary media from a Lambda proxy integration in API Gateway": to return binary media,
  base64-encode the function's response and configure the API's binary media types; "API Gateway
  uses the first Accept header from clients to determine if a response should return binary
  media", and `*/*` makes every request's answer binary (the way to serve browsers).
- "Binary media types for REST APIs in API Gateway": binaryMediaTypes lists the content types the
  API treats as binary; "You can use the wildcard character (*) to cover multiple media types".
- "Content type conversions in API Gateway": "When a request contains multiple media types in
  its Accept header, API Gateway honors only the first Accept media type"; with no
  binaryMediaTypes the method response payload is the integration's text, unconverted.
So the base64 body is decoded to bytes only when the first Accept media type matches one of the
API's binaryMediaTypes; otherwise the base64 text is the body, as the function returned it, and
the function's Content-Type alone decides nothing. A body without isBase64Encoded is never
touched. The sandbox is reached only over boto3 and HTTP.
"""
import base64
from typing import Any

import pytest

from tests.sandbox.lambda_support import create_role, deploy, lambda_client
from tests.sandbox.processes import ClientFactory
from tests.sandbox.test_gateway_stage import (allow_gateway, call, execute_arn, make_api,
                                              stage_url)

STAGE = "prod"
PNG = bytes([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 255, 128])
PNG_BASE64 = base64.b64encode(PNG)
TEXT = "plain words, not base64"
PICTURE = f"""
    def handler(event, context):
        if (event.get("queryStringParameters") or {{}}).get("mode") == "text":
            return {{"statusCode": 200, "headers": {{"Content-Type": "text/plain"}},
                    "body": {TEXT!r}}}
        return {{"statusCode": 200, "headers": {{"Content-Type": "image/png"}},
                "body": {PNG_BASE64.decode()!r}, "isBase64Encoded": True}}
"""
# An API per binaryMediaTypes setting, by name.
BINARY_MEDIA_TYPES = {"none": [], "png": ["image/png"], "images": ["image/*"], "all": ["*/*"]}


@pytest.fixture(scope="module")
def stages(sandbox_url: str, aws_client: ClientFactory) -> dict[str, str]:
    """The stage URL of GET /picture on each API of BINARY_MEDIA_TYPES, all proxying to one
    function answering PNG base64-encoded (or TEXT with ?mode=text)."""
    apigateway = aws_client("apigateway")
    lambda_api = lambda_client(sandbox_url)
    picture = deploy(lambda_api, create_role(aws_client("iam")), PICTURE)
    urls = {}
    for name, media_types in BINARY_MEDIA_TYPES.items():
        made = make_api(apigateway, picture.arn, [("/picture", "GET")])
        for media_type in media_types:
            apigateway.update_rest_api(restApiId=made.api_id, patchOperations=[{
                "op": "add", "path": "/binaryMediaTypes/" + media_type.replace("/", "~1")}])
        allow_gateway(lambda_api, picture.name, execute_arn(made.api_id))
        apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)
        urls[name] = stage_url(sandbox_url, made.api_id, "/picture", STAGE)
    return urls


def get(url: str, accept: str | None) -> Any:
    return call(url, headers=[("Accept", accept)] if accept else [])


@pytest.mark.parametrize(("api", "accept"), [
    # "Return binary media from a Lambda proxy integration": the API's binary media type
    # matches the request's Accept.
    ("png", "image/png"),
    # "Binary media types for REST APIs": a wildcard covers several media types.
    ("images", "image/png"),
    # "Content type conversions": only the first Accept media type counts, and it matches.
    ("png", "image/png, text/html"),
    # "Return binary media from a Lambda proxy integration": */* serves any Accept (browsers).
    ("all", "text/html,application/xhtml+xml,image/webp,*/*;q=0.8"),
])
def test_a_matching_first_accept_type_gets_the_decoded_bytes(stages: dict[str, str], api: str,
                                                             accept: str) -> None:
    reply = get(stages[api], accept)
    assert reply.status == 200
    assert reply.body == PNG
    assert reply.header("Content-Type") == ["image/png"]


@pytest.mark.parametrize(("api", "accept"), [
    # No binaryMediaTypes: the API treats nothing as binary ("Content type conversions": the
    # integration's text is the method response payload).
    ("none", "image/png"),
    ("none", None),
    # The function's Content-Type is image/png, but the Accept does not match: AWS looks at the
    # Accept only ("API Gateway uses the first Accept header ...").
    ("png", "application/json"),
    ("png", None),
    # "When a request contains multiple media types in its Accept header, API Gateway honors
    # only the first Accept media type": a matching second one does not count.
    ("png", "text/html, image/png"),
    ("images", "application/octet-stream"),
])
def test_otherwise_the_base64_text_is_the_body(stages: dict[str, str], api: str,
                                                accept: str | None) -> None:
    reply = get(stages[api], accept)
    assert reply.status == 200
    assert reply.body == PNG_BASE64
    assert reply.header("Content-Type") == ["image/png"]


@pytest.mark.parametrize("api", ["none", "all"])
def test_an_answer_without_is_base64_encoded_is_sent_as_it_is(stages: dict[str, str],
                                                              api: str) -> None:
    """"Output format of a Lambda function for proxy integration": body is the function's
    string; only isBase64Encoded asks API Gateway to decode it."""
    reply = get(stages[api] + "?mode=text", "text/plain")
    assert reply.status == 200
    assert reply.body == TEXT.encode()
    assert reply.header("Content-Type") == ["text/plain"]
