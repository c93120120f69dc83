"""ConsoleErrors for everything that goes wrong talking to AWS, worded so a person can act.

Each kind of failure is its own subclass carrying the HTTP status a page showing it answers, so
views ask `err.status` or `isinstance` rather than compare codes. Messages are English msgids
with %(name)s placeholders, marked with N_ so Babel extracts them; the view layer translates
them (this package never imports Flask). AWS's own names, codes and messages travel as
parameters and are never translated.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import ClassVar

from botocore import exceptions as boto_errors
from botocore.parsers import ResponseParserError

logger = logging.getLogger(__name__)


def N_(text: str) -> str:
    """Mark a message for translation without translating it here."""
    return text


class ConsoleError(Exception):
    """Something the console could not do, with a message that says what to do about it.

    Only a base: raise the subclass that names what happened.
    """

    status: ClassVar[HTTPStatus] = HTTPStatus.BAD_GATEWAY

    def __init__(self, template: str, *, field: str | None = None,
                 aws_code: str | None = None, **params: object) -> None:
        if type(self) is ConsoleError:
            raise TypeError("raise a ConsoleError subclass that names what happened")
        self.template = template
        self.params = {"aws_code": aws_code, **params} if aws_code else params
        self.field = field
        self.aws_code = aws_code
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The English message, placeholders filled."""
        return self.template % self.params if self.params else self.template


# AWS, or the sandbox standing in for it, did not do what was asked: the page failed upstream.

class AwsFailure(ConsoleError):
    """AWS answered with an error the console has no better words for."""


class Unreachable(ConsoleError):
    """The endpoint could not be reached at all."""


class TimedOut(ConsoleError):
    """The endpoint was reached but did not answer in time."""


class NoCredentials(ConsoleError):
    """No usable credentials or profile were configured."""


class ExpiredCredentials(ConsoleError):
    """The credentials or the SSO session were refused as expired, revoked or mistyped."""


class AccessDenied(ConsoleError):
    """The identity may not perform the call (the page answers 502: AWS refused, not us)."""


class Throttled(ConsoleError):
    """AWS kept throttling the call after retrying."""


class BadResponse(ConsoleError):
    """The endpoint answered, but not in the format expected."""


class NotSupported(ConsoleError):
    """The endpoint does not implement the call."""


class Refused(ConsoleError):
    """The sandbox refused the request and said why."""


class CodeUnavailable(ConsoleError):
    """A function's deployment package cannot be fetched."""


class Unexpected(ConsoleError):
    """A failure with no words for a person; the details are in the console's log."""

    status = HTTPStatus.INTERNAL_SERVER_ERROR


# What was asked for is not there.

class NotFound(ConsoleError):
    """The resource does not exist (deleted, or in another region)."""

    status = HTTPStatus.NOT_FOUND


# What was asked cannot be done as asked; forms show these beside the input to change.

