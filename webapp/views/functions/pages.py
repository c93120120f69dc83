"""Lambda functions: list, create, open, invoke."""
from __future__ import annotations

import json
from http import HTTPStatus

from flask import (Blueprint, Response, current_app, g, make_response, render_template, request,
                   url_for)
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.aws.functions import code_packages
from webapp.aws.iam import denials, execution_roles as iam
from webapp.aws.functions import lambda_functions as functions, runtime_info, runtimes
from webapp.aws.errors import ConsoleError
from webapp.views.functions.event_templates import EVENT_TEMPLATES
from webapp.views.functions.saved_events import MAX_EVENTS_PER_FUNCTION, TestEventStore
from webapp.views.functions.forms import (
    FUNCTION_NAME, NEW_BASIC_ROLE, CreateFunctionForm, InvokeForm, parse_create_form,
    parse_invoke_form, parse_save_event_form, read_create_form, suit_runtime, templates_for,
)
from webapp.views.rendering import error_text, render_view, see_other, wants_fragment
from webapp.views.resource_names import require_possible

bp = Blueprint("pages", __name__)

HELLO_EVENT = EVENT_TEMPLATES["hello"].text
# States after which nothing changes on its own, so the page stops polling.
SETTLED_STATES = frozenset({"Active", "Failed", "Inactive"})


def refuse_impossible_names() -> None:
    """Every route with a function name (settings and metrics too) 404s on one Lambda refuses."""
    values = request.view_args or {}
    require_possible(values.get("function_name"), FUNCTION_NAME, lambda name: gettext(
        "No function named %(name)s: a function name has 1 to 64 letters, digits, hyphens (-) "
        "or underscores (_).", name=name))


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
            return see_other(url_for("lambda.pages.detail", function_name=created.function_name))
        except ConsoleError as err:
            form.errors[err.field or "form"] = error_text(err)
    return _create_page(form), HTTPStatus.UNPROCESSABLE_ENTITY


def _package(form: CreateFunctionForm) -> bytes:
    if form.code_source == "zip":
        return code_packages.check_upload(request.files["code"].read())
    if form.code_source == "inline":
        return code_packages.inline_zip(form.inline_source, form.language.inline_filename)
    return code_packages.template_zip(form.template)


@bp.post("/new/runtime")
def choose_runtime() -> ResponseReturnValue:
    """The create form again for the runtime just chosen: its handler, templates and what runs
    it; nothing is created, and every other value stays as typed."""
    form = read_create_form(request.form)
    suit_runtime(form)
    return _create_page(form)


def _create_page(form: CreateFunctionForm) -> ResponseReturnValue:
    try:
        roles = iam.list_lambda_roles()
        roles_error = None
    except ConsoleError as err:
        roles, roles_error = [], error_text(err)
    templates = templates_for(form.language)
    if form.template not in {template.name for template in templates}:
        # A template of the other language stays chosen, with its error beside it.
        templates += [template for template in code_packages.list_templates()
                      if template.name == form.template]
    support = runtime_info.runtime_support(form.runtime) if runtimes.is_offered(form.runtime) else None
    return render_view("functions/new.html", "functions/fragments/create_form.html", form=form,
                       roles=roles, roles_error=roles_error, languages=runtimes.LANGUAGES,
                       templates=templates, runtime_support=support, node=runtimes.NODE,
                       new_basic_role=NEW_BASIC_ROLE)


@bp.get("/<function_name>")
def detail(function_name: str) -> ResponseReturnValue:
    """A function's configuration, state and invoke panel, with what the sandbox or IAM warn of."""
    context = _panel_context(function_name, InvokeForm(event_text=HELLO_EVENT))
    function = context["function"]
    return render_view("functions/detail.html", None, **context,
                       runtime_note=runtime_info.effective_runtime(function_name),
                       logs_allowed=iam.may_write_lambda_logs(function.role_arn, function.function_arn))


