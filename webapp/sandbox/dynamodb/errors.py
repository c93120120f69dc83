"""DynamoDB's error answers, for the sandbox's own handlers: AWS's JSON 1.0 error shape.

DynamoDB names an error by its `__type` (the service's namespace, '#', the code) and says why in
`message`; botocore reads the code from after the '#'. Validation errors come from the request
validator's namespace, every other one from DynamoDB's own.
"""
import json
import uuid
from http import HTTPStatus

from werkzeug.wrappers import Response

JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
VALIDATION = "ValidationException"
SERIALIZATION = "SerializationException"
_NAMESPACES = {VALIDATION: "com.amazon.coral.validate", SERIALIZATION: "com.amazon.coral.service"}
SERVICE_NAMESPACE = "com.amazonaws.dynamodb.v20120810"


def error(code: str, message: str | None, status: int = HTTPStatus.BAD_REQUEST) -> Response:
    """DynamoDB's answer naming error `code` with `message` (none: DynamoDB gives no message,
    as for a body it cannot read)."""
    namespace = _NAMESPACES.get(code, SERVICE_NAMESPACE)
    answer = {"__type": f"{namespace}#{code}"}
    if message is not None:
        answer["message"] = message
    return Response(json.dumps(answer),
                    status=status, content_type=JSON_CONTENT_TYPE,
                    headers={"x-amzn-RequestId": str(uuid.uuid4())})


def validation_error(message: str) -> Response:
    """DynamoDB's ValidationException with `message`."""
    return error(VALIDATION, message)
