"""Deleting a REST API, a stage, a resource or a method: each after its name is typed again.

Every delete has a page of its own (a GET) saying what else goes with it, and a form that takes
the name typed exactly; a wrong name keeps the page with the error beside the field and deletes
nothing. AWS's console asks only for "confirm" (or a click) here, but an API, a stage and a
resource tree are a tutorial's hours of work, so the console asks for the name itself.
"""
from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from flask import Blueprint, Response, abort, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.aws.apigateway import methods as api_methods, resources as api_resources
from webapp.aws.apigateway import rest_apis, stages as api_stages
from webapp.views.apigateway.rest_apis import find_resource
from webapp.views.confirm_forms import ConfirmNameForm, confirmed_delete
from webapp.views.rendering import render_view, see_other

bp = Blueprint("deletes", __name__)


def _confirmed(expected: str, mismatch: str, delete: Callable[[], object]) -> ConfirmNameForm | None:
    return confirmed_delete(request.form, expected, mismatch, delete)


# A REST API


def _api_page(api_id: str, form: ConfirmNameForm) -> Response:
    resources = api_resources.list_resources(api_id)
    return render_view("apis/delete_api.html", None, api=rest_apis.get_rest_api(api_id),
                       form=form, resources=resources,
                       method_count=sum(len(resource.methods) for resource in resources),
                       stages=api_stages.list_stages(api_id),
                       deployment_count=len(api_stages.list_deployments(api_id)))


@bp.get("/<api_id>/delete")
def confirm_delete_api(api_id: str) -> ResponseReturnValue:
    """Ask for the API's name before deleting it with everything it holds."""
    return _api_page(api_id, ConfirmNameForm())


@bp.post("/<api_id>/delete")
def delete_api(api_id: str) -> ResponseReturnValue:
    """Delete the API once its name was typed; back to the list."""
    api = rest_apis.get_rest_api(api_id)
    form = _confirmed(api.name, gettext("Type the API's name, %(name)s, exactly to delete it.",
                                        name=api.name),
                      lambda: rest_apis.delete_rest_api(api_id))
    if form is None:
        flash(gettext("Deleted the API %(name)s.", name=api.name), "info")
        return see_other(url_for("apigateway.rest_apis.index"))
    return _api_page(api_id, form), HTTPStatus.UNPROCESSABLE_ENTITY


# A stage


def _stage_page(api_id: str, stage_name: str, form: ConfirmNameForm) -> Response:
    return render_view("apis/delete_stage.html", None, api=rest_apis.get_rest_api(api_id),
                       stage=api_stages.get_stage(api_id, stage_name), form=form,
                       invoke_url=api_stages.invoke_url(api_id, stage_name))


@bp.get("/<api_id>/stages/<stage_name>/delete")
def confirm_delete_stage(api_id: str, stage_name: str) -> ResponseReturnValue:
    """Ask for the stage's name before deleting it."""
    return _stage_page(api_id, stage_name, ConfirmNameForm())


@bp.post("/<api_id>/stages/<stage_name>/delete")
def delete_stage(api_id: str, stage_name: str) -> ResponseReturnValue:
    """Delete the stage once its name was typed; back to the API."""
    api_stages.get_stage(api_id, stage_name)  # a stage that is not there: its own error page
    form = _confirmed(stage_name, gettext(
        "Type the stage's name, %(name)s, exactly to delete it.", name=stage_name),
        lambda: api_stages.delete_stage(api_id, stage_name))
    if form is None:
        flash(gettext("Deleted the stage %(name)s. Its deployments are kept.", name=stage_name),
              "info")
        return see_other(url_for("apigateway.rest_apis.detail", api_id=api_id))
    return _stage_page(api_id, stage_name, form), HTTPStatus.UNPROCESSABLE_ENTITY


# A resource and everything under it


def _resource_page(api_id: str, resource_id: str, form: ConfirmNameForm) -> Response:
    resources, found = find_resource(api_id, resource_id)
    if found.path == "/":
        abort(HTTPStatus.BAD_REQUEST)  # API Gateway keeps an API's root resource
    return render_view("apis/delete_resource.html", None, api=rest_apis.get_rest_api(api_id),
                       resource=found, form=form,
                       doomed=api_resources.subtree(resources, resource_id))


@bp.get("/<api_id>/resources/<resource_id>/delete")
def confirm_delete_resource(api_id: str, resource_id: str) -> ResponseReturnValue:
    """Ask for the resource's path before deleting it and everything under it."""
    return _resource_page(api_id, resource_id, ConfirmNameForm())


@bp.post("/<api_id>/resources/<resource_id>/delete")
def delete_resource(api_id: str, resource_id: str) -> ResponseReturnValue:
    """Delete a resource and every resource under it once its path was typed; back to the API."""
    _, found = find_resource(api_id, resource_id)
    if found.path == "/":
        abort(HTTPStatus.BAD_REQUEST)
    form = _confirmed(found.path, gettext(
        "Type the resource's path, %(path)s, exactly to delete it.", path=found.path),
        lambda: api_resources.delete_resource_tree(api_id, resource_id))
    if form is None:
        flash(gettext("Deleted the resource %(path)s and everything under it.", path=found.path),
              "info")
        return see_other(url_for("apigateway.rest_apis.detail", api_id=api_id))
    return _resource_page(api_id, resource_id, form), HTTPStatus.UNPROCESSABLE_ENTITY


# A method


def _method_page(api_id: str, resource_id: str, http_method: str, form: ConfirmNameForm) -> Response:
    _, found = find_resource(api_id, resource_id)
    if http_method not in found.methods:
        abort(HTTPStatus.NOT_FOUND)
    return render_view("apis/delete_method.html", None, api=rest_apis.get_rest_api(api_id),
                       resource=found, method=api_methods.get_method(api_id, resource_id,
                                                                     http_method), form=form)


@bp.get("/<api_id>/resources/<resource_id>/methods/<http_method>/delete")
def confirm_delete_method(api_id: str, resource_id: str, http_method: str) -> ResponseReturnValue:
    """Ask for the HTTP method's name before deleting the method and its integration."""
    return _method_page(api_id, resource_id, http_method, ConfirmNameForm())


@bp.post("/<api_id>/resources/<resource_id>/methods/<http_method>/delete")
def delete_method(api_id: str, resource_id: str, http_method: str) -> ResponseReturnValue:
    """Delete the method once its HTTP method was typed; back to its resource."""
    _, found = find_resource(api_id, resource_id)
    if http_method not in found.methods:
        abort(HTTPStatus.NOT_FOUND)
    form = _confirmed(http_method, gettext(
        "Type the method, %(method)s, exactly to delete it.", method=http_method),
        lambda: api_methods.delete_method(api_id, resource_id, http_method))
    if form is None:
        flash(gettext("Deleted the method %(method)s %(path)s.", method=http_method,
                      path=found.path), "info")
        return see_other(url_for("apigateway.rest_apis.resource", api_id=api_id,
                                 resource_id=resource_id))
    return (_method_page(api_id, resource_id, http_method, form),
            HTTPStatus.UNPROCESSABLE_ENTITY)
