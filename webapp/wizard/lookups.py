"""What the setup wizard asks before it makes something: does it exist already, and how.

Each answer is None when the thing does not exist, so the wizard can create it, adopt it, or
explain why it cannot (a role of that name trusting another service, a table with another key).
Every AWS question is a function of webapp.aws; this module only composes them the way the
steps need (NotFound as None, a set of ARNs, the pages of a listing, the keys that are free).
"""
from __future__ import annotations

from collections.abc import Sequence

from webapp.aws.account import account_id
from webapp.aws.apigateway.methods import get_method
from webapp.aws.apigateway.rest_apis import list_rest_apis
from webapp.aws.dynamodb.item_import import BatchOutcome, write_items
from webapp.aws.dynamodb.item_writes import ItemExistsError, create_item
from webapp.aws.dynamodb.tables import KeyAttribute, describe_table
from webapp.aws.errors import N_, InvalidInput, NotFound
from webapp.aws.functions.lambda_functions import FunctionSummary, get_function
from webapp.aws.iam import roles
from webapp.aws.iam.policies import default_document
from webapp.aws.paging import following


def table_keys(table_name: str) -> tuple[KeyAttribute, ...] | None:
    """The table's key attributes (partition first), or None when there is no such table."""
    try:
        table = describe_table(table_name)
    except NotFound:
        return None
    return tuple(key for key in (table.partition_key, table.sort_key) if key is not None)


def put_items(table_name: str, items: Sequence[dict], key_names: Sequence[str]) -> int:
    """Write the items (replacing any with the same key); how many were written."""
    written: list[int] = []

    def count(outcome: BatchOutcome) -> None:
        written.append(outcome.written)
        if outcome.failures:
            failure = outcome.failures[0]
            raise InvalidInput(N_("Could not write the test item on line %(line)s: %(reason)s"),
                               line=failure.line, reason=failure.error.message)

    write_items(table_name, list(enumerate(items, start=1)), key_names, count)
    return sum(written)


def put_new_items(table_name: str, items: Sequence[dict], partition_key: str) -> int:
    """Write the items whose keys are free (a table that was there before keeps its own items);
    how many were written."""
    written = 0
    for item in items:
        try:
            create_item(table_name, item, partition_key)
        except ItemExistsError:
            continue
        written += 1
    return written


def find_role(role_name: str) -> roles.Role | None:
    """The role with its trust policy, or None when there is no such role."""
    try:
        return roles.get_role(role_name)
    except NotFound:
        return None


def customer_policy_arn(policy_name: str) -> str:
    """The ARN a customer-managed policy of this name has in this account."""
    return f"arn:aws:iam::{account_id()}:policy/{policy_name}"


def policy_document(policy_arn: str) -> dict | None:
    """The policy's default document, or None when there is no such policy."""
    try:
        return default_document(policy_arn)
    except NotFound:
        return None


def attached_policy_arns(role_name: str) -> set[str]:
    """The managed policies attached to the role."""
    return {policy.arn for policy in roles.list_attached(role_name)}


def find_function(function_name: str) -> FunctionSummary | None:
    """The function, or None when there is none of that name."""
    try:
        return get_function(function_name)
    except NotFound:
        return None


def logging_role_arn(role_name: str) -> str:
    """The ARN a role of this name has in this account."""
    return f"arn:aws:iam::{account_id()}:role/{role_name}"


def find_rest_api(api_id: str | None, name: str) -> str | None:
    """The id of the API the wizard made (if it still exists), else of an API with that name."""
    seen = [(api.api_id, api.name)
            for page in following(list_rest_apis(), list_rest_apis) for api in page.items]
    if api_id and any(found == api_id for found, _ in seen):
        return api_id
    return next((found for found, api_name in seen if api_name == name), None)


def method_uri(api_id: str, resource_id: str, http_method: str) -> str | None:
    """The integration URI of a method, "" for a method without one, None without the method."""
    try:
        method = get_method(api_id, resource_id, http_method)
    except NotFound:
        return None
    return method.integration.uri if method.integration else ""
