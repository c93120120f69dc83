"""Customer-managed and AWS-managed policies: list, search, open, create, edit by version, delete.

Every document is checked by webapp.aws.iam.policy_check before anything is sent to AWS; a failed check
shows each finding beside its line and changes nothing.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus

from flask import Blueprint, current_app, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext

from webapp.aws.iam import policies as iam_policies
from webapp.aws.errors import NOT_FOUND, ConsoleError, NotFound
from webapp.aws.paging import Page
from webapp.aws.iam.policy_check import Finding, check_policy
from webapp.views.iam.policy_builder import builder_context
from webapp.views.rendering import error_text, render_view, see_other

bp = Blueprint("policies", __name__)

POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\w+=,.@/-]{1,512}$")
VERSION_ID = re.compile(r"^v[1-9][0-9]{0,5}$")
POLICY_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,128}$")
MAX_DESCRIPTION = 1000
# IAM accepts only tab, newlines and Latin-1 printable characters in a description.
DESCRIPTION_CHARS = re.compile(r"^[\t\n\r\x20-\x7e\xa1-\xff]*$")
# A managed policy document may hold 6,144 characters, not counting whitespace.
MAX_DOCUMENT_CHARS = 6144
EMPTY_DOCUMENT = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": [], "Resource": []}]}, indent=2)


@dataclass(slots=True)
class PolicyForm:
    """What the create and edit forms hold, and what is wrong with it, by field."""

    policy_name: str = ""
    description: str = ""
    document_text: str = EMPTY_DOCUMENT
    errors: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    document: dict | None = None


def parse_policy_form(values: Mapping[str, str], *, with_name: bool = True) -> PolicyForm:
    """Read and check the form; the document is checked by the policy checker."""
    form = PolicyForm(
        policy_name=values.get("policy_name", "").strip() if with_name else "",
        description=values.get("description", "").strip() if with_name else "",
        document_text=values.get("document", ""),
    )
    if with_name:
        if not POLICY_NAME.match(form.policy_name):
            form.errors["policy_name"] = gettext(
                "A policy name has 1 to 128 letters, digits or these characters: + = , . @ _ -")
        if len(form.description) > MAX_DESCRIPTION:
            form.errors["description"] = ngettext(
                "A description has at most %(num)d character.",
                "A description has at most %(num)d characters.", MAX_DESCRIPTION)
        elif not DESCRIPTION_CHARS.match(form.description):
            form.errors["description"] = gettext(
                "IAM accepts only Latin letters, digits, spaces and punctuation in a description.")
    check = check_policy(form.document_text, "identity")
    form.findings = list(check.findings)
    if not check.ok:
        form.errors["document"] = gettext("Fix the problems listed under the document; nothing was sent to AWS.")
        return form
    compact = json.dumps(check.document, separators=(",", ":"))
    if len(re.sub(r"\s", "", compact)) > MAX_DOCUMENT_CHARS:
        form.errors["document"] = ngettext(
            "A managed policy may hold %(num)d character, not counting spaces; this one is longer. "
            "Use wildcards or split it into two policies.",
            "A managed policy may hold %(num)d characters, not counting spaces; this one is longer. "
            "Use wildcards or split it into two policies.", MAX_DOCUMENT_CHARS)
        return form
    form.document = check.document
    return form


def _role_links() -> bool:
    return "iam.roles.role" in current_app.view_functions


def _form_error(form: PolicyForm, err: ConsoleError) -> None:
    form.errors[err.field or "form"] = error_text(err)


def _arn_arg() -> str:
    """The policy ARN the request names; a malformed one is answered as not found."""
    policy_arn = (request.values.get("arn") or "").strip()
    if not POLICY_ARN.match(policy_arn):
        raise NotFound(NOT_FOUND, resource=f"IAM policy {policy_arn}")
    return policy_arn


@bp.get("/policies")
def policies() -> ResponseReturnValue:
    """Customer-managed policies a page at a time, or AWS-managed ones searched by name."""
    scope = "aws" if request.args.get("scope") == "aws" else "local"
    query = request.args.get("q", "").strip()
    token = request.args.get("next") or None
    page: Page[iam_policies.Policy] = Page([], None)
    problem = None
    try:
        if scope == "local":
            page = iam_policies.list_customer_policies(token)
        elif query:
            page = iam_policies.search_aws_policies(query, token)
    except ConsoleError as err:
        problem = error_text(err)
    status = HTTPStatus.OK if problem is None else HTTPStatus.BAD_GATEWAY
    return render_view("iam/policies.html", "iam/fragments/policy_rows.html", page=page,
                       scope=scope, query=query, problem=problem), status


@bp.get("/policies/new")
def new_policy() -> ResponseReturnValue:
    """The create form: a JSON editor, and the builder (preselected with ?table=).

    Without JavaScript the builder reloads this page with its choices; the document it built
    fills the editor.
    """
    builder = builder_context(request.args)
    form = PolicyForm()
    if builder.get("document_text"):
        form.document_text = builder["document_text"]
    return render_view("iam/policy_new.html", None, form=form, builder=builder)


@bp.post("/policies/new")
def create_policy() -> ResponseReturnValue:
    """Check the document, then create the policy; any problem keeps the form as typed."""
    form = parse_policy_form(request.form)
    if not form.errors and form.document is not None:
        try:
            policy = iam_policies.create_policy(form.policy_name, form.document, form.description)
        except ConsoleError as err:
            _form_error(form, err)
        else:
            flash(gettext("Created the policy %(policy_name)s.", policy_name=policy.name), "info")
            return see_other(url_for("iam.policies.policy", arn=policy.arn))
    builder = None if request.headers.get("HX-Request") else builder_context({})
    return (render_view("iam/policy_new.html", "iam/fragments/policy_form.html", form=form,
                        builder=builder), HTTPStatus.UNPROCESSABLE_ENTITY)


def _load(policy_arn: str, version_id: str | None = None) -> dict[str, object]:
    policy = iam_policies.get_policy(policy_arn)
    versions = iam_policies.list_versions(policy_arn)
    shown = version_id if any(v.version_id == version_id for v in versions) else policy.default_version_id
    document = iam_policies.get_policy_document(policy_arn, shown)
    return {"policy": policy, "versions": versions, "shown_version": shown,
            "document_json": json.dumps(document, indent=2, ensure_ascii=False)}


def _missing(err: ConsoleError) -> ResponseReturnValue:
    return render_view("iam/policy_missing.html", None, problem=error_text(err)), err.status


@bp.get("/policies/view")
def policy() -> ResponseReturnValue:
    """A policy: its facts, one version's document, its versions and what it is attached to."""
    try:
        context = _load(_arn_arg(), request.args.get("version"))
        entities = iam_policies.list_entities(_arn_arg())
    except ConsoleError as err:
        return _missing(err)
    return render_view("iam/policy.html", None, entities=entities, role_links=_role_links(),
                       **context)


