"""API Gateway REST APIs: list and create, the resource tree, methods, deploy, stages, tests."""
from __future__ import annotations

import secrets
from http import HTTPStatus

from flask import Blueprint, abort, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.aws.apigateway import calls as api_calls, cloudwatch_logging, lambda_integrations
from webapp.aws.apigateway import (
    methods as api_methods, resources as api_resources, rest_apis, stages as api_stages,
)
from webapp.aws.functions import lambda_functions as functions
from webapp.aws.apigateway.calls import HttpResult
from webapp.aws.apigateway.resources import Resource
from webapp.aws.errors import ConsoleError
from webapp.aws.functions.lambda_functions import FunctionSummary
from webapp.views.apigateway.forms import (
    DEFAULT_ACCESS_FORMAT, CreateApiForm, DeployForm, LoggingForm, MethodForm, ResourceForm,
    TestForm, VariablesForm, parse_create_api_form, parse_deploy_form, parse_logging_form,
    parse_method_form, parse_resource_form, parse_test_form, parse_variables_form, variables_text,
)
from webapp.views.rendering import error_text, render_view, see_other

bp = Blueprint("rest_apis", __name__)

# The function picker lists at most this many functions (pages of functions.PAGE_SIZE).
MAX_PICKER_PAGES = 4


@bp.get("/")
def index() -> ResponseReturnValue:
    """List REST APIs, one page at a time (click-to-load with the next token)."""
    page = rest_apis.list_rest_apis(request.args.get("next") or None)
    return render_view("apis/index.html", "apis/fragments/rows.html", page=page)


@bp.get("/new")
def new() -> ResponseReturnValue:
    """The create-API form."""
    return render_view("apis/new.html", "apis/fragments/create_form.html", form=CreateApiForm())


@bp.post("/")
def create() -> ResponseReturnValue:
    """Create a REST API with a name, description and endpoint type."""
    form = parse_create_api_form(request.form)
    if not form.errors:
        try:
            created = rest_apis.create_rest_api(form.name, form.description, form.endpoint_type)
            return see_other(url_for("apigateway.rest_apis.detail", api_id=created.api_id))
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
    return (render_view("apis/new.html", "apis/fragments/create_form.html", form=form),
            HTTPStatus.UNPROCESSABLE_ENTITY)


@bp.get("/<api_id>")
def detail(api_id: str) -> ResponseReturnValue:
    """An API's resource tree, its stages and the deploy form."""
    return _detail_page(api_id)


def _detail_page(api_id: str, fragment: str | None = None, **forms: object) -> ResponseReturnValue:
    resources = api_resources.list_resources(api_id)
    stages = api_stages.list_stages(api_id)
    deployments = api_stages.list_deployments(api_id)
    root = next((resource for resource in resources if resource.path == "/"), None)
    context = {
        "api": rest_apis.get_rest_api(api_id), "resources": resources, "stages": stages,
        "deployments": deployments, "stale": api_stages.stale_stages(stages, deployments),
        "invoke_url": lambda stage_name: api_stages.invoke_url(api_id, stage_name),
        "resource_form": ResourceForm(parent_id=root.resource_id if root else ""),
        "deploy_form": DeployForm(stage_choice=stages[0].stage_name if stages else ""),
        **forms,
    }
    return render_view("apis/detail.html", fragment, **context)


@bp.post("/<api_id>/resources")
def create_resource(api_id: str) -> ResponseReturnValue:
    """Create a resource under a parent, with an OPTIONS method for CORS when asked."""
    resources = api_resources.list_resources(api_id)
    form = parse_resource_form(request.form, resources, api_resources.path_part_problem)
    if not form.errors:
        try:
            created = api_resources.create_resource(api_id, form.parent_id, form.path_part)
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
        else:
            return _after_resource_created(api_id, created, form)
    return (_detail_page(api_id, "apis/fragments/resource_form.html", resource_form=form),
            HTTPStatus.UNPROCESSABLE_ENTITY)


