"""Refusals in each protocol's error shape, with AWS's codes, statuses and wording.

* JSON protocols (X-Amz-Target: DynamoDB, Logs): HTTP 400, `{"__type":
  "com.amazon.coral.service#AccessDeniedException", "Message": …}` as DynamoDB sends it;
  ExpiredTokenException / UnrecognizedClientException for bad keys.
* Query protocol (IAM, STS): HTTP 403, `<ErrorResponse><Error><Type>Sender</Type><Code>
  AccessDenied</Code>…`; ExpiredToken / InvalidClientTokenId for bad keys.
* REST-JSON (Lambda, API Gateway): HTTP 403, `x-amzn-ErrorType: AccessDeniedException`;
  ExpiredTokenException / UnrecognizedClientException for bad keys.

Bad keys: expired keys say "The security token included in the request is expired"; keys AWS
no longer recognises — a session token that does not belong to the access key, or a session of
a role that has since been deleted — say "The security token included in the request is
invalid" (with a final period in the JSON protocols, without one in the query protocol, as AWS
sends them).
"""
import json
import uuid
from dataclasses import dataclass
from enum import Enum
from http import HTTPStatus
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from webapp.sandbox.authz.policy import Decision
from webapp.sandbox.authz.roles import Verdict

JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
CORAL_PREFIX = "com.amazon.coral.service#"
QUERY_NAMESPACES = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
                    "iam": "https://iam.amazonaws.com/doc/2010-05-08/"}
EXPIRED_MESSAGE = "The security token included in the request is expired"
INVALID_MESSAGE = "The security token included in the request is invalid"


class Protocol(Enum):
    """How a service shapes its errors."""

    JSON = "json"
    QUERY = "query"
    REST_JSON = "rest-json"


@dataclass(frozen=True, slots=True)
class ErrorKind:
    """One refusal, by the code each protocol family gives it."""

    json_code: str
    query_code: str
    rest_code: str


ACCESS_DENIED = ErrorKind("AccessDeniedException", "AccessDenied", "AccessDeniedException")
EXPIRED_TOKEN = ErrorKind("ExpiredTokenException", "ExpiredToken", "ExpiredTokenException")
INVALID_TOKEN = ErrorKind("UnrecognizedClientException", "InvalidClientTokenId",
                          "UnrecognizedClientException")


def protocol_of(request: Request) -> Protocol:
    """The protocol a request speaks, from the same signs the dispatcher names operations by."""
    if request.headers.get("X-Amz-Target"):
        return Protocol.JSON
    if request.values.get("Action"):
        return Protocol.QUERY
    return Protocol.REST_JSON


def denial_message(principal_arn: str, action: str, resource: str, verdict: Verdict) -> str:
    """AWS's AccessDenied text for an identity-based (or permissions boundary) refusal."""
    refused = (f"User: {principal_arn} is not authorized to perform: {action} "
               f"on resource: {resource}")
    if verdict.decision is Decision.EXPLICIT_DENY:
        denying = "a permissions boundary" if verdict.by_boundary else "an identity-based policy"
        return f"{refused} with an explicit deny in {denying}"
    allowing = "permissions boundary" if verdict.by_boundary else "identity-based policy"
    return f"{refused} because no {allowing} allows the {action} action"


def access_denied(request: Request, service: str, message: str) -> Response:
    """AccessDenied(Exception) carrying `message`."""
    return _error(request, service, ACCESS_DENIED, message, message)


def expired_token(request: Request, service: str) -> Response:
    """ExpiredToken(Exception): the keys are past their expiration."""
    return _error(request, service, EXPIRED_TOKEN, EXPIRED_MESSAGE, EXPIRED_MESSAGE)


def invalid_token(request: Request, service: str) -> Response:
    """InvalidClientTokenId / UnrecognizedClientException: AWS no longer knows the keys."""
    return _error(request, service, INVALID_TOKEN, f"{INVALID_MESSAGE}.", INVALID_MESSAGE)


def _error(request: Request, service: str, kind: ErrorKind, json_message: str,
           query_message: str) -> Response:
    request_id = str(uuid.uuid4())
    protocol = protocol_of(request)
    if protocol is Protocol.QUERY:
        return query_error(service, kind.query_code, query_message, HTTPStatus.FORBIDDEN,
                           request_id)
    if protocol is Protocol.JSON:
        return _json_error(request, kind, json_message, request_id)
    return _rest_json_error(kind.rest_code, json_message, request_id)


def _json_error(request: Request, kind: ErrorKind, message: str, request_id: str) -> Response:
    content_type = request.headers.get("Content-Type", "")
    if not content_type.startswith("application/x-amz-json"):
        content_type = JSON_CONTENT_TYPE
    # DynamoDB capitalises Message in AccessDeniedException, other errors use "message";
    # botocore reads either.
    message_field = "Message" if kind is ACCESS_DENIED else "message"
    body = {"__type": f"{CORAL_PREFIX}{kind.json_code}", message_field: message}
    return Response(json.dumps(body), status=HTTPStatus.BAD_REQUEST, content_type=content_type,
                    headers={"x-amzn-RequestId": request_id})


def query_error(service: str, code: str, message: str, status: HTTPStatus,
                request_id: str | None = None) -> Response:
    """An error in the query protocol's shape (IAM, STS), from the caller's side (Sender)."""
    request_id = request_id or str(uuid.uuid4())
    namespace = QUERY_NAMESPACES.get(service, f"https://{service}.amazonaws.com/doc/")
    body = (f'<ErrorResponse xmlns="{namespace}">\n'
            f"  <Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n"
            f"    <Message>{escape(message)}</Message>\n  </Error>\n"
            f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n")
    return Response(body, status=status, content_type="text/xml",
                    headers={"x-amzn-RequestId": request_id})


def _rest_json_error(code: str, message: str, request_id: str) -> Response:
    body = {"Type": "User", "Message": message}
    return Response(json.dumps(body), status=HTTPStatus.FORBIDDEN,
                    content_type="application/json",
                    headers={"x-amzn-RequestId": request_id, "x-amzn-ErrorType": code})
