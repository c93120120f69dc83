"""DynamoDB's error answers, for the sandbox's own handlers: AWS's JSON 1.0 error shape.

DynamoDB names an error by its `__type` (the service's namespace, '#', the code) and says why in
`message`; botocore reads the code from after the '#'. Validation errors come from the request
validator's namespace, every other one from DynamoDB's own.
"""
from http import HTTPStatus

from werkzeug.wrappers import Response

from webapp.sandbox.aws_errors import CORAL_SERVICE, JSON_1_0, AwsError, json_error

# DynamoDB speaks JSON 1.0.
JSON_CONTENT_TYPE = JSON_1_0
VALIDATION = "ValidationException"
SERIALIZATION = "SerializationException"
_NAMESPACES = {VALIDATION: "com.amazon.coral.validate", SERIALIZATION: CORAL_SERVICE}
SERVICE_NAMESPACE = "com.amazonaws.dynamodb.v20120810"


def error(code: str, message: str | None, status: int = HTTPStatus.BAD_REQUEST,
          content_type: str = JSON_CONTENT_TYPE) -> Response:
    """DynamoDB's answer naming error `code` with `message` (none: DynamoDB gives no message,
    as for a body it cannot read)."""
    namespace = _NAMESPACES.get(code, SERVICE_NAMESPACE)
    return json_error(AwsError(code, message, status), namespace, content_type).response()


def validation_error(message: str, content_type: str = JSON_CONTENT_TYPE) -> Response:
    """DynamoDB's ValidationException with `message`, labelled `content_type`."""
    return error(VALIDATION, message, content_type=content_type)
