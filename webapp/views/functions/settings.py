"""A function's settings on its page: configuration, code, versions, resource-based policy and
the API Gateway methods that call it.

Each section is a fragment of the function's page with a URL of its own. htmx gets the fragment;
a plain GET or form post gets the whole page from the blueprint's `detail` view, with the
section handed to it on `g` through a context processor, so this module never needs to know what
else the page shows. A section the page shows without its data loads itself (hx-trigger="load").
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Generic, TypeVar

from flask import Blueprint, Response, flash, g, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.datastructures import FileStorage, MultiDict

from webapp.aws.functions import code_editor, code_packages
from webapp.aws.apigateway import lambda_integrations
from webapp.aws.functions import lambda_functions as functions
from webapp.aws.functions.runtimes import PYTHON
from webapp.aws.iam import execution_roles as iam
from webapp.aws.iam.roles import ROLE_ARN
from webapp.aws.errors import ConsoleError
from webapp.aws.functions.lambda_functions import (
    MAX_DESCRIPTION_CHARS, MEMORY_RANGE_MB, TIMEOUT_RANGE_S, FunctionSummary, PolicyStatement,
)
from webapp.aws.paging import Page
from webapp.views.functions import pages as function_views
from webapp.views.functions.forms import HANDLER, check_number, parse_environment
from webapp.views.rendering import error_text, see_other

bp = Blueprint("settings", __name__)

T = TypeVar("T")

EDITOR = "editor"
CODE_SOURCES = ("zip", EDITOR)
INVOKE_ACTION = "lambda:InvokeFunction"
ANY = "*"


@dataclass(frozen=True, slots=True)
class Loaded(Generic[T]):
    """A section's data, or what went wrong reading it."""

    value: T | None
    error: str | None = None


@dataclass
class ConfigurationForm:
    """The configuration form as typed, and what is wrong with it."""

    role_arn: str = ""
    handler: str = ""
    memory_mb: str = ""
    timeout_s: str = ""
    environment_text: str = ""
    description: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, function: FunctionSummary) -> ConfigurationForm:
        """The form filled in with the function's current configuration."""
        return cls(role_arn=function.role_arn, handler=function.handler,
                   memory_mb=str(function.memory_mb), timeout_s=str(function.timeout_s),
                   environment_text="\n".join(f"{key}={value}" for key, value
                                              in sorted(function.environment.items())),
                   description=function.description)

    def change(self) -> functions.ConfigurationChange:
        """What to send to UpdateFunctionConfiguration; only for a form without errors."""
        return functions.ConfigurationChange(
            role_arn=self.role_arn, handler=self.handler, memory_mb=int(self.memory_mb),
            timeout_s=int(self.timeout_s), description=self.description,
            environment=self.environment)


@dataclass
class CodeForm:
    """Replacing the code: an upload or the editor, the files' text as typed, what is wrong."""

    source: str = "zip"
    edits: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class PublishForm:
    """The new version's description, as typed."""

    description: str = ""
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConfigurationSection:
    """The open configuration form and the roles it offers."""

    form: ConfigurationForm
    roles: list[iam.RoleSummary]
    roles_error: str | None


@dataclass(frozen=True, slots=True)
class CodeSection:
    """The code panel: the package's files (or why they cannot be shown) and the forms."""

    form: CodeForm = field(default_factory=CodeForm)
    package: code_editor.PackageFiles | None = None
    unavailable: str | None = None
    download_error: str | None = None

    @property
    def max_shown_kb(self) -> int:
        """How much of one file the page shows, in KB."""
        return code_editor.MAX_SHOWN_FILE_BYTES // 1024


@dataclass(frozen=True, slots=True)
class FunctionSections:
    """What the settings sections show; a section left None shows itself closed or loading."""

    last_update: Loaded[functions.LastUpdate] | None = None
    configuration: ConfigurationSection | None = None
    code: CodeSection | None = None
    versions: Loaded[Page[functions.FunctionVersion]] | None = None
    publish_form: PublishForm = field(default_factory=PublishForm)
    policy: Loaded[list[tuple[PolicyStatement, str]]] | None = None
    integrations: Loaded[lambda_integrations.IntegrationScan] | None = None


def function_sections_context() -> dict[str, object]:
    """Give the function's page the sections a view below filled in (see _show)."""
    return {"function_sections": g.get("function_sections", FunctionSections())}


