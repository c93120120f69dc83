"""AWS_PROXY (and the Lambda half of AWS) integrations: call the function in-process.

The integration URI `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/
invocations` may name a qualifier and `${stageVariables.x}`; the function runs through the
sandbox's Lambda runtime, as lambda:Invoke would run it, after its resource policy (or the
integration's invocation role, `credentials`) is checked (permissions.py).

A proxy response with isBase64Encoded is decoded and sent as bytes only when the request's first
Accept media type matches one of the API's binaryMediaTypes (wildcards count); otherwise its
base64 text is the body, unchanged, whatever its Content-Type (Developer Guide, "Return binary
media from a Lambda proxy integration" and "Content type conversions in API Gateway"). A request
without Accept has no media type to match. API Gateway's 29 s integration timeout (504) is not
applied: the function's own timeout ends it (502).
"""
import base64
import binascii
import json
import re
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from webapp.sandbox.apigateway import permissions
from webapp.sandbox.apigateway.events import GatewayRequest, is_binary_type, proxy_event
from webapp.sandbox.apigateway.execution import (INTERNAL_ERROR, MS, Call, GatewayResponse,
                                                 format_map, json_response, log_method_response)
from webapp.sandbox.awslambda.exceptions import LambdaServiceError
from webapp.sandbox.awslambda.functions import find_function
from webapp.sandbox.awslambda.service import (InvocationType, InvokeRequest, InvokeResult,
                                              LambdaService)

LAMBDA_URI = re.compile(r"arn:aws[\w-]*:apigateway:(?P<region>[^:]+):lambda:path/2015-03-31/"
                        r"functions/(?P<function>.+)/invocations")
STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.(?P<name>[\w.-]+)\}")
# arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
QUALIFIED_ARN_PARTS = 8
PROXY_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
MALFORMED = "Execution failed due to configuration error: Malformed Lambda proxy response"
NO_PERMISSION = ("Execution failed due to configuration error: "
                 "Invalid permissions on Lambda function")
DEFAULT_CONTENT_TYPE = "application/json"


class MalformedResponse(ValueError):
    """The function's answer is not a proxy response."""


@dataclass(frozen=True, slots=True)
class LambdaTarget:
    """The function an integration URI names."""

    region: str
    function_arn: str
    qualifier: str | None

    @property
    def invocations_url(self) -> str:
        """The endpoint request URI the execution log shows."""
        qualified = f"{self.function_arn}:{self.qualifier}" if self.qualifier else self.function_arn
        return (f"https://lambda.{self.region}.amazonaws.com/2015-03-31/functions/{qualified}"
                "/invocations")


def lambda_target(uri: str, variables: dict[str, str] | None) -> LambdaTarget | None:
    """The function named by a Lambda integration URI, stage variables filled in."""
    filled = STAGE_VARIABLE.sub(lambda found: (variables or {}).get(found["name"], ""), uri)
    match = LAMBDA_URI.fullmatch(filled)
    if match is None:
        return None
    parts = match["function"].split(":")
    qualifier = parts[7] if len(parts) >= QUALIFIED_ARN_PARTS else None
    return LambdaTarget(match["region"], ":".join(parts[:7]), qualifier or None)


def call_function(call: Call, service: LambdaService,
                  payload: bytes) -> tuple[InvokeResult | None, GatewayResponse | None]:
    """Invoke the integration's function with `payload`; a gateway error answer instead if not."""
    integration = call.match.method.integration
    assert integration is not None
    log, stage = call.log, call.stage
    target = lambda_target(integration.uri, stage.variables)
    if target is None:
        log.error("Execution failed due to configuration error: Invalid Lambda function URI")
        return None, _internal_error(call)
    arn = permissions.source_arn(stage.region, stage.account_id, stage.api_id, stage.arn_stage,
                                 call.match.method.http_method, call.match.resource.path)
    found = find_function(stage.account_id, target.region, target.function_arn, target.qualifier)
    if found is None or not _may_invoke(call, target, arn):
        log.error(NO_PERMISSION)
        return None, _internal_error(call)
    log.info(f"Endpoint request URI: {target.invocations_url}")
    log.info("Endpoint request headers: " + format_map({
        "x-amzn-apigateway-api-id": stage.api_id, "Accept": "application/json",
        "User-Agent": "AmazonAPIGateway_" + stage.api_id, "X-Amz-Source-Arn": arn,
        "Content-Type": "application/json"}))
    log.info("Endpoint request body after transformations: " + payload.decode(errors="replace"))
    log.info(f"Sending request to {target.invocations_url}")
    invoked = (f"{found.function.function_arn}:{target.qualifier}" if target.qualifier
               else found.function.function_arn)
    started = time.monotonic()
    try:
        result = service.invoke(InvokeRequest(
            found=found, invocation_type=InvocationType.REQUEST_RESPONSE, tail_log=False,
            payload=payload, client_context=None, invoked_function_arn=invoked,
            endpoint_url=call.endpoint_url))
    except LambdaServiceError as err:
        log.error(f"Execution failed due to configuration error: {err}")
        return None, _internal_error(call)
    latency = int((time.monotonic() - started) * MS)
    log.info(f"Received response. Status: {int(result.status)}, Integration latency: "
             f"{latency} ms")
    log.info("Endpoint response body before transformations: "
             + result.payload.decode(errors="replace"))
    log.info("Endpoint response headers: " + format_map({
        "Content-Type": "application/json", "X-Amz-Executed-Version": result.executed_version,
        "x-amzn-Remapped-Content-Length": "0", "x-amzn-RequestId": result.request_id}))
    return result, None


