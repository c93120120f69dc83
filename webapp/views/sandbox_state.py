"""The Sandbox page: where its state is kept, download a snapshot, restore one, reset it all.

Only in sandbox mode: on AWS these routes answer 404 and the navigation has no entry.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from http import HTTPStatus

from flask import Blueprint, Response, abort, current_app, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from werkzeug.datastructures import FileStorage, MultiDict

from webapp.aws import sandbox_state
from webapp.aws.errors import ConsoleError, Unreachable
from webapp.views.confirm_forms import ConfirmNameForm, parse_confirm_name
from webapp.views.rendering import error_text, render_view, see_other

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")

RESET_WORD = "reset"
# A snapshot holds every function's code, so it may be far larger than other uploads; this is
# the sandbox's own limit. The file is streamed on from werkzeug's temporary file, not memory.
MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024
FORM_OVERHEAD_BYTES = 64 * 1024  # the rest of the multipart body around the file


@dataclass
class RestoreForm:
    """The restore form as sent: the uploaded file and its size, the confirmation, and errors."""

    upload: FileStorage | None = None
    size_bytes: int = 0
    confirmed: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def parse_restore_form(form: MultiDict[str, str], upload: FileStorage | None) -> RestoreForm:
    """A snapshot file no larger than the limit, and the box saying it replaces everything."""
    parsed = RestoreForm(confirmed=form.get("confirm_replace") == "yes")
    if not parsed.confirmed:
        parsed.errors["confirm_replace"] = gettext(
            "Tick the box to confirm that restoring replaces everything in the sandbox.")
    if upload is None or not upload.filename:
        parsed.errors["snapshot"] = gettext("Choose a snapshot file downloaded from this page.")
        return parsed
    parsed.upload = upload
    parsed.size_bytes = upload.stream.seek(0, io.SEEK_END)
    upload.stream.seek(0)
    if parsed.size_bytes > MAX_SNAPSHOT_BYTES:
        parsed.errors["snapshot"] = gettext("The file is larger than %(limit)s MB.",
                                            limit=MAX_SNAPSHOT_BYTES // (1024 * 1024))
    elif not parsed.size_bytes:
        parsed.errors["snapshot"] = gettext("The file is empty.")
    return parsed


def parse_reset_form(form: MultiDict[str, str]) -> ConfirmNameForm:
    """The word `reset`, typed exactly."""
    return parse_confirm_name(form, RESET_WORD, gettext(
        "Type %(word)s exactly to reset the sandbox.", word=RESET_WORD))


@bp.url_value_preprocessor
def _allow_large_snapshots(endpoint: str | None, values: dict | None) -> None:
    """Let a restore's upload be as large as the sandbox takes.

    The console refuses bodies over MAX_CONTENT_LENGTH; the CSRF check reads the form in a
    before_request hook, so the limit is raised here, earlier.
    """
    if endpoint == "sandbox.restore" and current_app.config["SETTINGS"].backend == "sandbox":
        request.max_content_length = MAX_SNAPSHOT_BYTES + FORM_OVERHEAD_BYTES


@bp.before_request
def _sandbox_only() -> None:
    """On AWS there is no sandbox to keep, reset or restore."""
    if current_app.config["SETTINGS"].backend != "sandbox":
        abort(HTTPStatus.NOT_FOUND)


def _endpoint() -> str:
    return current_app.config["SETTINGS"].endpoint_url


@bp.get("/")
def index() -> ResponseReturnValue:
    """Where the state is kept and how much of it there is, with the three actions."""
    return _page(RestoreForm(), ConfirmNameForm())


@bp.get("/snapshot")
def download() -> ResponseReturnValue:
    """Stream the sandbox's snapshot file through, under the name the sandbox gave it."""
    snapshot = sandbox_state.download_snapshot(_endpoint())
    response = Response(snapshot.chunks, mimetype=snapshot.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{snapshot.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/restore")
def restore() -> ResponseReturnValue:
    """Replace everything in the sandbox with an uploaded snapshot."""
    form = parse_restore_form(request.form, request.files.get("snapshot"))
    if not form.errors and form.upload is not None:
        try:
            restored = sandbox_state.restore(_endpoint(), form.upload.stream, form.size_bytes)
        except ConsoleError as err:
            form.errors["snapshot" if err.field == "snapshot" else "form"] = error_text(err)
        else:
            flash(_restored_notice(restored), "info")
            return see_other(url_for("sandbox.index"))
    return _page(form, ConfirmNameForm(), HTTPStatus.UNPROCESSABLE_ENTITY)


@bp.post("/reset")
def reset() -> ResponseReturnValue:
    """Delete everything in the sandbox once `reset` was typed."""
    form = parse_reset_form(request.form)
    if not form.errors:
        try:
            sandbox_state.reset(_endpoint())
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
        else:
            flash(gettext("The sandbox was reset: it holds nothing now."), "info")
            return see_other(url_for("sandbox.index"))
    return _page(RestoreForm(), form, HTTPStatus.UNPROCESSABLE_ENTITY)


def _restored_notice(restored: sandbox_state.Restored) -> str:
    notice = ngettext("Restored %(num)d change in %(seconds)s s.",
                      "Restored %(num)d changes in %(seconds)s s.",
                      restored.changes, seconds=f"{restored.seconds:.1f}")
    if restored.failed:
        notice += " " + ngettext("%(num)d change could not be replayed.",
                                 "%(num)d changes could not be replayed.", restored.failed)
    if restored.failed and restored.first_failure:
        notice += " " + gettext("The first: %(reason)s", reason=restored.first_failure)
    return notice


def _page(restore_form: RestoreForm, reset_form: ConfirmNameForm,
          status: HTTPStatus = HTTPStatus.OK) -> ResponseReturnValue:
    state, problem, reconnect = None, None, False
    try:
        state = sandbox_state.state_info(_endpoint())
    except ConsoleError as err:
        problem = error_text(err)
        reconnect = isinstance(err, Unreachable) and request.method == "GET"
        if status == HTTPStatus.OK:
            status = err.status
    return render_view("sandbox/index.html", None, state=state, problem=problem,
                       reconnect=reconnect, restore_form=restore_form, reset_form=reset_form,
                       reset_word=RESET_WORD,
                       max_snapshot_mb=MAX_SNAPSHOT_BYTES // (1024 * 1024)), status
