"""Lambda API errors the sandbox raises itself, shaped as AWS's rest-json errors.

botocore reads the code from the X-Amzn-ErrorType header and modeled fields (such as
TooManyRequestsException's Reason) from the JSON body.
"""
from http import HTTPStatus

from werkzeug.wrappers import Response

from webapp.sandbox.aws_errors import USER_TYPE, AwsError, rest_json_error


class LambdaServiceError(Exception):
    """An error answered to the caller instead of a result."""

    code = "ServiceException"
    status = HTTPStatus.INTERNAL_SERVER_ERROR

    def __init__(self, message: str, **fields: str) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def response(self) -> Response:
        """The HTTP answer botocore turns into this error."""
        error = AwsError(self.code, self.message, self.status, members=tuple(self.fields.items()),
                         headers=tuple(self.headers().items()))
        return rest_json_error(error, type_member=USER_TYPE).response()

    def headers(self) -> dict[str, str]:
        """Extra response headers of this error."""
        return {}


class TooManyRequestsException(LambdaServiceError):
    """A throttle: the function or account has no concurrency left."""

    code = "TooManyRequestsException"
    status = HTTPStatus.TOO_MANY_REQUESTS
    # AWS asks callers to come back after a second; botocore's own retries honour its backoff.
    retry_after_seconds = 1

    def __init__(self, reason: str) -> None:
        super().__init__("Rate Exceeded.", Reason=reason)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class InvalidRuntimeException(LambdaServiceError):
    """The function's runtime does not run in the sandbox.

    AWS answers this code with 502, which botocore retries four times before giving up; 400
    fails at once with the same code and message, which is what a person needs here.
    """

    code = "InvalidRuntimeException"
    status = HTTPStatus.BAD_REQUEST


class InvalidZipFileException(LambdaServiceError):
    """The function's code is not a zip archive the runtime can unpack (400: see above)."""

    code = "InvalidZipFileException"
    status = HTTPStatus.BAD_REQUEST


class RequestTooLargeException(LambdaServiceError):
    """The request payload exceeds Lambda's limit for its invocation type."""

    code = "RequestTooLargeException"
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class InvalidRequestContentException(LambdaServiceError):
    """The payload or client context is not what Lambda accepts."""

    code = "InvalidRequestContentException"
    status = HTTPStatus.BAD_REQUEST


class InvalidParameterValueException(LambdaServiceError):
    """A setting of the function that stops it from running, such as a deleted role."""

    code = "InvalidParameterValueException"
    status = HTTPStatus.BAD_REQUEST


class ValidationException(LambdaServiceError):
    """A parameter outside its allowed values."""

    code = "ValidationException"
    status = HTTPStatus.BAD_REQUEST


class ResourceNotFoundException(LambdaServiceError):
    """The function (or the resource it names) does not exist where the call looks for it."""

    code = "ResourceNotFoundException"
    status = HTTPStatus.NOT_FOUND
