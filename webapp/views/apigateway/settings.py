"""API Gateway's account settings for this region: the CloudWatch Logs role ARN.

The tutorial makes a role for API Gateway in IAM and pastes its ARN here, as AWS's console
does; the page also offers the account's roles that trust apigateway.amazonaws.com, each marked
with the logging rights its policies lack. Stage logging needs this setting first.
"""
from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, Response, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.aws.apigateway import cloudwatch_logging
from webapp.aws.apigateway.cloudwatch_logging import LoggingRoleChoice
from webapp.aws.errors import ConsoleError
from webapp.views.apigateway.forms import RoleArnForm, parse_role_arn_form
from webapp.views.rendering import error_text, render_view, see_other, wants_fragment

bp = Blueprint("settings", __name__)


@bp.get("/settings")
def index() -> ResponseReturnValue:
    """The current role ARN, the form to set one, and the roles that could be it."""
    return _settings_page(RoleArnForm())


@bp.post("/settings")
def save() -> ResponseReturnValue:
    """Set the pasted or picked role as the account's CloudWatch Logs role."""
    form = parse_role_arn_form(request.form)
    if not form.errors:
        try:
            cloudwatch_logging.set_chosen_logging_role(form.role_arn)
        except ConsoleError as err:
            form.errors["role_arn"] = error_text(err)
        else:
            flash(gettext("CloudWatch log role ARN saved."), "info")
            return see_other(url_for("apigateway.settings.index"))
    if wants_fragment():  # htmx swaps the form alone: the role list above it stays as it was
        return (render_view("apis/settings.html", "apis/fragments/settings_form.html", form=form),
                HTTPStatus.UNPROCESSABLE_ENTITY)
    return _settings_page(form), HTTPStatus.UNPROCESSABLE_ENTITY


def _settings_page(form: RoleArnForm) -> Response:
    try:
        role_arn, role_error = cloudwatch_logging.get_cloudwatch_role_arn(), None
    except ConsoleError as err:
        role_arn, role_error = None, error_text(err)
    choices, choices_error = _role_choices()
    return render_view("apis/settings.html", form=form, role_arn=role_arn,
                       role_error=role_error, choices=choices, choices_error=choices_error,
                       max_choices=cloudwatch_logging.MAX_ROLE_CHOICES,
                       required_actions=cloudwatch_logging.LOGS_ROLE_ACTIONS)


def _role_choices() -> tuple[list[LoggingRoleChoice], str | None]:
    try:
        return cloudwatch_logging.list_logging_role_choices(), None
    except ConsoleError as err:
        return [], error_text(err)
