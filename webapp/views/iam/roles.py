"""Roles: list, create from a trust template, attach and detach policies, inline policies, delete."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from http import HTTPStatus

from flask import Blueprint, current_app, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from werkzeug.routing import BuildError

from webapp.aws.iam import permissions_summary
from webapp.aws.iam import policies as iam_policies
from webapp.aws.iam import roles as iam_roles
from webapp.aws.errors import ConsoleError, NotFound
from webapp.aws.iam.policy_check import check_policy
from webapp.views.confirm_forms import ConfirmNameForm, parse_confirm_name
from webapp.views.rendering import error_text, render_view, see_other, wants_fragment
from webapp.views.resource_names import require_possible

bp = Blueprint("roles", __name__)

TEMPLATE_CHOICES = ("lambda", "apigateway", "custom")
# The create form's buttons that show it again instead of creating the role.
SEARCH_STEP = "search"
REVIEW_STEP = "review"
# What the role page's attach form offers: customer-managed policies, and AWS-managed ones whose
# names contain the search.
ATTACH_CUSTOMER_POLICIES = 200
ATTACH_SEARCH_RESULTS = 20
INLINE_STARTER = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": [], "Resource": []}],
}, indent=2)


@dataclass(frozen=True, slots=True)
class ShownFinding:
    """A policy checker finding, worded in the user's language, with where it is."""

    severity: str
    message: str
    line: int | None


