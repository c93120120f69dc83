"""API Gateway's errors as the sandbox raises them: AWS's codes and texts (rest-json)."""
from http import HTTPStatus

from werkzeug.wrappers import Response

from webapp.sandbox.aws_errors import AwsError, rest_json_error


class ApiGatewayError(Exception):
    """An error answer of API Gateway's management API."""

    code = "BadRequestException"
    status = HTTPStatus.BAD_REQUEST
    # Modeled members after the message, as AWS sends them for this error.
    members: tuple[tuple[str, object], ...] = ()

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def response(self) -> Response:
        """The HTTP answer botocore reads as this error."""
        error = AwsError(self.code, self.message, self.status, members=self.members)
        return rest_json_error(error).response()


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
    members = (("retryAfterSeconds", None),)