def _after_resource_created(api_id: str, created: Resource, form: ResourceForm) -> ResponseReturnValue:
    if form.enable_cors:
        try:
            api_methods.enable_cors(api_id, created.resource_id)
        except ConsoleError as err:
            form.errors["form"] = gettext(
                "Created %(path)s, but adding the CORS OPTIONS method failed: %(reason)s",
                path=created.path, reason=error_text(err))
            return (_detail_page(api_id, "apis/fragments/resource_form.html", resource_form=form),
                    HTTPStatus.UNPROCESSABLE_ENTITY)
    return see_other(url_for("apigateway.rest_apis.resource", api_id=api_id, resource_id=created.resource_id))


def find_resource(api_id: str, resource_id: str) -> tuple[list[Resource], Resource]:
    """The API's resources and the one asked for; 404 when it has no such resource."""
    resources = api_resources.list_resources(api_id)
    for resource in resources:
        if resource.resource_id == resource_id:
            return resources, resource
    abort(HTTPStatus.NOT_FOUND)


@bp.get("/<api_id>/resources/<resource_id>")
def resource(api_id: str, resource_id: str) -> ResponseReturnValue:
    """A resource: its methods and the create-method form."""
    return _resource_page(api_id, resource_id, MethodForm())


def _resource_page(api_id: str, resource_id: str, form: MethodForm,
                   fragment: str | None = None) -> ResponseReturnValue:
    resources, found = find_resource(api_id, resource_id)
    picker, picker_error = _function_picker()
    return render_view("apis/resource.html", fragment, api=rest_apis.get_rest_api(api_id),
                       resource=found, children=api_resources.subtree(resources, resource_id)[:-1],
                       method_form=form, function_choices=picker, picker_error=picker_error,
                       http_methods=api_methods.HTTP_METHODS,
                       authorization_types=api_methods.AUTHORIZATION_TYPES)


def _function_picker() -> tuple[list[FunctionSummary], str | None]:
    found: list[FunctionSummary] = []
    token = None
    try:
        for _ in range(MAX_PICKER_PAGES):
            page = functions.list_functions(token)
            found.extend(page.items)
            token = page.next_token
            if token is None:
                break
    except ConsoleError as err:
        return found, error_text(err)
    return found, None


@bp.post("/<api_id>/resources/<resource_id>/methods")
def create_method(api_id: str, resource_id: str) -> ResponseReturnValue:
    """Put a method with its integration; a Lambda one also lets API Gateway invoke the function."""
    form = parse_method_form(request.form)
    if not form.errors:
        _, found = find_resource(api_id, resource_id)
        try:
            api_methods.put_method(api_id, resource_id, form.spec())
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
        else:
            return _after_method_created(api_id, found, form)
    return (_resource_page(api_id, resource_id, form, "apis/fragments/method_form.html"),
            HTTPStatus.UNPROCESSABLE_ENTITY)


def _after_method_created(api_id: str, found: Resource, form: MethodForm) -> ResponseReturnValue:
    target = url_for("apigateway.rest_apis.method", api_id=api_id, resource_id=found.resource_id,
                     http_method=form.http_method)
    if form.calls_lambda:
        try:
            source_arn = lambda_integrations.execute_api_arn(api_id, form.http_method, found.path)
            lambda_integrations.add_invoke_permission(form.spec().lambda_target, source_arn)
        except ConsoleError as err:
            form.errors["form"] = gettext(
                "Created %(method)s, but API Gateway may not invoke the function yet: %(reason)s "
                "Open the method to add the permission.",
                method=form.http_method, reason=error_text(err))
            return (_resource_page(api_id, found.resource_id, form,
                                   "apis/fragments/method_form.html"),
                    HTTPStatus.UNPROCESSABLE_ENTITY)
    return see_other(target)


@bp.get("/<api_id>/resources/<resource_id>/methods/<http_method>")
def method(api_id: str, resource_id: str, http_method: str) -> ResponseReturnValue:
    """A method: its integration, whether the function lets API Gateway call it, and tests."""
    return _method_page(api_id, resource_id, http_method, None)


def _method_page(api_id: str, resource_id: str, http_method: str, fragment: str | None,
                 **context: object) -> ResponseReturnValue:
    _, found = find_resource(api_id, resource_id)
    if http_method not in found.methods:
        abort(HTTPStatus.NOT_FOUND)
    the_method = api_methods.get_method(api_id, resource_id, http_method)
    stages = api_stages.list_stages(api_id)
    values = {
        "api": rest_apis.get_rest_api(api_id), "resource": found, "method": the_method,
        "stages": stages, "test_form": TestForm(), "test_result": None, "call_result": None,
        "call_stage": stages[0].stage_name if stages else "", "notice": None,
        **_permission_context(api_id, found, the_method), **context,
    }
    return render_view("apis/method.html", fragment, **values)


