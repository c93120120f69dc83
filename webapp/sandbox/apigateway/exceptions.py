"""API Gateway's errors as the sandbox raises them: AWS's codes and texts (rest-json)."""
import json
from http import HTTPStatus

from werkzeug.wrappers import Response


class ApiGatewayError(Exception):
    """An error answer of API Gateway's management API."""

    code = "BadRequestException"
    status = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def response(self) -> Response:
        """The HTTP answer botocore reads as this error."""
        return Response(json.dumps({"message": self.message}), status=self.status,
                        headers={"x-amzn-ErrorType": self.code},
                        content_type="application/json")


class BadRequestException(ApiGatewayError):
    """400 BadRequestException."""


class NotFoundException(ApiGatewayError):
    """404 NotFoundException."""

    code = "NotFoundException"
    status = HTTPStatus.NOT_FOUND


class ConflictException(ApiGatewayError):
    """409 ConflictException."""

    code = "ConflictException"
    status = HTTPStatus.CONFLICT


class LimitExceededException(ApiGatewayError):
    """429 LimitExceededException: a quota of the account or the API is used up. AWS adds
    `retryAfterSeconds`, null for a quota that waiting does not lift."""

    code = "LimitExceededException"
    status = HTTPStatus.TOO_MANY_REQUESTS

    def response(self) -> Response:
        """The HTTP answer botocore reads as this error, with AWS's retryAfterSeconds."""
        return Response(json.dumps({"message": self.message, "retryAfterSeconds": None}),
                        status=self.status, headers={"x-amzn-ErrorType": self.code},
                        content_type="application/json")
