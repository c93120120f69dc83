"""Each kind of ConsoleError carries the HTTP status a page showing it answers."""
from __future__ import annotations

from http import HTTPStatus

import pytest
from botocore import exceptions as boto_errors
from flask import Flask

from webapp.aws.dynamodb.item_writes import ConflictError, ItemExistsError
from webapp.aws.errors import (
    FAILED, AccessDenied, AlreadyExists, AwsFailure, BadResponse, Busy, CodeUnavailable, Conflict,
    ConsoleError, ExpiredCredentials, InvalidInput, NoCredentials, NotFound, NotSupported,
    Refused, RejectedByAws, Throttled, TimedOut, TooLarge, Unexpected, Unreachable, aws_errors,
)
from webapp.views.errors import console_error

STATUSES: dict[type[ConsoleError], HTTPStatus] = {
    AwsFailure: HTTPStatus.BAD_GATEWAY,
    Unreachable: HTTPStatus.BAD_GATEWAY,
    TimedOut: HTTPStatus.BAD_GATEWAY,
    NoCredentials: HTTPStatus.BAD_GATEWAY,
    ExpiredCredentials: HTTPStatus.BAD_GATEWAY,
    AccessDenied: HTTPStatus.BAD_GATEWAY,
    Throttled: HTTPStatus.BAD_GATEWAY,
    BadResponse: HTTPStatus.BAD_GATEWAY,
    NotSupported: HTTPStatus.BAD_GATEWAY,
    Refused: HTTPStatus.BAD_GATEWAY,
    CodeUnavailable: HTTPStatus.BAD_GATEWAY,
    RejectedByAws: HTTPStatus.BAD_GATEWAY,
    Unexpected: HTTPStatus.INTERNAL_SERVER_ERROR,
    NotFound: HTTPStatus.NOT_FOUND,
    InvalidInput: HTTPStatus.UNPROCESSABLE_ENTITY,
    AlreadyExists: HTTPStatus.CONFLICT,
    Conflict: HTTPStatus.CONFLICT,
    TooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    Busy: HTTPStatus.SERVICE_UNAVAILABLE,
}


def every_kind(base: type[ConsoleError] = ConsoleError) -> set[type[ConsoleError]]:
    kinds = set(base.__subclasses__())
    return kinds.union(*(every_kind(kind) for kind in kinds))


@pytest.mark.parametrize(("kind", "status"), STATUSES.items(), ids=lambda v: getattr(v, "__name__", ""))
def test_each_kind_carries_its_status(kind: type[ConsoleError], status: HTTPStatus) -> None:
    assert kind.status is status
    assert kind("Something happened.").status is status


def test_every_kind_in_webapp_aws_errors_has_its_status_checked() -> None:
    declared = {kind for kind in every_kind() if kind.__module__ == "webapp.aws.errors"}
    assert declared == set(STATUSES)


def test_an_aws_refusal_is_invalid_input_yet_a_page_that_sent_it_failed_upstream() -> None:
    assert issubclass(RejectedByAws, InvalidInput)
    assert RejectedByAws.status is not InvalidInput.status


def test_the_item_editors_errors_are_the_general_kinds() -> None:
    assert isinstance(ItemExistsError("Orders", {"id": "1"}), AlreadyExists)
    assert isinstance(ConflictError(None), Conflict)


def test_the_base_is_not_raised_itself() -> None:
    with pytest.raises(TypeError):
        ConsoleError("Something happened.")


def test_field_aws_code_and_parameters_are_kept() -> None:
    err = NotFound("%(resource)s is gone (%(aws_code)s).", field="table_name",
                   aws_code="ResourceNotFoundException", resource="Table Orders")
    assert err.field == "table_name" and err.aws_code == "ResourceNotFoundException"
    assert err.message == "Table Orders is gone (ResourceNotFoundException)."
    assert str(err) == err.message


def test_an_unexpected_aws_error_is_the_generic_failure() -> None:
    cause = boto_errors.ClientError(
        {"Error": {"Code": "SomethingNewException", "Message": "New in 2031"}}, "GetItem")
    with pytest.raises(ConsoleError) as caught, aws_errors("read an item"):
        raise cause
    assert type(caught.value) is AwsFailure
    assert caught.value.status is HTTPStatus.BAD_GATEWAY
    assert caught.value.template == FAILED and caught.value.__cause__ is cause


def test_a_programming_error_is_not_caught() -> None:
    with pytest.raises(TypeError), aws_errors("read an item"):
        raise TypeError("a bug, not AWS")


@pytest.mark.parametrize("err", [
    NotFound("%(resource)s was not found.", resource="Table Orders"),
    Throttled("Slow down."),
    RejectedByAws("Could not %(action)s: %(aws_message)s", action="read", aws_message="no"),
    InvalidInput("Choose a log group."),
], ids=lambda err: type(err).__name__)
def test_the_error_page_answers_the_errors_status(app: Flask, err: ConsoleError) -> None:
    with app.test_request_context("/"):
        _, status = console_error(err)  # type: ignore[misc]
    assert status == err.status


def test_only_an_unreachable_endpoint_makes_the_error_page_reconnect(app: Flask) -> None:
    with app.test_request_context("/"):
        gone, _ = console_error(Unreachable("Cannot reach %(endpoint)s.", endpoint="x"))  # type: ignore[misc]
        slow, _ = console_error(TimedOut("Too slow."))  # type: ignore[misc]
    assert 'hx-trigger="every 3s"' in gone and 'hx-trigger="every 3s"' not in slow