def _show(function: FunctionSummary, fragment: str, sections: FunctionSections,
          status: HTTPStatus = HTTPStatus.OK) -> Response:
    """The fragment for htmx; otherwise the function's whole page with these sections."""
    return function_views.show_on_function_page(
        function.function_name, fragment, {"function_sections": sections}, status,
        function=function)


def _load(read: Callable[..., T], *args: object) -> Loaded[T]:
    try:
        return Loaded(read(*args))
    except ConsoleError as err:
        return Loaded(None, error_text(err))


def _back_to(function: FunctionSummary, section: str) -> Response:
    return see_other(url_for("lambda.pages.detail", function_name=function.function_name,
                             _anchor=section))


@bp.get("/<function_name>/last-update")
def last_update(function_name: str) -> ResponseReturnValue:
    """LastUpdateStatus, CodeSha256 and LastModified; htmx asks again while InProgress."""
    function = functions.get_function(function_name)
    sections = FunctionSections(last_update=_load(functions.get_last_update, function_name))
    return _show(function, "functions/fragments/last_update.html", sections)


@bp.get("/<function_name>/configuration")
def edit_configuration(function_name: str) -> ResponseReturnValue:
    """The configuration form, filled in with what the function has now."""
    function = functions.get_function(function_name)
    return _configuration(function, ConfigurationForm.of(function))


@bp.post("/<function_name>/configuration")
def update_configuration(function_name: str) -> ResponseReturnValue:
    """Change role, handler, environment, memory, timeout and description in one update."""
    function = functions.get_function(function_name)
    form = parse_configuration_form(request.form)
    if not form.errors:
        try:
            functions.update_function_configuration(function.function_name, form.change())
            flash(gettext("Saved the configuration. Lambda applies it in a few seconds: see "
                          "Last update."), "info")
            return _back_to(function, "last-update")
        except ConsoleError as err:
            form.errors[err.field or "form"] = error_text(err)
    return _configuration(function, form, HTTPStatus.UNPROCESSABLE_ENTITY)


def _configuration(function: FunctionSummary, form: ConfigurationForm,
                   status: HTTPStatus = HTTPStatus.OK) -> Response:
    try:
        roles, roles_error = iam.list_lambda_roles(), None
    except ConsoleError as err:
        roles, roles_error = [], error_text(err)
    sections = FunctionSections(configuration=ConfigurationSection(form, roles, roles_error))
    return _show(function, "functions/fragments/configuration_form.html", sections, status)


def parse_configuration_form(form: MultiDict[str, str]) -> ConfigurationForm:
    """Read the configuration form; errors keyed by field name."""
    parsed = ConfigurationForm(
        role_arn=form.get("role", "").strip(),
        handler=form.get("handler", "").strip(),
        memory_mb=form.get("memory_mb", "").strip(),
        timeout_s=form.get("timeout_s", "").strip(),
        environment_text=form.get("environment", ""),
        description=form.get("description", "").strip(),
    )
    errors = parsed.errors
    if not ROLE_ARN.match(parsed.role_arn):
        errors["role"] = gettext("Choose an execution role from the list.")
    if not HANDLER.match(parsed.handler):
        errors["handler"] = gettext("Write the handler as module.function, e.g. %(example)s.",
                                    example=PYTHON.default_handler)
    check_number(parsed.memory_mb, MEMORY_RANGE_MB, "memory_mb", gettext("Memory (MB)"), errors)
    check_number(parsed.timeout_s, TIMEOUT_RANGE_S, "timeout_s", gettext("Timeout (seconds)"),
                 errors)
    parsed.environment = parse_environment(parsed.environment_text, errors)
    _check_description(parsed.description, "description", errors)
    return parsed


def _check_description(text: str, name: str, errors: dict[str, str]) -> None:
    if len(text) > MAX_DESCRIPTION_CHARS:
        errors[name] = gettext("Keep the description to %(count)s characters or fewer.",
                               count=MAX_DESCRIPTION_CHARS)


