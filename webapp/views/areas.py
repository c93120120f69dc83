"""Areas of the console that are not built yet: each says so, and what to use meanwhile."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .rendering import render_view


@dataclass(frozen=True, slots=True)
class PlannedArea:
    """An area still to come: its blueprint name, URL, title, plan and a CLI stand-in."""

    name: str
    url_prefix: str
    title: LazyString
    plan: LazyString
    cli_example: str


PLANNED_AREAS: tuple[PlannedArea, ...] = (
    PlannedArea("tables", "/tables", _l("DynamoDB tables"),
                _l("Create tables, browse and edit items, import and export them."),
                "dynamodb list-tables"),
    PlannedArea("iam", "/iam", _l("IAM policies and roles"),
                _l("Write least-privilege policies, create roles for Lambda and attach policies."),
                "iam list-roles"),
    PlannedArea("functions", "/functions", _l("Lambda functions"),
                _l("Create functions from templates, upload code, invoke them and read their logs."),
                "lambda list-functions"),
    PlannedArea("apis", "/apis", _l("API Gateway REST APIs"),
                _l("Build resources and methods, integrate Lambda, deploy stages and test them."),
                "apigateway get-rest-apis"),
    PlannedArea("logs", "/logs", _l("CloudWatch Logs"),
                _l("Read, filter and tail log groups; see each Lambda invocation on one row."),
                "logs describe-log-groups"),
    PlannedArea("wizard", "/wizard", _l("Setup wizard"),
                _l("Build the whole table, role, function and API in one guided flow."),
                "sts get-caller-identity"),
)


def _planned_view(area: PlannedArea):  # type: ignore[no-untyped-def]
    def index() -> ResponseReturnValue:
        settings = current_app.config["SETTINGS"]
        return render_view("areas/planned.html", area=area, endpoint=settings.endpoint_url)

    index.__doc__ = f"Say honestly that {area.name} is not built yet."
    return index


def register_planned_areas(app: Flask, built: set[str]) -> None:
    """Give every area not in `built` a page that says it is still to come."""
    for area in PLANNED_AREAS:
        if area.name in built:
            continue
        blueprint = Blueprint(area.name, __name__, url_prefix=area.url_prefix)
        blueprint.add_url_rule("/", "index", _planned_view(area))
        app.register_blueprint(blueprint)