@dataclass
class DocumentCheck:
    """A checked policy text: the document when it may be sent, and what was found."""

    document: dict | None
    findings: list[ShownFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the document parsed and no finding is an error."""
        return self.document is not None and not any(
            finding.severity == "error" for finding in self.findings)


def check_document(text: str, kind: str) -> DocumentCheck:
    """Check a policy with the policy checker (kind "trust" or "identity")."""
    result = check_policy(text, kind=kind)
    findings = [ShownFinding(finding.severity, gettext(finding.template, **finding.params),
                             finding.line) for finding in result.findings]
    return DocumentCheck(result.document if result.ok else None, findings)


@dataclass
class RoleForm:
    """The create-role form."""

    role_name: str = ""
    template: str = "lambda"
    trust_text: str = json.dumps(iam_roles.trust_document("lambda"), indent=2)
    description: str = ""
    policy_arns: list[str] = field(default_factory=list)
    policy_query: str = ""
    findings: list[ShownFinding] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PolicyChoices:
    """The create form's "Add permissions" step: the ticked policies first, then what to tick."""

    selected: list[iam_roles.AttachedPolicy]
    suggested: list[iam_roles.AttachedPolicy]
    customer: list[iam_policies.Policy]
    search_results: list[iam_policies.Policy]


@dataclass
class InlineForm:
    """The inline policy editor."""

    policy_name: str = ""
    document_text: str = INLINE_STARTER
    findings: list[ShownFinding] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def refuse_impossible_names() -> None:
    """A role or inline policy name IAM refuses is the console's 404 on every route with one."""
    values = request.view_args or {}
    require_possible(values.get("role_name"), iam_roles.ROLE_NAME, lambda name: gettext(
        "No role named %(name)s: a role name has 1 to 64 letters, digits and + = , . @ _ - "
        "characters.", name=name))
    require_possible(values.get("policy_name"), iam_roles.POLICY_NAME, lambda name: gettext(
        "No inline policy named %(name)s: a policy name has 1 to 128 letters, digits and "
        "+ = , . @ _ - characters.", name=name))


def _name_problem(name: str, pattern: re.Pattern[str], limit: int) -> str | None:
    if not pattern.match(name):
        return gettext("Use 1 to %(limit)s letters, digits and + = , . @ _ - characters.",
                       limit=limit)
    return None


@bp.get("/roles")
def roles() -> ResponseReturnValue:
    """List roles, one page at a time (click-to-load with the next token)."""
    page = iam_roles.list_roles(request.args.get("next") or None)
    return render_view("iam/roles.html", "iam/fragments/role_rows.html", page=page,
                       active="roles")


@bp.get("/roles/create/new")
def new_role() -> ResponseReturnValue:
    """The create-role form."""
    return _new_role_page(RoleForm())


@bp.post("/roles/create/new")
def create_role() -> ResponseReturnValue:
    """Create a role whose trust policy comes from a template or checked custom JSON, then
    attach the managed policies ticked in the form; a search only shows the form again."""
    form = RoleForm(role_name=request.form.get("role_name", "").strip(),
                    template=request.form.get("template", "lambda"),
                    trust_text=request.form.get("trust_policy", ""),
                    description=request.form.get("description", "").strip(),
                    policy_arns=list(dict.fromkeys(request.form.getlist("policy_arn"))),
                    policy_query=request.form.get("policy_query", "").strip())
    if request.form.get("step") == REVIEW_STEP and wants_fragment():
        # htmx swaps the review alone: the policies on offer are not listed again for it.
        return _new_role_page(form, offer_policies=False)
    if request.form.get("step") in (SEARCH_STEP, REVIEW_STEP):
        return _new_role_page(form)
    problem = _name_problem(form.role_name, iam_roles.ROLE_NAME, 64)
    if problem:
        form.errors["role_name"] = problem
    if len(form.description) > 1000:
        form.errors["description"] = gettext("A description has at most 1,000 characters.")
    trust: dict | None = None
    if form.template not in TEMPLATE_CHOICES:
        form.errors["template"] = gettext("Choose who may use the role.")
    elif form.template == "custom":
        checked = check_document(form.trust_text, "trust")
        form.findings, trust = checked.findings, checked.document
        if not checked.ok:
            form.errors["trust_policy"] = gettext(
                "Fix the trust policy: the problems are listed below it.")
    else:
        trust = iam_roles.trust_document(form.template)
    try:
        policy_problem = _policy_choice_problem(form.policy_arns)
        if policy_problem:
            form.errors["policy_arn"] = policy_problem
        if not form.errors and iam_roles.role_exists(form.role_name):
            form.errors["role_name"] = gettext(
                "A role named %(role_name)s already exists. Choose another name.",
                role_name=form.role_name)
        if not form.errors and trust is not None:
            created = iam_roles.create_role(form.role_name, trust, form.description)
            _report_creation(created.name, iam_roles.attach_policies(created.name,
                                                                     form.policy_arns))
            return see_other(url_for("iam.roles.role", role_name=created.name))
    except ConsoleError as err:
        form.errors[err.field or "form"] = error_text(err)
    return _new_role_page(form), HTTPStatus.UNPROCESSABLE_ENTITY


def _policy_choice_problem(policy_arns: list[str]) -> str | None:
    """Why the ticked policies cannot be attached, asked before the role is made."""
    if any(not arn.startswith("arn:") for arn in policy_arns):
        return gettext("Tick policies from the lists below.")
    missing: list[str] = []
    for policy_arn in policy_arns:
        try:
            iam_policies.get_policy(policy_arn)
        except NotFound:
            missing.append(iam_policies.name_from_arn(policy_arn))
    if missing:
        return ngettext("%(num)d policy no longer exists: %(policies)s. Untick it.",
                        "These %(num)d policies no longer exist: %(policies)s. Untick them.",
                        len(missing), policies=", ".join(missing))
    return None


def _report_creation(role_name: str, outcome: iam_roles.Attachments) -> None:
    """Flash what was made for the role page: the role, what was attached, what IAM refused."""
    names = [iam_policies.name_from_arn(arn) for arn in outcome.attached]
    if names:
        flash(ngettext("Created the role %(role_name)s and attached %(num)d policy: "
                       "%(policies)s.",
                       "Created the role %(role_name)s and attached %(num)d policies: "
                       "%(policies)s.", len(names), role_name=role_name,
                       policies=", ".join(names)), "info")
    else:
        flash(gettext("Created the role %(role_name)s.", role_name=role_name), "info")
    for refused in outcome.refused:
        flash(gettext("Not attached: %(policy)s. %(problem)s The role exists without it: attach "
                      "it below, or delete the role.",
                      policy=iam_policies.name_from_arn(refused.policy_arn),
                      problem=error_text(refused.error)), "error")


def _new_role_page(form: RoleForm, offer_policies: bool = True) -> ResponseReturnValue:
    templates = {name: json.dumps(iam_roles.trust_document(name), indent=2)
                 for name in iam_roles.TRUST_TEMPLATES}
    return render_view("iam/role_new.html", "iam/fragments/role_create_form.html", form=form,
                       trust_templates=templates, trust_services=iam_roles.TRUST_TEMPLATES,
                       choices=_policy_choices(form, offer_policies))


def _policy_choices(form: RoleForm, offer_policies: bool) -> PolicyChoices:
    """What the form offers to tick, without the ticked ones, which are listed first."""
    selected = [iam_roles.AttachedPolicy(iam_policies.name_from_arn(arn), arn)
                for arn in form.policy_arns]
    if not offer_policies:
        return PolicyChoices(selected=selected, suggested=[], customer=[], search_results=[])
    ticked = set(form.policy_arns)
    offer = _offered_policies(form.policy_query, ticked)
    if offer.error:
        form.errors.setdefault("policy_arn", offer.error)
    service = iam_roles.TRUST_TEMPLATES.get(form.template)
    trusted = (service,) if service else ()
    return PolicyChoices(
        selected=selected,
        suggested=[policy for policy in iam_roles.suggested_policies(trusted)
                   if policy.arn not in ticked],
        customer=offer.customer, search_results=offer.search_results)


@dataclass(frozen=True)
class _Offer:
    """Policies a form offers to attach: customer-managed ones, AWS-managed ones matching a search."""

    customer: list[iam_policies.Policy]
    search_results: list[iam_policies.Policy]
    error: str | None = None


def _offered_policies(query: str, exclude: set[str]) -> _Offer:
    """The account's customer-managed policies and the AWS-managed ones whose names contain
    `query`, less the ARNs in `exclude`; AWS's refusal instead, if it refused."""
    try:
        customer = iam_policies.list_customer_policies(page_size=ATTACH_CUSTOMER_POLICIES).items
        found = (iam_policies.search_aws_policies(query, page_size=ATTACH_SEARCH_RESULTS).items
                 if query else [])
    except ConsoleError as err:
        return _Offer([], [], error_text(err))
    return _Offer([policy for policy in customer if policy.arn not in exclude],
                  [policy for policy in found if policy.arn not in exclude])


@bp.get("/roles/<role_name>")
def role(role_name: str) -> ResponseReturnValue:
    """A role: trust policy, policies, inline policies, functions using it, what it may do."""
    return _role_page(role_name)


def _role_page(role_name: str, errors: dict[str, str] | None = None) -> ResponseReturnValue:
    the_role = iam_roles.get_role(role_name)
    attached = iam_roles.list_attached(role_name)
    inline = iam_roles.list_inline(role_name)
    errors = dict(errors or {})
    query = request.args.get("q", "").strip()
    attached_arns = {policy.arn for policy in attached}
    offer = _offered_policies(query, attached_arns)
    if offer.error:
        errors.setdefault("attach", offer.error)
    summary, summary_error = None, None
    try:
        documents = iam_roles.policy_documents(role_name, attached, inline)
        summary = permissions_summary.summarise(documents)
    except ConsoleError as err:
        summary_error = error_text(err)
    try:
        uses, uses_error = iam_roles.functions_using(the_role.arn), None
    except ConsoleError as err:
        uses, uses_error = None, error_text(err)
    trusted = iam_roles.trusted_principals(the_role.trust_policy)
    return render_view(
        "iam/role.html", None, role=the_role, attached=attached, inline=inline, errors=errors,
        query=query, search_results=offer.search_results,
        suggested=[policy for policy in iam_roles.suggested_policies(trusted)
                   if policy.arn not in attached_arns],
        customer=offer.customer,
        attached_arns=attached_arns, summary=summary, summary_error=summary_error,
        uses=uses, uses_error=uses_error, policy_url=_policy_url, pretty=_pretty,
        trusted=trusted)


def _pretty(document: object) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def _policy_url(arn: str) -> str | None:
    """The policy's page when the policies area has one."""
    if "iam.policies.policy" not in current_app.view_functions:
        return None
    try:
        return url_for("iam.policies.policy", arn=arn)
    except BuildError:
        return None


@bp.post("/roles/<role_name>/attach")
def attach_policy(role_name: str) -> ResponseReturnValue:
    """Attach the chosen managed policy."""
    policy_arn = request.form.get("policy_arn", "").strip()
    if not policy_arn.startswith("arn:"):
        return _role_page(role_name, {"attach": gettext("Choose a policy to attach.")}), \
            HTTPStatus.UNPROCESSABLE_ENTITY
    try:
        iam_roles.attach_policy(role_name, policy_arn)
    except ConsoleError as err:
        return _role_page(role_name, {"attach": error_text(err)}), HTTPStatus.UNPROCESSABLE_ENTITY
    flash(gettext("Attached %(policy)s.", policy=iam_policies.name_from_arn(policy_arn)), "info")
    return see_other(url_for("iam.roles.role", role_name=role_name))


@bp.post("/roles/<role_name>/detach")
def detach_policy(role_name: str) -> ResponseReturnValue:
    """Detach a managed policy from the role."""
    policy_arn = request.form.get("policy_arn", "").strip()
    try:
        iam_roles.detach_policy(role_name, policy_arn)
    except ConsoleError as err:
        return _role_page(role_name, {"detach": error_text(err)}), HTTPStatus.UNPROCESSABLE_ENTITY
    flash(gettext("Detached %(policy)s.", policy=iam_policies.name_from_arn(policy_arn)), "info")
    return see_other(url_for("iam.roles.role", role_name=role_name))


@bp.get("/roles/<role_name>/inline/new")
def new_inline(role_name: str) -> ResponseReturnValue:
    """The editor for a new inline policy."""
    return _inline_page(role_name, InlineForm(), editing=None)


@bp.post("/roles/<role_name>/inline/new")
def add_inline(role_name: str) -> ResponseReturnValue:
    """Add an inline policy once its name is free and its document passes the checker."""
    return _save_inline(role_name, editing=None)


@bp.get("/roles/<role_name>/inline/<policy_name>")
def edit_inline(role_name: str, policy_name: str) -> ResponseReturnValue:
    """The editor for an existing inline policy."""
    policy = iam_roles.get_inline(role_name, policy_name)
    form = InlineForm(policy_name=policy.name, document_text=_pretty(policy.document))
    return _inline_page(role_name, form, editing=policy_name)


@bp.post("/roles/<role_name>/inline/<policy_name>")
def update_inline(role_name: str, policy_name: str) -> ResponseReturnValue:
    """Replace an inline policy's document once it passes the checker."""
    return _save_inline(role_name, editing=policy_name)


def _save_inline(role_name: str, editing: str | None) -> ResponseReturnValue:
    form = InlineForm(policy_name=editing or request.form.get("policy_name", "").strip(),
                      document_text=request.form.get("document", ""))
    if editing is None:
        problem = _name_problem(form.policy_name, iam_roles.POLICY_NAME, 128)
        if problem:
            form.errors["policy_name"] = problem
    checked = check_document(form.document_text, "identity")
    form.findings = checked.findings
    if not checked.ok:
        form.errors["document"] = gettext("Fix the policy: the problems are listed below it.")
    try:
        if editing is None and not form.errors and any(
                policy.name == form.policy_name for policy in iam_roles.list_inline(role_name)):
            form.errors["policy_name"] = gettext(
                "The role already has an inline policy named %(policy)s. Choose another name, "
                "or edit that one.", policy=form.policy_name)
        if not form.errors and checked.document is not None:
            iam_roles.put_inline(role_name, form.policy_name, checked.document)
            flash(gettext("Saved the inline policy %(policy)s.", policy=form.policy_name), "info")
            return see_other(url_for("iam.roles.role", role_name=role_name))
    except ConsoleError as err:
        form.errors[err.field or "form"] = error_text(err)
    return _inline_page(role_name, form, editing), HTTPStatus.UNPROCESSABLE_ENTITY


def _inline_page(role_name: str, form: InlineForm, editing: str | None) -> ResponseReturnValue:
    return render_view("iam/role_inline.html", None, role_name=role_name, form=form,
                       editing=editing)


@bp.post("/roles/<role_name>/inline/<policy_name>/delete")
def remove_inline(role_name: str, policy_name: str) -> ResponseReturnValue:
    """Remove an inline policy from the role."""
    try:
        iam_roles.delete_inline(role_name, policy_name)
    except ConsoleError as err:
        return _role_page(role_name, {"inline": error_text(err)}), HTTPStatus.UNPROCESSABLE_ENTITY
    flash(gettext("Removed the inline policy %(policy)s.", policy=policy_name), "info")
    return see_other(url_for("iam.roles.role", role_name=role_name))


@bp.get("/roles/<role_name>/delete")
def confirm_delete_role(role_name: str) -> ResponseReturnValue:
    """Ask for the role's name, saying what will be detached and removed first."""
    return _delete_page(role_name, ConfirmNameForm())


@bp.post("/roles/<role_name>/delete")
def delete_role(role_name: str) -> ResponseReturnValue:
    """Detach and remove the role's policies, then delete it; back to the list."""
    form = parse_confirm_name(request.form, role_name, gettext(
        "Type the role's name, %(role_name)s, exactly to delete it.", role_name=role_name))
    if not form.errors:
        try:
            deleted = iam_roles.delete_role(role_name)
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
        else:
            _report_deletion(role_name, deleted)
            return see_other(url_for("iam.roles.roles"))
    return _delete_page(role_name, form), HTTPStatus.UNPROCESSABLE_ENTITY


def _report_deletion(role_name: str, deleted: iam_roles.DeletedRole) -> None:
    """One banner saying what was done, now that it has been: deleted, detached, removed."""
    said = [gettext("Deleted the role %(role_name)s.", role_name=role_name)]
    if deleted.detached:
        said.append(ngettext("Detached %(num)d managed policy first: %(policies)s.",
                             "Detached %(num)d managed policies first: %(policies)s.",
                             len(deleted.detached), policies=", ".join(deleted.detached)))
    if deleted.removed_inline:
        said.append(ngettext("Deleted %(num)d inline policy first: %(policies)s.",
                             "Deleted %(num)d inline policies first: %(policies)s.",
                             len(deleted.removed_inline),
                             policies=", ".join(deleted.removed_inline)))
    flash(" ".join(said), "info")


def _delete_page(role_name: str, form: ConfirmNameForm) -> ResponseReturnValue:
    the_role = iam_roles.get_role(role_name)
    return render_view("iam/role_delete.html", None, role=the_role, form=form,
                       attached=iam_roles.list_attached(role_name),
                       inline=iam_roles.list_inline(role_name),
                       uses=iam_roles.functions_using(the_role.arn))
