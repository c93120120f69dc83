"""Import items into a table from pasted JSON or an uploaded file, with a progress bar."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus

from flask import Blueprint, abort, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.datastructures import FileStorage, MultiDict

from webapp.aws.dynamodb import tables as dynamodb
from webapp.aws.dynamodb.tables import Table
from webapp.aws.errors import ConsoleError
from webapp.aws.dynamodb.import_jobs import ImportJob, ImportJobs, run_import
from webapp.aws.dynamodb.import_rows import FORMATS, RowSource, read_rows
from webapp.views.rendering import error_text, render_view, see_other

bp = Blueprint("table_import", __name__)

JOBS_KEY = "import_jobs"
UPLOAD_SUFFIXES = (".json", ".jsonl")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PASTE_BYTES = MAX_UPLOAD_BYTES
SHOWN_FAILURES = 100


@dataclass
class ImportForm:
    """The import form as sent, and what is wrong with it."""

    items_text: str = ""
    fmt: str = "plain"
    filename: str = ""
    file_text: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def rows_text(self) -> str:
        """The text to import: the file's when one was chosen, else what was pasted."""
        return self.file_text if self.filename else self.items_text

    @property
    def source_field(self) -> str:
        """The field the rows came from, where errors about them are shown."""
        return "upload" if self.filename else "items"


def parse_import_form(form: MultiDict[str, str], upload: FileStorage | None) -> ImportForm:
    """Read the form; the rows' text comes from the file when one was chosen, else the textarea."""
    parsed = ImportForm(items_text=form.get("items", ""), fmt=form.get("format", "plain"))
    if parsed.fmt not in FORMATS:
        parsed.errors["format"] = gettext("Choose plain JSON or DynamoDB JSON.")
    if upload is None or not upload.filename:
        return parsed
    parsed.filename = upload.filename
    if not upload.filename.lower().endswith(UPLOAD_SUFFIXES):
        parsed.errors["upload"] = gettext("Choose a .json or .jsonl file.")
        return parsed
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        parsed.errors["upload"] = gettext("The file is larger than %(limit)s MB; split it.",
                                          limit=MAX_UPLOAD_BYTES // (1024 * 1024))
        return parsed
    try:
        parsed.file_text = data.decode("utf-8")
    except UnicodeDecodeError:
        parsed.errors["upload"] = gettext("The file is not UTF-8 text.")
    return parsed


def import_jobs() -> ImportJobs:
    """The app's import registry, made on first use."""
    jobs = current_app.extensions.get(JOBS_KEY)
    if jobs is None:
        jobs = current_app.extensions.setdefault(JOBS_KEY, ImportJobs())
    return jobs


@bp.url_value_preprocessor
def _allow_large_pastes(endpoint: str | None, values: dict | None) -> None:
    """Let the import form's pasted text be as large as an upload.

    Flask limits each non-file multipart field to MAX_FORM_MEMORY_SIZE (500 KB). The CSRF
    check reads the form in a before_request hook, so the limit is raised here, earlier.
    """
    if endpoint == "dynamodb.table_import.start_import":
        request.max_form_memory_size = MAX_PASTE_BYTES


@bp.get("/<table_name>/import")
def import_items(table_name: str) -> ResponseReturnValue:
    """The import form."""
    table = dynamodb.describe_table(table_name)
    return render_view("tables/import.html", "tables/fragments/import_form.html",
                       table_name=table.name, form=ImportForm(), job=None)


@bp.post("/<table_name>/import")
def start_import(table_name: str) -> ResponseReturnValue:
    """Check the rows, start writing them in the background, and show the progress page."""
    form = parse_import_form(request.form, request.files.get("upload"))
    if not form.errors:
        try:
            import_jobs().check_room()
            table = dynamodb.describe_table(table_name)
            source = read_rows(form.rows_text, form.fmt, table.partition_key, table.sort_key)
            job = _start(table, source)
        except ConsoleError as err:
            form.errors[form.source_field if err.field == "items" else "form"] = error_text(err)
        else:
            return see_other(url_for("dynamodb.table_import.import_progress", table_name=table_name,
                                     job_id=job.job_id))
    return render_view("tables/import.html", "tables/fragments/import_form.html",
                       table_name=table_name, form=form,
                       job=None), HTTPStatus.UNPROCESSABLE_ENTITY


def _start(table: Table, source: RowSource) -> ImportJob:
    job = ImportJob(table.name, source.total)
    return import_jobs().start(job, partial(run_import, job, source, table.key_names))


@bp.get("/<table_name>/import/<job_id>")
def import_progress(table_name: str, job_id: str) -> ResponseReturnValue:
    """How far the import has come; polls itself until it is done."""
    job = import_jobs().get(job_id)
    if job is None or job.table_name != table_name:
        abort(HTTPStatus.NOT_FOUND, gettext(
            "This import is not known: it finished long ago, the console restarted, or it "
            "belongs to another table."))
    progress = job.progress()
    return render_view("tables/import.html", "tables/fragments/import_progress.html",
                       table_name=table_name, form=None, job=progress,
                       shown_failures=progress.failures[:SHOWN_FAILURES],
                       more_failures=max(0, progress.failed - SHOWN_FAILURES))