class InvalidInput(ConsoleError):
    """A value the console itself refuses."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY


class RejectedByAws(InvalidInput):
    """A request AWS (or the SDK) refused as invalid: a page that sent it failed upstream."""

    status = HTTPStatus.BAD_GATEWAY


class AlreadyExists(ConsoleError):
    """Creating found something by that name already."""

    status = HTTPStatus.CONFLICT


class Conflict(ConsoleError):
    """The resource changed, or is changing, under the request."""

    status = HTTPStatus.CONFLICT


class TooLarge(ConsoleError):
    """More than the console (or AWS) takes or reads in one go."""

    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class Busy(ConsoleError):
    """The console is already doing as much of this as it will at once."""

    status = HTTPStatus.SERVICE_UNAVAILABLE


UNREACHABLE = N_(
    "Cannot reach the AWS endpoint %(endpoint)s. If it is the sandbox, start the console with "
    "`make run`, which starts it; otherwise check AWS_ENDPOINT_URL, your network and any proxy."
)
NO_CREDENTIALS = N_(
    "No AWS credentials were found. Set AWS_PROFILE to a profile in ~/.aws/config, or set "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then restart the console."
)
SSO_EXPIRED = N_(
    "Your AWS SSO session has expired or was never started. Run `aws sso login` for the "
    "profile in AWS_PROFILE, then reload this page."
)
PROFILE_NOT_FOUND = N_(
    "The AWS profile %(profile)s does not exist. Check AWS_PROFILE against ~/.aws/config."
)
EXPIRED_CREDENTIALS = N_(
    "AWS rejected the credentials (%(aws_code)s): they are expired, revoked or mistyped. Refresh "
    "them (for example `aws sso login`, or new access keys), then reload this page."
)
ACCESS_DENIED = N_(
    "Access denied: %(principal)s may not perform %(aws_action)s on %(resource)s. Attach a "
    "policy that allows %(aws_action)s on that resource to this identity, then try again."
)
NOT_FOUND = N_("%(resource)s was not found: it may have been deleted, or it is in another region.")
THROTTLED = N_(
    "AWS kept throttling %(operation)s even after retrying. Wait a minute and try again; if it "
    "keeps happening, ask AWS for a higher quota."
)
BAD_RESPONSE = N_(
    "Could not %(action)s: the endpoint's answer was not in AWS's format. An AWS-compatible "
    "endpoint may not implement this call; on AWS itself, try again."
)
FAILED = N_("Could not %(action)s: %(aws_code)s: %(aws_message)s")
BAD_REQUEST = N_("Could not %(action)s: %(aws_message)s")

_EXPIRED_AWS_CODES = frozenset({
    "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId",
    "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
    "AuthFailure", "InvalidAccessKeyId", "MissingAuthenticationToken",
})
_DENIED_AWS_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
})
_NOT_FOUND_AWS_CODES = frozenset({
    "ResourceNotFoundException", "NoSuchEntity", "NoSuchEntityException", "NotFoundException",
    "TableNotFoundException",
})
_THROTTLE_AWS_CODES = frozenset({
    "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
    "ProvisionedThroughputExceededException", "RequestThrottled", "SlowDown",
})
_BAD_REQUEST_AWS_CODES = frozenset({
    "ValidationException", "ValidationError", "InvalidParameterValueException",
    "BadRequestException", "MalformedPolicyDocument", "InvalidInput",
})
_DENIAL = re.compile(
    r"(?:User|Principal): (?P<principal>\S+) is not authorized to perform: (?P<action>\S+)"
    r"(?: on resource: (?P<resource>\S+))?"
)
_UNREACHABLE_ERRORS = (
    boto_errors.EndpointConnectionError, boto_errors.ConnectTimeoutError,
    boto_errors.ReadTimeoutError, boto_errors.ConnectionClosedError,
)
_SSO_ERRORS = (
    boto_errors.TokenRetrievalError, boto_errors.SSOTokenLoadError,
    boto_errors.UnauthorizedSSOTokenError,
)


@contextmanager
def aws_errors(action: str, resource: str | None = None) -> Iterator[None]:
    """Turn any botocore failure inside the block into a ConsoleError, keeping the cause.

    `action` says in plain words what was being done ("list tables"); `resource` names what it
    was done to, for not-found and access-denied messages.
    """
    try:
        yield
    except boto_errors.ClientError as err:
        logger.info("AWS call failed: %s: %s", action, err.response.get("Error", {}).get("Code"))
        raise from_client_error(err, action, resource) from err
    except _UNREACHABLE_ERRORS as err:
        endpoint = err.kwargs.get("endpoint_url", "") or ""
        logger.info("AWS endpoint unreachable: %s: %s", action, endpoint)
        raise Unreachable(UNREACHABLE, endpoint=endpoint) from err
    except (boto_errors.NoCredentialsError, boto_errors.PartialCredentialsError) as err:
        raise NoCredentials(NO_CREDENTIALS) from err
    except _SSO_ERRORS as err:
        raise ExpiredCredentials(SSO_EXPIRED) from err
    except boto_errors.ParamValidationError as err:
        # A value the console let through but the SDK refuses before sending anything.
        logger.info("AWS request refused by the SDK: %s", action)
        raise RejectedByAws(BAD_REQUEST, action=action,
                            aws_message=str(err.kwargs.get("report", err)).strip()) from err
    except ResponseParserError as err:
        logger.info("AWS answer not understood: %s", action)
        raise BadResponse(BAD_RESPONSE, action=action) from err
    except boto_errors.ProfileNotFound as err:
        raise NoCredentials(PROFILE_NOT_FOUND, profile=err.kwargs.get("profile", "")) from err


def from_client_error(err: boto_errors.ClientError, action: str,
                      resource: str | None) -> ConsoleError:
    """Word one AWS error response for a person."""
    error = err.response.get("Error", {})
    aws_code = str(error.get("Code", "Unknown"))
    aws_message = str(error.get("Message", "")) or aws_code
    if aws_code in _EXPIRED_AWS_CODES:
        return ExpiredCredentials(EXPIRED_CREDENTIALS, aws_code=aws_code)
    if aws_code in _DENIED_AWS_CODES:
        denial = _DENIAL.search(aws_message)
        return AccessDenied(
            ACCESS_DENIED, aws_code=aws_code,
            principal=denial["principal"] if denial else "your credentials",
            aws_action=denial["action"] if denial else err.operation_name,
            resource=(denial and denial["resource"]) or resource or "*",
        )
    if aws_code in _NOT_FOUND_AWS_CODES:
        return NotFound(NOT_FOUND, aws_code=aws_code, resource=resource or aws_message)
    if aws_code in _THROTTLE_AWS_CODES:
        return Throttled(THROTTLED, aws_code=aws_code, operation=err.operation_name)
    if aws_code in _BAD_REQUEST_AWS_CODES:
        return RejectedByAws(BAD_REQUEST, aws_code=aws_code, action=action,
                             aws_message=aws_message)
    return AwsFailure(FAILED, aws_code=aws_code, action=action, aws_message=aws_message)
