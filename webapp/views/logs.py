"""CloudWatch Logs: log groups, a group's events by request or pattern, retention, delete, download."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus

from flask import Blueprint, Response, flash, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from .. import lambda_invocations
from ..aws import logs
from ..aws.errors import ConsoleError
from ..aws.paging import Page
from .confirm_forms import ConfirmNameForm, parse_confirm_name
from .rendering import error_text, render_view, see_other, wants_fragment

bp = Blueprint("logs", __name__, url_prefix="/logs")

REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
LAMBDA_GROUP_PREFIX = "/aws/lambda/"
INVOCATIONS_VIEW = "invocations"
NEVER_EXPIRE = "never"
DOWNLOAD_FORMATS = {"text": ("text/plain", "log"), "jsonl": ("application/x-ndjson", "jsonl")}


@dataclass
class RetentionForm:
    """The retention chooser: a number of days from logs.RETENTION_DAYS, or "never"."""

    retention_days: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def days(self) -> int | None:
        """The chosen period in days; None for never expire."""
        return None if self.retention_days == NEVER_EXPIRE else int(self.retention_days)


def parse_retention_form(form: MultiDict[str, str]) -> RetentionForm:
    """Only "never" or one of the periods CloudWatch Logs allows."""
    parsed = RetentionForm(retention_days=form.get("retention_days", "").strip())
    allowed = {NEVER_EXPIRE, *(str(days) for days in logs.RETENTION_DAYS)}
    if parsed.retention_days not in allowed:
        parsed.errors["retention_days"] = gettext(
            "Choose one of the retention periods CloudWatch Logs offers.")
    return parsed


def parse_delete_group_form(form: MultiDict[str, str], group: str) -> ConfirmNameForm:
    """The typed name must be the group's own, exactly."""
    return parse_confirm_name(form, group, gettext(
        "Type the log group's name, %(group)s, exactly to delete it.", group=group))


@bp.get("/")
def index() -> ResponseReturnValue:
    """The region's log groups, or one group's events when ?group= names it."""
    group = request.args.get("group", "").strip()
    if group:
        return _events(group)
    prefix = request.args.get("prefix", "").strip()
    page = logs.list_log_groups(prefix, request.args.get("next") or None)
    return render_view("logs/index.html", "logs/fragments/group_rows.html", page=page, prefix=prefix)


def _events(group: str, retention: RetentionForm | None = None,
            status: HTTPStatus = HTTPStatus.OK) -> ResponseReturnValue:
    request_id = request.args.get("request", "").strip()
    pattern = request.args.get("pattern", "").strip()
    is_lambda = group.startswith(LAMBDA_GROUP_PREFIX)
    by_invocation = is_lambda and request.args.get("view") == INVOCATIONS_VIEW and not request_id
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
    log_group = None
    if not wants_fragment():  # the retention form and the group's links are on the page only
        try:
            log_group = logs.describe_log_group(group)
        except ConsoleError:
            log_group = None  # the events' own problem, if any, already says why
    if retention is None and log_group is not None:
        retention = RetentionForm(retention_days=str(log_group.retention_days or NEVER_EXPIRE))
    if problem is not None:
        status = HTTPStatus.UNPROCESSABLE_ENTITY
    invocations = invocation_rows(page.items) if by_invocation else []
    fragment = "logs/fragments/invocation_rows.html" if by_invocation else "logs/fragments/event_rows.html"
    return render_view("logs/events.html", fragment, group=group, is_lambda=is_lambda,
                       by_invocation=by_invocation, invocations=invocations,
                       request_id=request_id, pattern=pattern, page=page, problem=problem,
                       log_group=log_group, retention=retention or RetentionForm(),
                       retention_choices=logs.RETENTION_DAYS, never_expire=NEVER_EXPIRE), status


@dataclass(frozen=True)
class InvocationLine:
    """One line of an invocation as the page shows it: JSON laid out, problems marked."""

    time_utc: str
    text: str
    problem: str | None


@dataclass(frozen=True)
class InvocationRow:
    """One invocation and its lines, ready for the invocation table."""

    invocation: lambda_invocations.Invocation
    start_utc: str
    lines: tuple[InvocationLine, ...]

    @property
    def failed(self) -> bool:
        """True for an error or a timeout, which the page makes stand out."""
        return self.invocation.status in (lambda_invocations.ERROR, lambda_invocations.TIMEOUT)


