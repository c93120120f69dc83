"""CloudWatch Logs: log groups, a group's events by request or pattern, retention, delete, download."""
from __future__ import annotations

import contextvars
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus

from flask import Blueprint, Response, flash, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from webapp.aws.logs import newest as log_newest, tail as log_tail, log_groups as logs
from webapp.aws.errors import N_, ConsoleError, InvalidInput
from webapp.aws.paging import Page
from webapp.views.logs import invocation_pages, rows as log_rows
from webapp.views.confirm_forms import ConfirmNameForm, parse_confirm_name
from webapp.views.logs.query_form import (
    NEWEST, OLDEST, ORDERS, RANGES, LogQueryForm, parse_log_query,
)
from webapp.views.rendering import error_text, render_view, see_other, wants_fragment

bp = Blueprint("log_groups", __name__)

REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
LAMBDA_GROUP_PREFIX = "/aws/lambda/"
INVOCATIONS_VIEW = "invocations"
STREAMS_VIEW = "streams"
LOG_VIEW = "log-view"  # the element the filter form swaps
TAIL_MAX_ROWS = 500  # the live tail keeps at most this many lines on the page
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
    """The region's log groups, or one group's events (or streams) when ?group= names it."""
    group = request.args.get("group", "").strip()
    if group:
        if request.args.get("view") == STREAMS_VIEW:
            return _streams(group)
        return _events(group)
    prefix = request.args.get("prefix", "").strip()
    page = logs.list_log_groups(prefix, request.args.get("next") or None)
    return render_view("logs/index.html", "logs/fragments/group_rows.html", page=page, prefix=prefix)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _events(group: str, retention: RetentionForm | None = None,
            status: HTTPStatus = HTTPStatus.OK) -> ResponseReturnValue:
    form = parse_log_query(group, request.args, _now_ms())
    request_id = request.args.get("request", "").strip()
    is_lambda = group.startswith(LAMBDA_GROUP_PREFIX)
    by_invocation = is_lambda and request.args.get("view") == INVOCATIONS_VIEW and not request_id
    problem = None
    if request_id and not REQUEST_ID.match(request_id):
        problem = gettext("A request ID has only letters, digits and hyphens.")
    page: Page[logs.LogEvent] = Page([], None)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The retention form and the group's links are on the page only; read the group's facts
        # while the events are read, so the page costs one round trip, not two.
        facts = None if wants_fragment() else pool.submit(
            contextvars.copy_context().run, _group_facts, group)
        if problem is None and not form.errors:
            try:
                page = _read_events(form, request_id, request.args.get("next") or None)
            except ConsoleError as err:
                problem = error_text(err)
        log_group = facts.result() if facts is not None else None
    if retention is None and log_group is not None:
        retention = RetentionForm(retention_days=str(log_group.retention_days or NEVER_EXPIRE))
    if problem is not None or form.errors:
        status = HTTPStatus.UNPROCESSABLE_ENTITY
    invocations = []
    if by_invocation and problem is None:
        invocations = invocation_pages.page_rows(
            page, group, newest_first=form.order == NEWEST,
            after_first_page=bool(request.args.get("next")))
    if request.headers.get("HX-Target") == LOG_VIEW:  # the filter form: the whole view, no facts
        fragment = "logs/fragments/log_view.html"
    elif by_invocation:
        fragment = "logs/fragments/invocation_rows.html"
    else:
        fragment = "logs/fragments/event_rows.html"
    return _events_page(fragment, form, is_lambda=is_lambda,
                        view=INVOCATIONS_VIEW if by_invocation else "", by_invocation=by_invocation,
                        invocations=invocations, request_id=request_id, page=page, problem=problem,
                        log_group=log_group, retention=retention or RetentionForm(),
                        tail_since=log_tail.start_cursor().token()), status


def _events_page(fragment: str | None, form: LogQueryForm, **context: object) -> Response:
    """The events page (or its fragment); what `context` leaves out is an empty view."""
    values: dict[str, object] = {
        "group": form.group, "form": form, "is_lambda": False, "view": "", "by_invocation": False,
        "invocations": [], "request_id": "", "page": Page([], None), "problem": None,
        "log_group": None, "retention": RetentionForm(), "tail_since": "",
        "retention_choices": logs.RETENTION_DAYS, "never_expire": NEVER_EXPIRE,
        "orders": ORDERS, "ranges": RANGES,
        "tail_max_rows": TAIL_MAX_ROWS, "event_rows": log_rows.event_rows}
    values.update(context)
    return render_view("logs/events.html", fragment, **values)


