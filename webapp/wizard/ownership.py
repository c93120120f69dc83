"""Which resources are the wizard's own: its record says so, or the resource carries its tag.

Everything the wizard makes is tagged `serverless-console:wizard=<run id>` as it is created, so
it still knows its own table, policy, role, function and API when its record is gone (a deleted
file, another console). Any run id counts: the tag is only ever on resources of this account and
region (IAM's of the account) that some run of the wizard made. A resource that has neither the
record's word nor the tag existed before the wizard, and is never deleted by it.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping

from webapp.aws import tags
from webapp.aws.dynamodb.tables import table_arn
from webapp.aws.errors import AccessDenied, NotFound
from webapp.aws.functions.lambda_functions import function_arn
from webapp.wizard import lookups as wizard_lookups
from webapp.wizard.model import Made, Plan

TAG_KEY = "serverless-console:wizard"
RUN_ID_BYTES = 8

# How to read the tags of each kind the wizard tags, from the identity Made records for it.
_TAG_READERS: dict[str, Callable[[str], Mapping[str, str]]] = {
    "table": lambda table_name: tags.table_tags(table_arn(table_name)),
    "policy": tags.policy_tags,
    "role": tags.role_tags,
    "function": lambda function_name: tags.function_tags(function_arn(function_name)),
    "api": tags.rest_api_tags,
}


def new_run_id() -> str:
    """A run id for the tag: random, short, and no secret."""
    return secrets.token_hex(RUN_ID_BYTES)


def creation_tags(made: Made) -> dict[str, str]:
    """The tags to create a resource with (the run gets its id on its first creation)."""
    if not made.run_id:
        made.run_id = new_run_id()
    return {TAG_KEY: made.run_id}


def carries_wizard_tag(kind: str, identity: str) -> bool:
    """Whether the resource exists and some run of the wizard tagged it.

    An identity that may not read tags (no dynamodb:ListTagsOfResource, iam:ListRoleTags, …)
    sees no tag: the wizard then knows its own by its record alone, as before it tagged."""
    try:
        return bool(_TAG_READERS[kind](identity).get(TAG_KEY))
    except (NotFound, AccessDenied):
        return False


def claim_if_tagged(made: Made, kind: str, identity: str) -> bool:
    """Whether the wizard made this resource; one only its tag names is recorded as made."""
    if made.made_it(kind, identity):
        return True
    if not carries_wizard_tag(kind, identity):
        return False
    made.record(kind, identity)
    return True


def recognise(plan: Plan, made: Made) -> Made:
    """Made, plus what of the plan's names exists and carries the wizard's tag: what a tear down
    from a browser, or after a record, that forgot it must still delete."""
    found = Made.from_dict(made.to_dict())
    candidates = [("table", plan.table_name), ("role", plan.role_name),
                  ("policy", wizard_lookups.customer_policy_arn(plan.policy_name)),
                  ("function", plan.function_name)]
    api_id = wizard_lookups.find_rest_api(made.api_id, plan.api_name)
    if api_id is not None:
        candidates.append(("api", api_id))
    for kind, identity in candidates:
        claim_if_tagged(found, kind, identity)
    return found