def _may_invoke(call: Call, target: LambdaTarget, arn: str) -> bool:
    integration = call.match.method.integration
    account_id = call.stage.account_id
    if integration is not None and integration.credentials:
        return permissions.role_may_invoke(account_id, integration.credentials,
                                           target.function_arn, target.qualifier)
    return permissions.may_invoke(account_id, target.region, target.function_arn,
                                  target.qualifier, arn)


def run_proxy(call: Call, service: LambdaService) -> GatewayResponse:
    """AWS_PROXY: the event in, the proxy response out."""
    event = proxy_event(call.request, call.match, call.stage, call.api.binary_media_types)
    result, refusal = call_function(call, service, json.dumps(event).encode())
    if result is None:
        assert refusal is not None
        return refusal
    if result.function_error is not None:
        return function_failed(call, result)
    try:
        response = proxy_response(result.payload,
                                  wants_binary(call.request, call.api.binary_media_types))
    except MalformedResponse:
        call.log.error(MALFORMED)
        call.log.error(f"Method completed with status: {HTTPStatus.BAD_GATEWAY.value}")
        return json_response(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR, MALFORMED,
                             integration_status=HTTPStatus.OK)
    log_method_response(call.log, response)
    return response


def function_failed(call: Call, result: InvokeResult) -> GatewayResponse:
    """502 for a function that raised or timed out."""
    message = _error_message(result.payload)
    call.log.error(f"Lambda execution failed with status 200 due to customer function error: "
                   f"{message}. Lambda request id: {result.request_id}")
    call.log.error(f"Method completed with status: {HTTPStatus.BAD_GATEWAY.value}")
    return json_response(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR, message,
                         integration_status=HTTPStatus.OK)


def wants_binary(request: GatewayRequest, binary_media_types: tuple[str, ...]) -> bool:
    """Whether a base64-encoded proxy answer goes out decoded: the first Accept media type is
    one of the API's binary media types."""
    accept = request.accept_type
    return accept is not None and is_binary_type(accept, binary_media_types)


def proxy_response(payload: bytes, decode_binary: bool) -> GatewayResponse:
    """The HTTP answer a proxy response describes, its base64 body decoded if `decode_binary`;
    MalformedResponse if it is not one."""
    try:
        answer = json.loads(payload)
    except ValueError:
        raise MalformedResponse("not JSON") from None
    if not isinstance(answer, dict) or not set(answer) <= PROXY_KEYS:
        raise MalformedResponse("not a proxy response object")
    status = _status(answer.get("statusCode"))
    headers = _headers(answer.get("headers"), answer.get("multiValueHeaders"))
    body = _body(answer.get("body"), answer.get("isBase64Encoded", False), decode_binary)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", DEFAULT_CONTENT_TYPE))
    return GatewayResponse(status, tuple(headers), body, integration_status=HTTPStatus.OK)


def _status(value: Any) -> int:
    if isinstance(value, bool):
        raise MalformedResponse("statusCode")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise MalformedResponse("statusCode")


def _headers(single: Any, multi: Any) -> list[tuple[str, str]]:
    if single is not None and not isinstance(single, dict):
        raise MalformedResponse("headers")
    if multi is not None and not isinstance(multi, dict):
        raise MalformedResponse("multiValueHeaders")
    merged: dict[str, list[str]] = {name: [_text(value)] for name, value in (single or {}).items()}
    for name, values in (multi or {}).items():
        if not isinstance(values, list):
            raise MalformedResponse("multiValueHeaders")
        merged[name] = [_text(value) for value in values]
    return [(name, value) for name, values in merged.items() for value in values]


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise MalformedResponse("header value")
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def _body(body: Any, encoded: Any, decode_binary: bool) -> bytes:
    if body is None:
        return b""
    if not isinstance(body, str) or not isinstance(encoded, bool):
        raise MalformedResponse("body")
    if not (encoded and decode_binary):
        return body.encode()
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise MalformedResponse("body is not base64") from None


def _error_message(payload: bytes) -> str:
    try:
        answer = json.loads(payload)
    except ValueError:
        return payload.decode(errors="replace")
    if isinstance(answer, dict):
        return str(answer.get("errorMessage", answer))
    return str(answer)


def _internal_error(call: Call) -> GatewayResponse:
    call.log.error(f"Method completed with status: {HTTPStatus.INTERNAL_SERVER_ERROR.value}")
    return json_response(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR,
                         INTERNAL_ERROR["message"])