def invocation_rows(events: list[logs.LogEvent]) -> list[InvocationRow]:
    """A page of a Lambda group's events (oldest first) folded into one row per invocation."""
    folded = lambda_invocations.group_invocations(events)
    return [InvocationRow(invocation, invocation.lines[0].time_utc,  # type: ignore[attr-defined]
                          tuple(InvocationLine(line.time_utc, line_text(line.message),  # type: ignore[attr-defined]
                                               lambda_invocations.line_problem(line.message))
                                for line in invocation.lines))
            for invocation in folded.invocations]


def line_text(message: str) -> str:
    """A log line as text; a JSON object in it is laid out with 2-space indentation."""
    payload = lambda_invocations.json_payload(message)
    if payload is None:
        return message.rstrip("\n")
    prefix = message[:message.find("{")]
    return prefix + json.dumps(payload, indent=2, ensure_ascii=False)


@bp.post("/retention")
def set_retention() -> ResponseReturnValue:
    """Set how long a group keeps its events; back to the group's page."""
    group = request.args.get("group", "").strip()
    form = parse_retention_form(request.form)
    if not form.errors:
        try:
            logs.set_retention(group, form.days)
        except ConsoleError as err:
            form.errors[err.field or "retention_days"] = error_text(err)
        else:
            flash(gettext("Saved the retention of %(group)s.", group=group), "info")
            return see_other(url_for("logs.index", group=group))
    return _events(group, form, HTTPStatus.UNPROCESSABLE_ENTITY)


@bp.get("/delete")
def confirm_delete() -> ResponseReturnValue:
    """Ask for the group's name before deleting it."""
    group = request.args.get("group", "").strip()
    return _delete_page(group, ConfirmNameForm(), HTTPStatus.OK)


@bp.post("/delete")
def delete() -> ResponseReturnValue:
    """Delete the group once its name was typed; back to the list."""
    group = request.args.get("group", "").strip()
    form = parse_delete_group_form(request.form, group)
    if not form.errors:
        try:
            logs.delete_log_group(group)
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
        else:
            flash(gettext("Deleted the log group %(group)s.", group=group), "info")
            return see_other(url_for("logs.index"))
    return _delete_page(group, form, HTTPStatus.UNPROCESSABLE_ENTITY)


def _delete_page(group: str, form: ConfirmNameForm, status: HTTPStatus) -> ResponseReturnValue:
    return render_view("logs/confirm_delete.html", None, group=group, form=form), status


@bp.get("/download")
def download() -> ResponseReturnValue:
    """The group's events matching the filter pattern, oldest first, streamed page by page."""
    group = request.args.get("group", "").strip()
    pattern = request.args.get("pattern", "").strip()
    fmt = request.args.get("format", "text")
    if fmt not in DOWNLOAD_FORMATS:
        fmt = "text"
    mimetype, extension = DOWNLOAD_FORMATS[fmt]
    try:
        pages = logs.event_pages(group, pattern)
    except ConsoleError as err:
        return render_view("logs/events.html", None, group=group, request_id="", pattern=pattern,
                           is_lambda=False, by_invocation=False, invocations=[],
                           page=Page([], None), problem=error_text(err), log_group=None,
                           retention=RetentionForm(), retention_choices=logs.RETENTION_DAYS,
                           never_expire=NEVER_EXPIRE), HTTPStatus.UNPROCESSABLE_ENTITY
    lines = _json_lines(pages) if fmt == "jsonl" else _text_lines(pages)
    response = Response(stream_with_context(lines), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{_file_stem(group)}.{extension}"'
    # Log text must not stay in a browser's or proxy's cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _text_lines(pages: Iterator[Page[logs.LogEvent]]) -> Iterator[str]:
    for page in pages:
        yield "".join(f"{event.time_utc}Z\t{event.log_stream_name}\t{event.message.rstrip(chr(10))}\n"
                      for event in page.items)


def _json_lines(pages: Iterator[Page[logs.LogEvent]]) -> Iterator[str]:
    for page in pages:
        yield "".join(json.dumps({"timestamp": event.timestamp_ms, "time": event.time_utc + "Z",
                                  "logStreamName": event.log_stream_name,
                                  "message": event.message}, ensure_ascii=False) + "\n"
                      for event in page.items)


def _file_stem(group: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", group).strip("._") or "log-events"
    return stem[:120]