@bp.get("/<function_name>/code.zip")
def download_code(function_name: str) -> ResponseReturnValue:
    """Stream the function's deployment package from Code.Location as NAME.zip."""
    function = functions.get_function(function_name)
    try:
        package = functions.open_code_package(function.function_name)
    except ConsoleError as err:
        sections = FunctionSections(code=CodeSection(download_error=error_text(err)))
        return _show(function, "functions/fragments/code_panel.html", sections,
                     HTTPStatus.BAD_GATEWAY)
    response = Response(package.chunks, mimetype="application/zip")
    response.headers.set("Content-Disposition", "attachment",
                         filename=f"{package.function_name}.zip")
    if package.size is not None:
        response.content_length = package.size
    return response


@bp.get("/<function_name>/code")
def code(function_name: str) -> ResponseReturnValue:
    """The function's files, editable in place when the package allows, and the upload form."""
    function = functions.get_function(function_name)
    return _code(function, CodeForm())


@bp.post("/<function_name>/code")
def replace_code(function_name: str) -> ResponseReturnValue:
    """UpdateFunctionCode from an uploaded .zip, or from the package with the editor's changes."""
    function = functions.get_function(function_name)
    form = parse_code_form(request.form, request.files.get("code"))
    if not form.errors:
        try:
            zip_bytes = (_edited_package(function, form) if form.source == EDITOR
                         else code_packages.check_upload(request.files["code"].read()))
            if not form.errors:
                update = functions.update_function_code(function.function_name, zip_bytes)
                flash(gettext("Deployed the code. New CodeSha256: %(sha)s, last modified %(time)s.",
                              sha=update.code_sha256, time=update.last_modified), "info")
                return _back_to(function, "last-update")
        except ConsoleError as err:
            form.errors[err.field or "form"] = error_text(err)
    return _code(function, form, HTTPStatus.UNPROCESSABLE_ENTITY)


def parse_code_form(form: MultiDict[str, str], upload: FileStorage | None) -> CodeForm:
    """Read the code form: an upload, or the editor's files as (path, content) pairs."""
    parsed = CodeForm(source=form.get("source", "zip"))
    if parsed.source not in CODE_SOURCES:
        parsed.errors["form"] = gettext("Choose where the code comes from.")
    elif parsed.source == "zip" and (upload is None or not upload.filename):
        parsed.errors["code"] = gettext("Choose a .zip file to upload.")
    elif parsed.source == EDITOR:
        paths, contents = form.getlist("path"), form.getlist("content")
        if not paths or len(paths) != len(contents):
            parsed.errors["form"] = gettext("The editor's files did not all arrive; reload the "
                                            "page and edit again.")
        parsed.edits = dict(zip(paths, contents))
    return parsed


def _edited_package(function: FunctionSummary, form: CodeForm) -> bytes:
    """The current package with the editor's changes; an emptied handler file is refused."""
    package = functions.read_code_package(function.function_name,
                                          code_editor.MAX_EDITABLE_PACKAGE_BYTES)
    handler_file = code_editor.handler_file(function.handler, function.runtime, form.edits)
    if handler_file in form.edits and not form.edits[handler_file].strip():
        form.errors[file_field(0)] = gettext("Write the function's code.")
        return b""
    return code_editor.edited_zip(package, function.handler, function.runtime, form.edits)


def file_field(index: int) -> str:
    """The form field (and error key) of the editor's index-th file."""
    return f"file-{index}"


def _code(function: FunctionSummary, form: CodeForm,
          status: HTTPStatus = HTTPStatus.OK) -> Response:
    package, unavailable = _read_files(function)
    sections = FunctionSections(code=CodeSection(form=form, package=package,
                                                 unavailable=unavailable))
    return _show(function, "functions/fragments/code_panel.html", sections, status)


def _read_files(function: FunctionSummary) -> tuple[code_editor.PackageFiles | None, str | None]:
    """The package's files for the page, else why they cannot be shown."""
    if function.code_size > code_editor.MAX_EDITABLE_PACKAGE_BYTES:
        return code_editor.PackageFiles([], read_only_reason=code_editor.ReadOnlyReason.TOO_LARGE), None
    try:
        package = functions.read_code_package(function.function_name,
                                              code_editor.MAX_EDITABLE_PACKAGE_BYTES)
    except ConsoleError as err:
        return None, gettext("The code could not be downloaded to show it here: %(reason)s",
                             reason=error_text(err))
    return code_editor.read_package(package, function.handler, function.runtime), None