def _group_facts(group: str) -> logs.LogGroup | None:
    try:
        return logs.describe_log_group(group)
    except ConsoleError:
        return None  # the events' own problem, if any, already says why


def _read_events(form: LogQueryForm, request_id: str, token: str | None) -> Page[logs.LogEvent]:
    if request_id and not form.pattern:
        found = logs.request_events(form.group, request_id, _around())
        return RequestPage(found.events, None, found.truncated)
    if form.order == OLDEST:
        return logs.filter_events(form.query(), token)
    return log_newest.newest_events(form.query(), token)


@dataclass(frozen=True, slots=True)
class RequestPage(Page[logs.LogEvent]):
    """One request's lines as a page, saying whether some were left out."""

    truncated: bool = False


def _around() -> int | None:
    """When the linked request ran (?at=epoch ms), if the link says."""
    text = request.args.get("at", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else None


def _streams(group: str) -> ResponseReturnValue:
    problem, page = None, Page([], None)
    try:
        page = logs.list_streams(group, request.args.get("next") or None)
    except ConsoleError as err:
        problem = error_text(err)
    return render_view("logs/streams.html", "logs/fragments/stream_rows.html", group=group,
                       is_lambda=group.startswith(LAMBDA_GROUP_PREFIX), page=page,
                       problem=problem, utc_text=logs.utc_text), HTTPStatus.UNPROCESSABLE_ENTITY if problem else HTTPStatus.OK


@bp.get("/tail")
def tail() -> ResponseReturnValue:
    """The live tail's next rows and its next poll (or, with ?paused=1, the paused control)."""
    group = request.args.get("group", "").strip()
    form = parse_log_query(group, request.args, _now_ms())
    problem, batch = None, None
    try:
        cursor = log_tail.parse_cursor(request.args.get("since", ""))
        if not group:
            raise InvalidInput(N_("Choose a log group."))
        if request.args.get("paused") != "1" and not form.errors:
            batch = log_tail.poll(form.query(), cursor)
            cursor = batch.cursor
    except ConsoleError as err:
        problem, cursor = error_text(err), log_tail.start_cursor()
    return render_view("logs/fragments/tail_rows.html", None, form=form, batch=batch,
                       event_rows=log_rows.event_rows,
                       since=cursor.token(), paused=request.args.get("paused") == "1",
                       problem=problem or next(iter(form.errors.values()), None))


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
            return see_other(url_for("logs.log_groups.index", group=group))
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
            return see_other(url_for("logs.log_groups.index"))
    return _delete_page(group, form, HTTPStatus.UNPROCESSABLE_ENTITY)


def _delete_page(group: str, form: ConfirmNameForm, status: HTTPStatus) -> ResponseReturnValue:
    return render_view("logs/confirm_delete.html", None, group=group, form=form), status


@bp.get("/download")
def download() -> ResponseReturnValue:
    """The view's events (one request's, or by pattern, time range and stream, in the view's
    order), streamed page by page."""
    group = request.args.get("group", "").strip()
    form = parse_log_query(group, request.args, _now_ms())
    fmt = request.args.get("format", "text")
    if fmt not in DOWNLOAD_FORMATS:
        fmt = "text"
    mimetype, extension = DOWNLOAD_FORMATS[fmt]
    problem = next(iter(form.errors.values()), None)
    request_id = request.args.get("request", "").strip()
    if not group:
        problem = gettext("Choose a log group.")
    elif request_id and not REQUEST_ID.match(request_id):
        problem = gettext("A request ID has only letters, digits and hyphens.")
    if problem is None:
        try:
            if request_id and not form.pattern:  # the view shows one request's lines
                pages = iter([Page(logs.request_events(group, request_id, _around()).events, None)])
            elif form.order == OLDEST:
                pages = logs.event_pages(form.query())
            else:
                pages = log_newest.newest_pages(form.query())
        except ConsoleError as err:
            problem = error_text(err)
    if problem is not None:
        return _events_page(None, form, problem=problem), HTTPStatus.UNPROCESSABLE_ENTITY
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