def _permission_context(api_id: str, found: Resource,
                        the_method: api_methods.Method) -> dict[str, object]:
    target = the_method.integration.lambda_target if the_method.integration else None
    if not target:
        return {"function_target": None, "function_name": None, "permission": None,
                "permission_error": None, "source_arn": None}
    function_name = target.split(":")[6]
    try:
        source_arn = lambda_integrations.execute_api_arn(api_id, the_method.http_method, found.path)
        permission, permission_error = lambda_integrations.may_invoke(target, source_arn), None
    except ConsoleError as err:
        source_arn, permission, permission_error = None, None, error_text(err)
    return {"function_target": target, "function_name": function_name, "permission": permission,
            "permission_error": permission_error, "source_arn": source_arn}


@bp.post("/<api_id>/resources/<resource_id>/methods/<http_method>/permission")
def add_permission(api_id: str, resource_id: str, http_method: str) -> ResponseReturnValue:
    """Let API Gateway invoke the method's function (lambda:AddPermission), one click."""
    _, found = find_resource(api_id, resource_id)
    the_method = api_methods.get_method(api_id, resource_id, http_method)
    target = the_method.integration.lambda_target if the_method.integration else None
    if not target:
        abort(HTTPStatus.BAD_REQUEST)
    try:
        lambda_integrations.add_invoke_permission(
            target, lambda_integrations.execute_api_arn(api_id, http_method, found.path))
    except ConsoleError as err:
        return _method_page(api_id, resource_id, http_method, None,
                            permission_form_error=error_text(err)), HTTPStatus.UNPROCESSABLE_ENTITY
    return see_other(url_for("apigateway.rest_apis.method", api_id=api_id, resource_id=resource_id,
                             http_method=http_method))


@bp.post("/<api_id>/resources/<resource_id>/methods/<http_method>/test")
def test_method(api_id: str, resource_id: str, http_method: str) -> ResponseReturnValue:
    """TestInvokeMethod: run the method without deploying it."""
    _, found = find_resource(api_id, resource_id)
    form = parse_test_form(request.form, found)
    result: HttpResult | None = None
    if not form.errors:
        try:
            result = api_calls.test_invoke_method(api_id, resource_id,
                                                  form.request(http_method, found.path))
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else HTTPStatus.OK
    return _method_page(api_id, resource_id, http_method, "apis/fragments/test_panel.html",
                        test_form=form, test_result=result), status


@bp.post("/<api_id>/resources/<resource_id>/methods/<http_method>/call")
def call_stage(api_id: str, resource_id: str, http_method: str) -> ResponseReturnValue:
    """Send a real HTTP request to the method on a deployed stage."""
    _, found = find_resource(api_id, resource_id)
    form = parse_test_form(request.form, found)
    stage_name = request.form.get("stage", "")
    if stage_name not in {stage.stage_name for stage in api_stages.list_stages(api_id)}:
        form.errors["stage"] = gettext("Deploy the API to a stage first, then choose it.")
    result: HttpResult | None = None
    if not form.errors:
        try:
            result = api_calls.call_stage(api_stages.invoke_url(api_id, stage_name),
                                          form.request(http_method, found.path))
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else HTTPStatus.OK
    return _method_page(api_id, resource_id, http_method, "apis/fragments/test_panel.html",
                        test_form=form, call_result=result, call_stage=stage_name), status


@bp.post("/<api_id>/deployments")
def deploy(api_id: str) -> ResponseReturnValue:
    """Deploy the API to a new or existing stage."""
    stage_names = [stage.stage_name for stage in api_stages.list_stages(api_id)]
    form = parse_deploy_form(request.form, stage_names)
    if not form.errors:
        try:
            api_stages.create_deployment(api_id, form.stage_name, form.description)
            return see_other(url_for("apigateway.rest_apis.stage", api_id=api_id, stage_name=form.stage_name))
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
    return (_detail_page(api_id, "apis/fragments/deploy_form.html", deploy_form=form),
            HTTPStatus.UNPROCESSABLE_ENTITY)


