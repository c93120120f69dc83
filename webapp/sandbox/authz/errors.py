"""Refusals in each protocol's error shape (aws_errors.py builds it), with AWS's codes, statuses
and wording.

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
from dataclasses import dataclass
from http import HTTPStatus

from werkzeug.wrappers import Request, Response

from webapp.sandbox.authz.policy import Decision
from webapp.sandbox.authz.roles import Verdict
from webapp.sandbox.aws_errors import (USER_TYPE, AwsError, Protocol, json_content_type,
                                       json_error, protocol_of, query_error, rest_json_error)

EXPIRED_MESSAGE = "The security token included in the request is expired"
INVALID_MESSAGE = "The security token included in the request is invalid"


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
    protocol = protocol_of(request)
    if protocol is Protocol.QUERY:
        error = AwsError(kind.query_code, query_message, HTTPStatus.FORBIDDEN)
        return query_error(error, service).response()
    if protocol is Protocol.JSON:
        # DynamoDB capitalises Message in AccessDeniedException, other errors use "message";
        # botocore reads either.
        message_key = "Message" if kind is ACCESS_DENIED else "message"
        error = AwsError(kind.json_code, json_message, HTTPStatus.BAD_REQUEST)
        return json_error(error, content_type=json_content_type(request),
                          message_key=message_key).response()
    error = AwsError(kind.rest_code, json_message, HTTPStatus.FORBIDDEN)
    return rest_json_error(error, message_key="Message", type_member=USER_TYPE).response()
