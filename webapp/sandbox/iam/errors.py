"""IAM's refusals of a malformed request: HTTP 400 in the query protocol's error shape.

The shape (ErrorResponse, Sender, RequestId) is the one the authorization guard already sends for
IAM; only the codes differ: MalformedPolicyDocument for a policy IAM cannot read, ValidationError
for a parameter it cannot parse, InvalidInput for a value it will not take, UnmodifiableEntity
for a role only AWS may change; NoSuchEntity (HTTP 404) for a user, role or policy it cannot
find.
"""
from http import HTTPStatus

from werkzeug.wrappers import Response

from webapp.sandbox.aws_errors import AwsError, query_error

SERVICE = "iam"
MALFORMED_POLICY_DOCUMENT = "MalformedPolicyDocument"
VALIDATION_ERROR = "ValidationError"
NO_SUCH_ENTITY = "NoSuchEntity"
INVALID_INPUT = "InvalidInput"
UNMODIFIABLE_ENTITY = "UnmodifiableEntity"


def malformed_policy_document(message: str) -> Response:
    """MalformedPolicyDocument, HTTP 400: the policy's text says what IAM could not take."""
    return _error(MALFORMED_POLICY_DOCUMENT, message, HTTPStatus.BAD_REQUEST)


def validation_error(message: str) -> Response:
    """ValidationError, HTTP 400: a parameter IAM could not parse."""
    return _error(VALIDATION_ERROR, message, HTTPStatus.BAD_REQUEST)


def no_such_entity(message: str) -> Response:
    """NoSuchEntity, HTTP 404: what the request names does not exist."""
    return _error(NO_SUCH_ENTITY, message, HTTPStatus.NOT_FOUND)


def invalid_input(message: str) -> Response:
    """InvalidInput, HTTP 400: a value IAM will not take."""
    return _error(INVALID_INPUT, message, HTTPStatus.BAD_REQUEST)


def unmodifiable_entity(message: str) -> Response:
    """UnmodifiableEntity, HTTP 400: the entity is AWS's to change."""
    return _error(UNMODIFIABLE_ENTITY, message, HTTPStatus.BAD_REQUEST)


def _error(code: str, message: str, status: HTTPStatus) -> Response:
    return query_error(AwsError(code, message, status), SERVICE).response()
