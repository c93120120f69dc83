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
_NAMESPACES = {VALIDATION: "com.amazon.coral.validate"}
SERVICE_NAMESPACE = "com.amazonaws.dynamodb.v20120810"


def error(code: str, message: str, status: int = HTTPStatus.BAD_REQUEST) -> Response:
    """DynamoDB's answer naming error `code` with `message`."""
    namespace = _NAMESPACES.get(code, SERVICE_NAMESPACE)
    return Response(json.dumps({"__type": f"{namespace}#{code}", "message": message}),
                    status=status, content_type=JSON_CONTENT_TYPE,
                    headers={"x-amzn-RequestId": str(uuid.uuid4())})


def validation_error(message: str) -> Response:
    """DynamoDB's ValidationException with `message`."""
    return error(VALIDATION, message)
