"""What the setup wizard asks before it makes something: does it exist already, and how.

Each answer is None when the thing does not exist, so the wizard can create it, adopt it, or
explain why it cannot (a role of that name trusting another service, a table with another key).
Also the waits the wizard needs between steps.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from webapp.aws.account import account_id
from webapp.aws.apigateway.rest_apis import get_method, list_rest_apis
from webapp.aws.clients import client
from webapp.aws.dynamodb.tables import KeyAttribute, describe_table
from webapp.aws.errors import N_, ConsoleError, InvalidInput, NotFound, aws_errors
from webapp.aws.functions.lambda_functions import FunctionSummary, get_function
from webapp.aws.dynamodb.item_import import BatchOutcome, write_items
from webapp.aws.dynamodb.item_json import to_wire

ACTIVE_WAIT_SECONDS = 60


def table_keys(table_name: str) -> tuple[KeyAttribute, ...] | None:
    """The table's key attributes (partition first), or None when there is no such table."""
    try:
        table = describe_table(table_name)
    except NotFound:
        return None
    return tuple(key for key in (table.partition_key, table.sort_key) if key is not None)


def wait_table_active(table_name: str) -> None:
    """Wait until the table is ACTIVE (a new table is CREATING for a while)."""
    with aws_errors(N_("wait for the table to become active"), f"table {table_name}"):
        client("dynamodb").get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": ACTIVE_WAIT_SECONDS})


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
    dynamodb_client = client("dynamodb")
    for item in items:
        try:
            with aws_errors(N_("write a test item"), f"table {table_name}"):
                dynamodb_client.put_item(TableName=table_name, Item=to_wire(item),
                                         ConditionExpression="attribute_not_exists(#k)",
                                         ExpressionAttributeNames={"#k": partition_key})
        except ConsoleError as err:
            if err.aws_code == "ConditionalCheckFailedException":
                continue
            raise
        written += 1
    return written


def role_trust(role_name: str) -> tuple[str, dict] | None:
    """The role's ARN and trust policy, or None when there is no such role."""
    try:
        with aws_errors(N_("read the role"), f"IAM role {role_name}"):
            role = client("iam").get_role(RoleName=role_name)["Role"]
    except NotFound:
        return None
    trust = role.get("AssumeRolePolicyDocument") or {}
    if isinstance(trust, str):
        trust = json.loads(trust)
    return role["Arn"], trust


def trusts_service(trust: dict, service: str) -> bool:
    """True when the trust policy lets `service` (lambda.amazonaws.com) assume the role."""
    for statement in _listed(trust.get("Statement")):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal") or {}
        services = principal.get("Service") if isinstance(principal, dict) else None
        if service in _listed(services) and "sts:AssumeRole" in _listed(statement.get("Action")):
            return True
    return False


def _listed(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def customer_policy_arn(policy_name: str) -> str:
    """The ARN a customer-managed policy of this name has in this account."""
    return f"arn:aws:iam::{account_id()}:policy/{policy_name}"


def policy_document(policy_arn: str) -> dict | None:
    """The policy's default document, or None when there is no such policy."""
    try:
        with aws_errors(N_("read the policy"), f"IAM policy {policy_arn}"):
            iam = client("iam")
            version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)[
                "PolicyVersion"]["Document"]
    except NotFound:
        return None
    return json.loads(document) if isinstance(document, str) else document


def attached_policy_arns(role_name: str) -> set[str]:
    """The managed policies attached to the role."""
    with aws_errors(N_("list the role's policies"), f"IAM role {role_name}"):
        pages = client("iam").get_paginator("list_attached_role_policies").paginate(
            RoleName=role_name)
        return {policy["PolicyArn"] for page in pages for policy in page["AttachedPolicies"]}


def find_function(function_name: str) -> FunctionSummary | None:
    """The function, or None when there is none of that name."""
    try:
        return get_function(function_name)
    except NotFound:
        return None


def wait_function_ready(function_name: str) -> None:
    """Wait until the function is Active and its last update has finished."""
    with aws_errors(N_("wait for the function to become active"),
                    f"Lambda function {function_name}"):
        lambda_client = client("lambda")
        config = {"Delay": 1, "MaxAttempts": ACTIVE_WAIT_SECONDS}
        lambda_client.get_waiter("function_active_v2").wait(FunctionName=function_name,
                                                            WaiterConfig=config)
        lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function_name,
                                                             WaiterConfig=config)


def update_rest_api(api_id: str, name: str, endpoint_type: str) -> None:
    """Rename the API and change its endpoint type when they differ from these."""
    gateway = client("apigateway")
    with aws_errors(N_("update the API"), f"REST API {api_id}"):
        api = gateway.get_rest_api(restApiId=api_id)
        operations = []
        if api.get("name") != name:
            operations.append({"op": "replace", "path": "/name", "value": name})
        current = (api.get("endpointConfiguration") or {}).get("types") or []
        if current and current[0] != endpoint_type:
            operations.append({"op": "replace",
                               "path": f"/endpointConfiguration/types/{current[0]}",
                               "value": endpoint_type})
        if operations:
            gateway.update_rest_api(restApiId=api_id, patchOperations=operations)


def logging_role_arn(role_name: str) -> str:
    """The ARN a role of this name has in this account."""
    return f"arn:aws:iam::{account_id()}:role/{role_name}"


def find_rest_api(api_id: str | None, name: str) -> str | None:
    """The id of the API the wizard made (if it still exists), else of an API with that name."""
    seen: list[tuple[str, str]] = []
    token: str | None = None
    while True:
        page = list_rest_apis(token)
        seen += [(api.api_id, api.name) for api in page.items]
        token = page.next_token
        if not token:
            break
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


def delete_method(api_id: str, resource_id: str, http_method: str) -> None:
    """Remove a method (to put it back with the wizard's integration)."""
    with aws_errors(N_("replace the method"), f"{http_method} on resource {resource_id}"):
        client("apigateway").delete_method(restApiId=api_id, resourceId=resource_id,
                                           httpMethod=http_method)