def _oldest_removable(versions: list[iam_policies.PolicyVersion]) -> str | None:
    if len(versions) < iam_policies.MAX_VERSIONS:
        return None
    old = [version for version in versions if not version.is_default]
    return min(old, key=lambda version: version.number).version_id if old else None


def _edit_page(form: PolicyForm, policy_arn: str, status: int = HTTPStatus.OK) -> ResponseReturnValue:
    try:
        policy = iam_policies.get_policy(policy_arn)
        versions = iam_policies.list_versions(policy_arn)
    except ConsoleError as err:
        return _missing(err)
    return render_view("iam/policy_edit.html", "iam/fragments/policy_form.html", form=form,
                       policy=policy, to_remove=_oldest_removable(versions)), status


@bp.get("/policies/edit")
def edit_policy() -> ResponseReturnValue:
    """The editor with the default version's document; saving makes a new default version."""
    try:
        policy_arn = _arn_arg()
        policy = iam_policies.get_policy(policy_arn)
        document = iam_policies.get_policy_document(policy_arn, policy.default_version_id)
    except ConsoleError as err:
        return _missing(err)
    form = PolicyForm(policy_name=policy.name,
                      document_text=json.dumps(document, indent=2, ensure_ascii=False))
    return _edit_page(form, policy_arn)


