"""Tear down what the wizard made, in dependency order, one result per item.

planned_deletions() lists everything in Made: what the wizard created is deleted, what it
adopted (it existed before the wizard) is kept and never touched. tear_down() runs the list
through webapp.aws: API (its stages and deployments go with it), invoke permission (only when the
function is kept, else it goes with the function), function, role (detached, then deleted),
policy, table, log groups, and the account's API Gateway logging role when the wizard made it.
A failure on one item does not stop the others; left_after() says what is still there.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from webapp.aws.apigateway import cloudwatch_logging, rest_apis
from webapp.aws.dynamodb import tables as dynamodb
from webapp.aws.functions import lambda_functions as functions
from webapp.aws.iam import policies as iam_policies, roles as iam_roles
from webapp.aws.logs import log_groups as logs
from webapp.aws.errors import N_, ConsoleError, NotFound
from webapp.wizard.model import Made, Plan

# Outcomes of one item.
DELETED = "deleted"
ALREADY_GONE = "gone"
KEPT = "kept"
FAILED = "failed"

# Made's fields that record each kind; a failed item keeps them (and its "created" mark) so
# the next tear down tries again.
_MADE_FIELDS: dict[str, tuple[str, ...]] = {
    "api": ("api_id", "resource_ids", "stage_name", "deployment_id"),
    "permission": ("permission_sid", "function_name", "function_arn"),
    "function": ("function_name", "function_arn", "permission_sid"),
    "role": ("role_name", "role_arn", "table_policy_attached"),
    "policy": ("policy_arn",),
    "table": ("table_name", "table_arn", "items_written"),
    "logging_role": ("logging_role_name", "logging_role_arn"),
}
LOGGING_ROLE_STILL_SET = N_(
    "Kept the role %(role)s: API Gateway's account settings still name it as the CloudWatch Logs "
    "role and it could not be cleared (%(reason)s). Deleting it now would stop every API in this "
    "region from writing logs. Set another role in API Gateway's account settings, or fix the "
    "cause, then tear down again."
)


@dataclass(frozen=True, slots=True)
class Deletion:
    """One thing the wizard made or adopted, as the tear down will treat it.

    `name` is what a person reads, `arn` its ARN or id ("" when it has none), `identifier` what
    the delete call takes, `parent` the function a permission belongs to, `owner` the kind
    whose record in Made it lives in (a log group lives with its function or API).
    """

    kind: str
    name: str
    arn: str
    made_by_wizard: bool
    identifier: str
    owner: str
    parent: str = ""

    @property
    def is_kept(self) -> bool:
        """Adopted resources existed before the wizard and are never deleted."""
        return not self.made_by_wizard


@dataclass(frozen=True, slots=True)
class DeletionResult:
    """What happened to one item: deleted, already gone, kept or failed (with why)."""

    deletion: Deletion
    outcome: str
    error: ConsoleError | None = field(default=None, compare=False)

    @property
    def is_left(self) -> bool:
        """True when the item is still there because deleting it failed."""
        return self.outcome == FAILED


def planned_deletions(plan: Plan, made: Made) -> list[Deletion]:
    """Everything Made records, in the order tear_down() handles it; also what the wizard made
    under earlier answers (a table it made before the user renamed it), which Made remembers."""
    planned: list[Deletion] = []
    if made.api_id:
        planned.append(Deletion("api", plan.api_name, made.api_id, made.made_it("api", made.api_id),
                                made.api_id, "api"))
    planned += _earlier(made, "api", made.api_id)
    function_kept = bool(made.function_name) and not made.made_it("function", made.function_name)
    if made.permission_sid and function_kept:
        planned.append(Deletion("permission", made.permission_sid, "",
                                made.made_it("permission", made.permission_sid),
                                made.permission_sid, "permission", parent=made.function_name or ""))
    if made.function_name:
        planned.append(Deletion("function", made.function_name, made.function_arn or "",
                                made.made_it("function", made.function_name), made.function_name,
                                "function"))
    earlier_functions = _earlier(made, "function", made.function_name)
    planned += earlier_functions
    if made.role_name:
        planned.append(Deletion("role", made.role_name, made.role_arn or "",
                                made.made_it("role", made.role_name), made.role_name, "role"))
    planned += _earlier(made, "role", made.role_name)
    if made.policy_arn:
        planned.append(Deletion("policy", iam_policies.name_from_arn(made.policy_arn), made.policy_arn,
                                made.made_it("policy", made.policy_arn), made.policy_arn, "policy"))
    planned += _earlier(made, "policy", made.policy_arn)
    if made.table_name:
        planned.append(Deletion("table", made.table_name, made.table_arn or "",
                                made.made_it("table", made.table_name), made.table_name, "table"))
    planned += _earlier(made, "table", made.table_name)
    if made.function_name:
        group = f"/aws/lambda/{made.function_name}"
        planned.append(Deletion("log_group", group, "", made.made_it("function", made.function_name),
                                group, "function"))
    for earlier in earlier_functions:
        group = f"/aws/lambda/{earlier.identifier}"
        planned.append(Deletion("log_group", group, "", True, group, EARLIER))
    if made.api_id and made.stage_name:
        group = f"API-Gateway-Execution-Logs_{made.api_id}/{made.stage_name}"
        planned.append(Deletion("log_group", group, "", made.made_it("api", made.api_id), group,
                                "api"))
    if made.logging_role_name and made.made_it("logging_role", made.logging_role_name):
        planned.append(Deletion("logging_role", made.logging_role_name,
                                made.logging_role_arn or "", True, made.logging_role_name,
                                "logging_role"))
    return planned


# The owner of what the wizard made under an earlier answer: Made keeps only its identity.
EARLIER = "earlier"


def _earlier(made: Made, kind: str, current: str | None) -> list[Deletion]:
    """What the wizard made of this kind under earlier answers (not the current one)."""
    return [Deletion(kind, iam_policies.name_from_arn(identity) if kind == "policy" else identity,
                     identity if kind in ("policy", "api") else "", True, identity, EARLIER)
            for identity in made.made_of_kind(kind) if identity != current]


def has_anything_to_delete(plan: Plan, made: Made) -> bool:
    """Whether a tear down would delete anything (kept items do not count)."""
    return any(item.made_by_wizard for item in planned_deletions(plan, made))


def gone_if_missing(delete: Callable[[], object]) -> str:
    """Run a delete of webapp.aws: DELETED, or ALREADY_GONE when it raised NotFound, so a tear
    down can run twice and say what it did each time. Any other failure propagates."""
    try:
        delete()
    except NotFound:
        return ALREADY_GONE
    return DELETED


def _delete_logging_role(item: Deletion) -> str:
    if item.arn:
        try:
            cloudwatch_logging.clear_account_logging_role(item.arn)
        except ConsoleError as err:
            raise type(err)(LOGGING_ROLE_STILL_SET, aws_code=err.aws_code, role=item.arn,
                            reason=err.message) from err
    return gone_if_missing(lambda: iam_roles.delete_role(item.identifier))


def _delete_call(item: Deletion) -> Callable[[], str]:
    identifier = item.identifier
    calls: dict[str, Callable[[], str]] = {
        "api": lambda: gone_if_missing(lambda: rest_apis.delete_rest_api(identifier)),
        "permission": lambda: gone_if_missing(
            lambda: functions.remove_permission(item.parent, identifier)),
        "function": lambda: gone_if_missing(lambda: functions.delete_function(identifier)),
        "role": lambda: gone_if_missing(lambda: iam_roles.delete_role(identifier)),
        "policy": lambda: gone_if_missing(lambda: iam_policies.delete_policy(identifier)),
        "table": lambda: gone_if_missing(lambda: dynamodb.delete_table(identifier)),
        "log_group": lambda: gone_if_missing(lambda: logs.delete_log_group(identifier)),
        "logging_role": lambda: _delete_logging_role(item),
    }
    return calls[item.kind]


def delete_one(item: Deletion) -> DeletionResult:
    """Delete one planned item (or keep it); a ConsoleError becomes a FAILED result."""
    if item.is_kept:
        return DeletionResult(item, KEPT)
    try:
        status = _delete_call(item)()
    except ConsoleError as err:
        return DeletionResult(item, FAILED, err)
    return DeletionResult(item, status)


def tear_down(plan: Plan, made: Made) -> list[DeletionResult]:
    """Delete what the wizard made, in dependency order; every item gets its result."""
    return [delete_one(item) for item in planned_deletions(plan, made)]


def left_after(made: Made, results: list[DeletionResult]) -> Made:
    """What the wizard still has to tear down: only the items that failed.

    Deleted and already-gone items are forgotten, and so are kept ones (they were only
    borrowed); an empty Made means the tear down was complete.
    """
    left = Made()
    for result in results:
        if not result.is_left:
            continue
        item = result.deletion
        if item.owner == EARLIER:
            if item.kind != "log_group":
                left.record(item.kind, item.identifier)
            continue
        for name in _MADE_FIELDS[item.owner]:
            setattr(left, name, getattr(made, name))
        identity = {"api": made.api_id, "permission": made.permission_sid,
                    "function": made.function_name, "role": made.role_name,
                    "policy": made.policy_arn, "table": made.table_name,
                    "logging_role": made.logging_role_name}.get(item.owner)
        if identity and made.made_it(item.owner, identity):
            left.record(item.owner, identity)
    return left
