"""Lambda functions: list, create, open, invoke."""
from __future__ import annotations

import json
from http import HTTPStatus

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from .. import code_packages
from ..aws import denials, functions, iam
from ..aws.errors import ConsoleError
from .function_forms import (NEW_BASIC_ROLE, CreateFunctionForm, InvokeForm, parse_create_form,
                             parse_invoke_form)
from .rendering import error_text, render_view, see_other

bp = Blueprint("functions", __name__, url_prefix="/functions")

HELLO_EVENT = json.dumps({"name": "Serverless Console"}, indent=2)
# States after which nothing changes on its own, so the page stops polling.
SETTLED_STATES = frozenset({"Active", "Failed", "Inactive"})


@bp.get("/")
def index() -> ResponseReturnValue:
    """List functions, one page at a time (click-to-load with the next token)."""
    page = functions.list_functions(request.args.get("next") or None)
    return render_view("functions/index.html", "functions/fragments/rows.html", page=page)


@bp.get("/new")
def new() -> ResponseReturnValue:
    """The create form."""
    return _create_page(CreateFunctionForm())


@bp.post("/")
def create() -> ResponseReturnValue:
    """Create a function from a template, an upload or inline code."""
    form = parse_create_form(request.form, request.files.get("code"))
    if not form.errors:
        try:
            zip_bytes = _package(form)
            role_arn = form.role
            if role_arn == NEW_BASIC_ROLE:
                role_arn = iam.create_basic_lambda_role(form.basic_role_name).role_arn
                form.role = role_arn  # a retry after a later failure reuses this role
            created = functions.create_function(functions.NewFunction(
                function_name=form.function_name, runtime=form.runtime, handler=form.handler,
                role_arn=role_arn, zip_bytes=zip_bytes, memory_mb=int(form.memory_mb),
                timeout_s=int(form.timeout_s), environment=form.environment))
            return see_other(url_for("functions.detail", function_name=created.function_name))
        except ConsoleError as err:
            form.errors[err.field or "form"] = error_text(err)
    return _create_page(form), HTTPStatus.UNPROCESSABLE_ENTITY


def _package(form: CreateFunctionForm) -> bytes:
    if form.code_source == "zip":
        return code_packages.check_upload(request.files["code"].read())
    if form.code_source == "inline":
        return code_packages.inline_zip(form.inline_source)
    return code_packages.template_zip(form.template)


def _create_page(form: CreateFunctionForm) -> ResponseReturnValue:
    try:
        roles = iam.list_lambda_roles()
        roles_error = None
    except ConsoleError as err:
        roles, roles_error = [], error_text(err)
    return render_view("functions/new.html", "functions/fragments/create_form.html", form=form,
                       roles=roles, roles_error=roles_error, runtimes=functions.PYTHON_RUNTIMES,
                       templates=code_packages.list_templates(), new_basic_role=NEW_BASIC_ROLE)


@bp.get("/<function_name>")
def detail(function_name: str) -> ResponseReturnValue:
    """A function's configuration, state and invoke panel."""
    function = functions.get_function(function_name)
    return render_view("functions/detail.html", None, function=function,
                       invoke_form=InvokeForm(event_text=HELLO_EVENT), invocation=None,
                       settled_states=SETTLED_STATES)


@bp.get("/<function_name>/state")
def state(function_name: str) -> ResponseReturnValue:
    """The state badge; it asks again while the function is still changing."""
    function = functions.get_function(function_name)
    return render_view("functions/detail.html", "functions/fragments/state.html",
                       function=function, settled_states=SETTLED_STATES,
                       invoke_form=InvokeForm(event_text=HELLO_EVENT), invocation=None)


@bp.post("/<function_name>/invoke")
def invoke(function_name: str) -> ResponseReturnValue:
    """Invoke synchronously and show status, payload, duration and the log tail."""
    form = parse_invoke_form(request.form)
    invocation = None
    if not form.errors:
        try:
            invocation = functions.invoke(function_name, form.payload)
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
    denial = denials.find_denial(invocation.payload, invocation.log_tail) if invocation else None
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else HTTPStatus.OK
    return _invoke_panel(function_name, form, invocation=invocation, denial=denial), status


@bp.post("/<function_name>/grant")
def grant(function_name: str) -> ResponseReturnValue:
    """Add the permission an invocation was denied to the function's role, as an inline policy."""
    form = parse_invoke_form(request.form)
    denial = denials.find_denial(request.form.get("denial", ""))
    scope = request.form.get("scope", "action")
    function = functions.get_function(function_name)
    role_name = function.role_arn.rsplit("/", 1)[-1]
    if denial is None or scope not in denials.GRANT_SCOPES:
        form.errors["form"] = gettext("The denial to fix was not understood; invoke again.")
        return _invoke_panel(function_name, form), HTTPStatus.UNPROCESSABLE_ENTITY
    try:
        policy_name = denials.grant(role_name, denial, scope)
    except ConsoleError as err:
        form.errors["form"] = error_text(err)
        return _invoke_panel(function_name, form, denial=denial), HTTPStatus.UNPROCESSABLE_ENTITY
    notice = gettext("Added the inline policy %(policy)s to the role %(role)s. Invoke again to try "
                     "it; on AWS a new permission can take a few seconds to apply.",
                     policy=policy_name, role=role_name)
    return _invoke_panel(function_name, form, notice=notice)


def _grant_json(denial: denials.Denial, scope: str) -> str:
    return json.dumps(denials.grant_document(denial, scope), indent=2)


def _invoke_panel(function_name: str, form: InvokeForm, **context: object) -> ResponseReturnValue:
    context.setdefault("invocation", None)
    context.setdefault("denial", None)
    return render_view("functions/detail.html", "functions/fragments/invoke_panel.html",
                       function=functions.get_function(function_name), invoke_form=form,
                       settled_states=SETTLED_STATES, grant_json=_grant_json,
                       **context)