@bp.get("/<function_name>/versions")
def versions(function_name: str) -> ResponseReturnValue:
    """The function's versions, a page at a time, and the publish form."""
    function = functions.get_function(function_name)
    next_token = request.args.get("next") or None
    sections = FunctionSections(versions=_load(functions.list_versions, function_name, next_token))
    fragment = "version_rows.html" if next_token else "versions.html"
    return _show(function, f"functions/fragments/{fragment}", sections)


@bp.post("/<function_name>/versions")
def publish_version(function_name: str) -> ResponseReturnValue:
    """Publish $LATEST as a new version with a description."""
    function = functions.get_function(function_name)
    form = PublishForm(description=request.form.get("description", "").strip())
    _check_description(form.description, "version_description", form.errors)
    if not form.errors:
        try:
            version = functions.publish_version(function.function_name, form.description)
            flash(gettext("Published version %(version)s.", version=version.version), "info")
            return _back_to(function, "versions")
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
    sections = FunctionSections(versions=_load(functions.list_versions, function_name, None),
                                publish_form=form)
    return _show(function, "functions/fragments/versions.html", sections,
                 HTTPStatus.UNPROCESSABLE_ENTITY)


@bp.get("/<function_name>/policy")
def resource_policy(function_name: str) -> ResponseReturnValue:
    """The resource-based policy's statements, each with a sentence saying what it allows."""
    function = functions.get_function(function_name)
    sections = FunctionSections(policy=_load(_described_policy, function_name))
    return _show(function, "functions/fragments/resource_policy.html", sections)


def _described_policy(function_name: str) -> list[tuple[PolicyStatement, str]] | None:
    statements = functions.get_resource_policy(function_name)
    if statements is None:
        return None
    return [(statement, describe_statement(statement)) for statement in statements]


def describe_statement(statement: PolicyStatement) -> str:
    """One statement in a plain sentence, e.g. who may invoke the function for which request."""
    who = ", ".join(_principal_name(principal) for principal in statement.principals)
    actions = ", ".join(statement.actions)
    api = statement.api_source
    is_api_gateway = any(principal.value == "apigateway.amazonaws.com"
                         for principal in statement.principals)
    if statement.effect != "Allow":
        sentence = gettext("%(who)s may not call %(actions)s on this function.", who=who,
                           actions=actions)
    elif statement.actions != (INVOKE_ACTION,):
        sentence = gettext("%(who)s may call %(actions)s on this function.", who=who,
                           actions=actions)
    elif api is not None and is_api_gateway:
        sentence = _api_sentence(api)
    elif statement.source_arn:
        sentence = gettext("%(who)s may invoke this function when the call comes from "
                           "%(source)s.", who=who, source=statement.source_arn)
    else:
        sentence = gettext("%(who)s may invoke this function.", who=who)
    if statement.source_account:
        sentence += " " + gettext("Only on behalf of AWS account %(account)s.",
                                  account=statement.source_account)
    return sentence


def _principal_name(principal: functions.Principal) -> str:
    if principal.is_anyone:
        return gettext("Anyone")
    if principal.account_id:
        return gettext("AWS account %(account)s", account=principal.account_id)
    if principal.kind == "Service":
        return principal.service_name
    return principal.value


def _api_sentence(api: functions.ApiSource) -> str:
    any_method = api.http_method == ANY
    any_path = api.resource_path in (ANY, "/" + ANY)
    if any_method and any_path:
        route = gettext("any method on any path")
    elif any_method:
        route = gettext("any method on %(path)s", path=api.resource_path)
    elif any_path:
        route = gettext("%(method)s on any path", method=api.http_method)
    else:
        route = f"{api.http_method} {api.resource_path}"
    if api.stage == ANY:
        return gettext("API Gateway API %(api_id)s may invoke this function for %(route)s.",
                       api_id=api.api_id, route=route)
    return gettext("API Gateway API %(api_id)s may invoke this function for %(route)s in stage "
                   "%(stage)s.", api_id=api.api_id, route=route, stage=api.stage)


@bp.get("/<function_name>/integrations")
def integrations(function_name: str) -> ResponseReturnValue:
    """API Gateway methods whose integration calls this function, by ARN or qualified ARN."""
    function = functions.get_function(function_name)
    sections = FunctionSections(
        integrations=_load(lambda_integrations.find_lambda_integrations, function.function_arn))
    return _show(function, "functions/fragments/api_integrations.html", sections)
