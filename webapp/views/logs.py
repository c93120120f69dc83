"""CloudWatch Logs: log groups, and a group's events filtered by request or pattern."""
from __future__ import annotations

import re
from http import HTTPStatus

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from ..aws import logs
from ..aws.errors import ConsoleError
from ..aws.paging import Page
from .rendering import error_text, render_view

bp = Blueprint("logs", __name__, url_prefix="/logs")

REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@bp.get("/")
def index() -> ResponseReturnValue:
    """The region's log groups, or one group's events when ?group= names it."""
    group = request.args.get("group", "").strip()
    if group:
        return _events(group)
    prefix = request.args.get("prefix", "").strip()
    page = logs.list_log_groups(prefix, request.args.get("next") or None)
    return render_view("logs/index.html", "logs/fragments/group_rows.html", page=page, prefix=prefix)


def _events(group: str) -> ResponseReturnValue:
    request_id = request.args.get("request", "").strip()
    pattern = request.args.get("pattern", "").strip()
    problem = None
    if request_id and not REQUEST_ID.match(request_id):
        problem = gettext("A request ID has only letters, digits and hyphens.")
    page: Page[logs.LogEvent] = Page([], None)
    if problem is None:
        try:
            if request_id and not pattern:
                page = Page(logs.request_events(group, request_id), None)
            else:
                page = logs.filter_events(group, pattern, request.args.get("next") or None)
        except ConsoleError as err:
            problem = error_text(err)
    status = HTTPStatus.OK if problem is None else HTTPStatus.UNPROCESSABLE_ENTITY
    return render_view("logs/events.html", "logs/fragments/event_rows.html", group=group,
                       request_id=request_id, pattern=pattern, page=page, problem=problem), status
