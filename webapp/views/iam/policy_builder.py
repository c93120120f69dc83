"""The policy builder: pick a resource and an access level, get least-privilege JSON to edit.

The builder is a GET form on the new-policy page. Without JavaScript it reloads `iam.new_policy`
with its fields, and that page fills the document from `builder_context(...)["document_text"]`.
With htmx it asks `iam.build_policy` for just the document field, and `iam.policy_builder`
refreshes the builder itself when the kind of resource changes (its names and actions differ).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from webapp.aws.iam import policy_templates as templates
from webapp.aws.iam import resources as iam_resources
from webapp.aws.errors import ConsoleError
from webapp.views.rendering import error_text, wants_fragment

bp = Blueprint("policy_builder", __name__)

KIND_LABELS = {
    templates.TABLE: _l("DynamoDB table"),
    templates.LOG_GROUP: _l("CloudWatch log group"),
    templates.FUNCTION: _l("Lambda function"),
}
ACCESS_LABELS = {
    templates.READ: _l("Read"),
    templates.WRITE: _l("Write"),
    templates.READ_WRITE: _l("Read and write"),
    templates.CHOSEN: _l("Chosen actions"),
}
BUILDER_FIELDS = ("kind", "resource", "access", "actions")


def builder_context(args: Mapping[str, Any]) -> dict[str, Any]:
    """Everything builder.html shows, from the query string (`?table=NAME` preselects a table).

    When a resource is named and the choice is valid, `document_text` holds the generated policy
    as formatted JSON (else None), and `errors` maps builder fields to messages.
    """
    values = args if isinstance(args, MultiDict) else MultiDict(args)
    table_name = values.get("table", "").strip()
    kind = values.get("kind", "").strip() or templates.TABLE
    resource = values.get("resource", "").strip() or (table_name if kind == templates.TABLE else "")
    access = values.get("access", "").strip() or templates.READ_WRITE
    chosen = [action for action in values.getlist("actions") if action]
    errors: dict[str, str] = {}
    if kind not in templates.KINDS:
        errors["kind"] = gettext("Choose a DynamoDB table, a log group or a Lambda function.")
        kind = templates.TABLE
    if access not in templates.ACCESS_LEVELS:
        errors["access"] = gettext("Choose read, write, read and write, or chosen actions.")
    context: dict[str, Any] = {
        "kind": kind, "resource": resource, "access": access, "chosen": chosen,
        "kinds": list(KIND_LABELS.items()), "access_levels": list(ACCESS_LABELS.items()),
        "offered": templates.offered_actions(kind), "names": [], "names_capped": False,
        "problem": None, "errors": errors, "document_text": None,
    }
    try:
        listing = iam_resources.list_resource_names(kind)
        context["names"], context["names_capped"] = listing.names, listing.is_capped
    except ConsoleError as err:
        context["problem"] = error_text(err)
    if resource and not errors:
        _build(context)
    return context


def _build(context: dict[str, Any]) -> None:
    kind, access, chosen = context["kind"], context["access"], context["chosen"]
    errors = context["errors"]
    if access == templates.CHOSEN:
        offered = {curated.action for curated in context["offered"]}
        if not chosen:
            errors["actions"] = gettext("Tick at least one action.")
        elif not offered.issuperset(chosen):
            errors["actions"] = gettext("Tick actions from this list: they are the ones that "
                                        "apply to this kind of resource.")
        if errors:
            return
    try:
        picked = iam_resources.get_resource(kind, context["resource"])
    except ConsoleError as err:
        errors["resource"] = error_text(err)
        return
    document = templates.policy_for(kind, [picked.arn], access, chosen)
    context["document_text"] = json.dumps(document, indent=2)


def _new_policy_url() -> str:
    fields = {name: request.args.getlist(name) for name in BUILDER_FIELDS if name in request.args}
    return url_for("iam.policies.new_policy", **fields)


@bp.get("/policies/build")
def build_policy() -> ResponseReturnValue:
    """The generated document, in the policy editor's field; the builder with errors if any."""
    if not wants_fragment():  # a plain GET gets the whole page, built the same way
        return redirect(_new_policy_url(), HTTPStatus.SEE_OTHER)
    builder = builder_context(request.args)
    if builder["errors"] or builder["document_text"] is None:
        if not builder["resource"]:
            builder["errors"].setdefault("resource", gettext("Choose a resource."))
        response = _builder_fragment(builder, HTTPStatus.UNPROCESSABLE_ENTITY)
        response.headers["HX-Retarget"] = "#policy-builder"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    html = render_template("iam/fragments/policy_document_field.html",
                           document_text=builder["document_text"], findings=[], field_errors={})
    return _fragment(html, HTTPStatus.OK)


@bp.get("/policies/builder")
def policy_builder() -> ResponseReturnValue:
    """The builder alone, for another kind of resource (its names and actions)."""
    if not wants_fragment():
        return redirect(_new_policy_url(), HTTPStatus.SEE_OTHER)
    values = MultiDict(request.args)
    values.pop("resource", None)  # a table's name means nothing among log groups
    values.pop("actions", None)
    return _builder_fragment(builder_context(values), HTTPStatus.OK)


def _builder_fragment(builder: dict[str, Any], status: HTTPStatus) -> Response:
    return _fragment(render_template("iam/fragments/builder.html", builder=builder), status)


def _fragment(html: str, status: HTTPStatus) -> Response:
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response