@bp.post("/policies/edit")
def save_policy_version() -> ResponseReturnValue:
    """Check the document, then save it as the new default version."""
    try:
        policy_arn = _arn_arg()
    except ConsoleError as err:
        return _missing(err)
    form = parse_policy_form(request.form, with_name=False)
    if iam_policies.is_aws_managed(policy_arn):
        form.errors["form"] = gettext("AWS-managed policies cannot be edited; create your own instead.")
    if not form.errors and form.document is not None:
        try:
            version_id, removed = iam_policies.new_version(policy_arn, form.document)
        except ConsoleError as err:
            _form_error(form, err)
        else:
            if removed:
                flash(gettext("Saved %(version)s as the default version. IAM keeps at most five "
                              "versions, so the oldest one that was not the default, %(removed)s, "
                              "was removed.", version=version_id, removed=removed), "info")
            else:
                flash(gettext("Saved %(version)s as the default version.", version=version_id), "info")
            return see_other(url_for("iam.policies.policy", arn=policy_arn))
    return _edit_page(form, policy_arn, HTTPStatus.UNPROCESSABLE_ENTITY)


@bp.post("/policies/default")
def set_default_version() -> ResponseReturnValue:
    """Roll back (or forward): make a stored version the one IAM enforces."""
    try:
        policy_arn = _arn_arg()
    except ConsoleError as err:
        return _missing(err)
    version_id = request.form.get("version_id", "").strip()
    try:
        if not VERSION_ID.match(version_id):
            raise NotFound(NOT_FOUND, resource=f"version {version_id}")
        iam_policies.set_default(policy_arn, version_id)
    except ConsoleError as err:
        flash(error_text(err), "error")
    else:
        flash(gettext("%(version)s is now the default version: IAM enforces it from now on.",
                      version=version_id), "info")
    return see_other(url_for("iam.policies.policy", arn=policy_arn))


def _delete_page(policy_arn: str, problem: str | None = None,
                 status: int = HTTPStatus.OK) -> ResponseReturnValue:
    try:
        policy = iam_policies.get_policy(policy_arn)
        entities = iam_policies.list_entities(policy_arn)
    except ConsoleError as err:
        return _missing(err)
    return render_view("iam/policy_delete.html", None, policy=policy, entities=entities,
                       problem=problem, role_links=_role_links()), status


@bp.get("/policies/delete")
def confirm_delete_policy() -> ResponseReturnValue:
    """Say what the policy is attached to and ask before detaching and deleting it."""
    try:
        return _delete_page(_arn_arg())
    except ConsoleError as err:
        return _missing(err)


@bp.post("/policies/delete")
def delete_policy() -> ResponseReturnValue:
    """Detach the policy from its roles, users and groups, then delete it."""
    try:
        policy_arn = _arn_arg()
    except ConsoleError as err:
        return _missing(err)
    try:
        policy = iam_policies.get_policy(policy_arn)
        entities = iam_policies.delete_policy(policy_arn)
    except ConsoleError as err:
        return _delete_page(policy_arn, error_text(err), HTTPStatus.UNPROCESSABLE_ENTITY)
    if entities.is_attached:
        flash(gettext("Detached the policy %(policy_name)s from %(entities)s, then deleted it.",
                      policy_name=policy.name, entities=_entity_counts(entities)), "info")
    else:
        flash(gettext("Deleted the policy %(policy_name)s.", policy_name=policy.name), "info")
    return see_other(url_for("iam.policies.policies"))


def _entity_counts(entities: iam_policies.PolicyEntities) -> str:
    """What a policy was detached from ("1 role, 2 users"), each kind in its plural form and
    kinds with none left out."""
    counts = [ngettext("%(num)d role", "%(num)d roles", len(entities.roles)),
              ngettext("%(num)d user", "%(num)d users", len(entities.users)),
              ngettext("%(num)d group", "%(num)d groups", len(entities.groups))]
    sizes = (len(entities.roles), len(entities.users), len(entities.groups))
    return ", ".join(text for text, size in zip(counts, sizes) if size)