@bp.get("/<api_id>/stages/<stage_name>")
def stage(api_id: str, stage_name: str) -> ResponseReturnValue:
    """A stage: invoke URL, deployment history, redeploy, variables and logging."""
    return _stage_page(api_id, stage_name, None)


def _stage_page(api_id: str, stage_name: str, fragment: str | None,
                **context: object) -> ResponseReturnValue:
    found = api_stages.get_stage(api_id, stage_name)
    deployments = api_stages.list_deployments(api_id)
    try:
        role_arn, role_error = cloudwatch_logging.get_cloudwatch_role_arn(), None
    except ConsoleError as err:
        role_arn, role_error = None, error_text(err)
    access_group = found.logging.access_destination_arn.partition(":log-group:")[2]
    values = {
        "api": rest_apis.get_rest_api(api_id), "stage": found, "deployments": deployments,
        "is_stale": stage_name in api_stages.stale_stages([found], deployments),
        "invoke_url": api_stages.invoke_url(api_id, stage_name),
        "aws_invoke_url": api_stages.aws_invoke_url(api_id, stage_name),
        "path_invoke_url": api_stages.path_invoke_url(api_id, stage_name),
        "variables_form": VariablesForm(variables_text(found.variables)),
        "logging_form": LoggingForm(found.logging.level, bool(access_group), access_group,
                                    found.logging.access_format or DEFAULT_ACCESS_FORMAT),
        "redeploy_form": DeployForm(stage_choice=stage_name),
        "role_arn": role_arn, "role_error": role_error, "notice": None, **context,
    }
    return render_view("apis/stage.html", fragment, **values)


@bp.post("/<api_id>/stages/<stage_name>/variables")
def update_variables(api_id: str, stage_name: str) -> ResponseReturnValue:
    """Replace the stage's variables with the editor's NAME=value lines."""
    form = parse_variables_form(request.form)
    if not form.errors:
        try:
            current = api_stages.get_stage(api_id, stage_name).variables
            api_stages.update_stage_variables(api_id, stage_name, current, form.variables)
            return see_other(url_for("apigateway.rest_apis.stage", api_id=api_id, stage_name=stage_name))
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
    return (_stage_page(api_id, stage_name, "apis/fragments/variables_form.html",
                        variables_form=form), HTTPStatus.UNPROCESSABLE_ENTITY)


@bp.post("/<api_id>/stages/<stage_name>/logging")
def update_logging(api_id: str, stage_name: str) -> ResponseReturnValue:
    """Turn execution and access logging on or off."""
    form = parse_logging_form(request.form)
    if not form.errors:
        try:
            destination = (cloudwatch_logging.log_group_arn(form.log_group)
                           if form.access_enabled else "")
            cloudwatch_logging.update_stage_logging(api_id, stage_name, form.level, destination,
                                                    form.access_format)
            flash(gettext("Logging saved."), "info")
            return see_other(url_for("apigateway.rest_apis.stage", api_id=api_id, stage_name=stage_name))
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
    return (_stage_page(api_id, stage_name, "apis/fragments/logging_form.html",
                        logging_form=form), HTTPStatus.UNPROCESSABLE_ENTITY)


@bp.post("/<api_id>/stages/<stage_name>/logging-role")
def create_logging_role(api_id: str, stage_name: str) -> ResponseReturnValue:
    """Create a role API Gateway may write logs with and set it on the account."""
    form = parse_logging_form(request.form)
    role_name = f"apigateway-cloudwatch-logs-{secrets.token_hex(4)}"
    try:
        role_arn = cloudwatch_logging.create_logging_role(role_name)
    except ConsoleError as err:
        form.errors["form"] = error_text(err)
        return (_stage_page(api_id, stage_name, "apis/fragments/logging_form.html",
                            logging_form=form), HTTPStatus.UNPROCESSABLE_ENTITY)
    notice = gettext("Created the role %(role)s and set it as the account's CloudWatch Logs role "
                     "ARN. Turn logging on now.", role=role_arn)
    return _stage_page(api_id, stage_name, "apis/fragments/logging_form.html",
                       logging_form=form, notice=notice)
