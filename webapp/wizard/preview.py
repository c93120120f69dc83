"""Before a step runs: what of it already exists, and what the step will do with it.

A step reuses what is there rather than failing on "already exists"; this says so up front, and
warns when something of that name exists that the step cannot use (a table with another key, a
role Lambda may not assume).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from webapp.aws.errors import N_, ConsoleError
from webapp.aws.iam import roles as iam_roles
from webapp.wizard import lookups as wizard_lookups, ownership
from webapp.wizard.function_code import code_for
from webapp.wizard.model import Made, Plan
from webapp.wizard.steps import LAMBDA_SERVICE


WIZARDS_OWN = N_("%(name)s was made by the setup wizard (it carries the wizard's tag): the step "
                 "will use it again, and a tear down deletes it.")


@dataclass(frozen=True, slots=True)
class Existing:
    """One thing found: an N_ message with its parameters, and whether it blocks the step."""

    message: str
    params: dict[str, str] = field(default_factory=dict)
    blocks: bool = False


def existing(key: str, plan: Plan, made: Made) -> list[Existing]:
    """What the step `key` would find already there (nothing for a step the wizard did)."""
    try:
        return _FINDERS.get(key, lambda plan, made: [])(plan, made)
    except ConsoleError:
        return []  # a preview only: the step itself reports what went wrong


def _table(plan: Plan, made: Made) -> list[Existing]:
    if made.table_name == plan.table_name:
        return []
    keys = wizard_lookups.table_keys(plan.table_name)
    if keys is None:
        return []
    if [(key.name, key.type) for key in keys] == [(plan.partition_key, "S")]:
        if ownership.carries_wizard_tag("table", plan.table_name):
            return [Existing(WIZARDS_OWN, {"name": plan.table_name})]
        return [Existing(N_("The table %(name)s exists already with this key: the step will use "
                            "it and write the test items into it."), {"name": plan.table_name})]
    return [Existing(N_("A table named %(name)s exists with another key: choose another name."),
                     {"name": plan.table_name}, blocks=True)]


def _access(plan: Plan, made: Made) -> list[Existing]:
    found: list[Existing] = []
    policy_arn = wizard_lookups.customer_policy_arn(plan.policy_name)
    if made.policy_arn is None and ownership.carries_wizard_tag("policy", policy_arn):
        found.append(Existing(WIZARDS_OWN, {"name": plan.policy_name}))
    elif made.policy_arn is None and wizard_lookups.policy_document(policy_arn) is not None:
        found.append(Existing(N_("The policy %(name)s exists already: the step will make the "
                                 "table's document its default version."), {"name": plan.policy_name}))
    if made.role_name != plan.role_name:
        role = wizard_lookups.find_role(plan.role_name)
        if role is None:
            pass
        elif not iam_roles.trusts_service(role.trust_policy, LAMBDA_SERVICE):
            found.append(Existing(N_("A role named %(name)s exists, and Lambda may not assume it: "
                                     "choose another name."), {"name": plan.role_name}, blocks=True))
        elif ownership.carries_wizard_tag("role", plan.role_name):
            found.append(Existing(WIZARDS_OWN, {"name": plan.role_name}))
        else:
            found.append(Existing(N_("The role %(name)s exists already and Lambda may assume it: "
                                     "the step will use it and attach what it lacks."),
                                  {"name": plan.role_name}))
    return found


def _function(plan: Plan, made: Made) -> list[Existing]:
    if made.function_name == plan.function_name:
        return []
    found = wizard_lookups.find_function(plan.function_name)
    if found is None:
        return []
    if ownership.carries_wizard_tag("function", plan.function_name):
        return [Existing(WIZARDS_OWN, {"name": plan.function_name})]
    code = code_for(plan.runtime)
    if code_for(found.runtime or "") != code:
        return [Existing(N_("The function %(name)s exists already with the runtime %(runtime)s: "
                            "the step will set its runtime, role, memory, timeout and environment "
                            "to these, and replace its code with lambda_code/%(template)s."),
                         {"name": plan.function_name, "runtime": found.runtime or "",
                          "template": code.name})]
    return [Existing(N_("The function %(name)s exists already: the step will set its role, memory, "
                        "timeout and environment to these, and leave its code as it is."),
                     {"name": plan.function_name})]


def _api(plan: Plan, made: Made) -> list[Existing]:
    if made.api_id:
        return []
    api_id = wizard_lookups.find_rest_api(None, plan.api_name)
    if api_id is None:
        return []
    if ownership.carries_wizard_tag("api", api_id):
        return [Existing(WIZARDS_OWN, {"name": plan.api_name})]
    return [Existing(N_("A REST API named %(name)s exists already (%(id)s): the step will add the "
                        "resources, methods and permission it lacks."),
                     {"name": plan.api_name, "id": api_id})]


_FINDERS = {"table": _table, "access": _access, "function": _function, "api": _api}
