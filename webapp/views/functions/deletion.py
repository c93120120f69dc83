"""Deleting a function, or one published version of it, after typing "confirm" as AWS's console
asks ("Type confirm in the text input field and choose Delete").

The confirmation page says what goes with it and what stays: the versions, aliases and
resource-based policy go; the log group /aws/lambda/<name> and the execution role stay, as on
AWS; API Gateway methods that integrate the function answer 500 from then on.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus

from flask import Blueprint, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.aws.apigateway import lambda_integrations
from webapp.aws.errors import ConsoleError
from webapp.aws.functions import lambda_functions as functions
from webapp.views.confirm_forms import ConfirmNameForm, confirmed_delete
from webapp.views.rendering import error_text, render_view, see_other
from webapp.views.resource_names import require_possible

bp = Blueprint("deletion", __name__)

# The word the AWS Lambda console asks for before deleting.
CONFIRM_WORD = "confirm"
# A published version is a number; $LATEST goes only with the function.
PUBLISHED_VERSION = re.compile(r"^[0-9]{1,10}$")


def _confirmed(delete: Callable[[], object]) -> ConfirmNameForm | None:
    """Delete once "confirm" is typed: None when done, else the form with its error."""
    return confirmed_delete(request.form, CONFIRM_WORD, gettext(
        "Type %(word)s, exactly, to delete.", word=CONFIRM_WORD), delete)


@bp.get("/<function_name>/delete")
def confirm_delete_function(function_name: str) -> ResponseReturnValue:
    """Ask for "confirm", saying what goes with the function and what stays."""
    return _function_page(function_name, ConfirmNameForm())


@bp.post("/<function_name>/delete")
def delete_function(function_name: str) -> ResponseReturnValue:
    """DeleteFunction; back to the list with a message."""
    form = _confirmed(lambda: functions.delete_function(function_name))
    if form is None:
        flash(gettext("Deleted the function %(name)s.", name=function_name), "info")
        return see_other(url_for("lambda.pages.index"))
    return _function_page(function_name, form), HTTPStatus.UNPROCESSABLE_ENTITY


def _function_page(function_name: str, form: ConfirmNameForm) -> ResponseReturnValue:
    function = functions.get_function(function_name)
    try:
        scan, scan_error = lambda_integrations.find_lambda_integrations(function.function_arn), None
    except ConsoleError as err:
        scan, scan_error = None, error_text(err)
    return render_view("functions/delete.html", None, function=function, form=form, scan=scan,
                       scan_error=scan_error, confirm_word=CONFIRM_WORD)


def _require_published(version: str) -> None:
    require_possible(version, PUBLISHED_VERSION, lambda shown: gettext(
        "No published version %(version)s: only a numbered version can be deleted; $LATEST goes "
        "only with the function.", version=shown))


@bp.get("/<function_name>/versions/<version>/delete")
def confirm_delete_version(function_name: str, version: str) -> ResponseReturnValue:
    """Ask for "confirm", naming any alias that points at the version (Lambda refuses then)."""
    _require_published(version)
    return _version_page(function_name, version, ConfirmNameForm())


@bp.post("/<function_name>/versions/<version>/delete")
def delete_version(function_name: str, version: str) -> ResponseReturnValue:
    """DeleteFunction with the version as Qualifier; back to the versions with a message."""
    _require_published(version)
    form = _confirmed(lambda: functions.delete_function_version(function_name, version))
    if form is None:
        flash(gettext("Deleted version %(version)s of %(name)s.", version=version,
                      name=function_name), "info")
        return see_other(url_for("lambda.pages.detail", function_name=function_name,
                                 _anchor="versions"))
    return _version_page(function_name, version, form), HTTPStatus.UNPROCESSABLE_ENTITY


def _version_page(function_name: str, version: str, form: ConfirmNameForm) -> ResponseReturnValue:
    function = functions.get_function(function_name)
    try:
        aliases, aliases_error = functions.list_aliases_of_version(function_name, version), None
    except ConsoleError as err:
        aliases, aliases_error = [], error_text(err)
    return render_view("functions/delete_version.html", None, function=function, version=version,
                       form=form, aliases=aliases, aliases_error=aliases_error,
                       confirm_word=CONFIRM_WORD)