def show_on_function_page(function_name: str, fragment: str, sections: dict[str, object],
                          status: HTTPStatus = HTTPStatus.OK, /,
                          **fragment_only: object) -> Response:
    """`fragment` for htmx; otherwise the function's whole page with `sections` in it.

    The page's context processors read its sections from `g`, so each of `sections` is set there;
    the fragment gets them, and `fragment_only`, as template variables.
    """
    if wants_fragment():
        response = make_response(render_template(fragment, **sections, **fragment_only), status)
        response.vary.add("HX-Request")
        return response
    for name, value in sections.items():
        setattr(g, name, value)
    response = make_response(detail(function_name))
    response.status_code = status
    return response


@bp.get("/<function_name>/state")
def state(function_name: str) -> ResponseReturnValue:
    """The state badge; it asks again while the function is still changing."""
    return render_view("functions/detail.html", "functions/fragments/state.html",
                       **_panel_context(function_name, InvokeForm(event_text=HELLO_EVENT)))


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
    response = make_response(_invoke_panel(function_name, form, invocation=invocation,
                                           denial=denial), status)
    if invocation is not None:  # the metrics panel reloads itself on this event
        response.headers["HX-Trigger"] = "function-invoked"
    return response


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
    return render_view("functions/detail.html", "functions/fragments/invoke_panel.html",
                       **_panel_context(function_name, form, **context))


def _panel_context(function_name: str, form: InvokeForm, **context: object) -> dict[str, object]:
    function = functions.get_function(function_name)
    return {
        "function": function, "invoke_form": form, "invocation": None, "denial": None,
        "notice": None, "settled_states": SETTLED_STATES, "grant_json": _grant_json,
        "saved_events": _event_store().list(function.function_arn),
        "event_templates": EVENT_TEMPLATES, **context,
    }


def _event_store() -> TestEventStore:
    return current_app.extensions["test_events"]


@bp.get("/<function_name>/events/load")
def load_event(function_name: str) -> ResponseReturnValue:
    """Put a saved event or a template into the editor."""
    kind, _, key = request.args.get("choice", "").partition(":")
    function_arn = functions.get_function(function_name).function_arn
    saved = _event_store().list(function_arn)
    if kind == "saved" and key in saved:
        form = InvokeForm(event_text=saved[key], event_name=key)
    elif kind == "template" and key in EVENT_TEMPLATES:
        form = InvokeForm(event_text=EVENT_TEMPLATES[key].text)
    else:
        form = InvokeForm(event_text=HELLO_EVENT)
        form.errors["choice"] = gettext("Choose a saved event or a template.")
    return _invoke_panel(function_name, form)


@bp.post("/<function_name>/events")
def save_event(function_name: str) -> ResponseReturnValue:
    """Save the editor's event under its name for this function."""
    form = parse_save_event_form(request.form)
    if not form.errors:
        function_arn = functions.get_function(function_name).function_arn
        try:
            _event_store().save(function_arn, form.event_name, form.event_text)
        except ValueError:
            form.errors["event_name"] = gettext(
                "A function keeps at most %(count)s saved events: delete one first.",
                count=MAX_EVENTS_PER_FUNCTION)
    if form.errors:
        return _invoke_panel(function_name, form), HTTPStatus.UNPROCESSABLE_ENTITY
    return _invoke_panel(function_name, form,
                         notice=gettext("Saved the event %(name)s.", name=form.event_name))


@bp.post("/<function_name>/events/delete")
def delete_event(function_name: str) -> ResponseReturnValue:
    """Forget a saved event; the editor keeps its text."""
    form = parse_invoke_form(request.form)
    function_arn = functions.get_function(function_name).function_arn
    if not _event_store().delete(function_arn, form.event_name):
        form.errors["event_name"] = gettext("There is no saved event called %(name)s.",
                                            name=form.event_name)
        return _invoke_panel(function_name, form), HTTPStatus.UNPROCESSABLE_ENTITY
    notice = gettext("Deleted the saved event %(name)s.", name=form.event_name)
    form.event_name = ""
    return _invoke_panel(function_name, form, notice=notice)
