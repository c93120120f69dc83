"""Delete calls the other modules lack, each idempotent: a missing resource is already gone.

Every function returns a small status, DELETED or ALREADY_GONE (the account setting: UNSET or
UNCHANGED), so a tear down can be run twice and say what it did each time. Any other failure is
a ConsoleError as everywhere in webapp.aws.
"""
from __future__ import annotations

from collections.abc import Callable

from webapp.aws.clients import client
from webapp.aws.errors import N_, NotFound, aws_errors

DELETED = "deleted"
ALREADY_GONE = "gone"
UNSET = "unset"
UNCHANGED = "unchanged"


def gone_if_missing(delete: Callable[[], object]) -> str:
    """Run any delete of webapp.aws (delete_table, delete_role…): DELETED, or ALREADY_GONE
    when it raised a not-found ConsoleError."""
    try:
        delete()
    except NotFound:
        return ALREADY_GONE
    return DELETED


def delete_rest_api(api_id: str) -> str:
    """Delete a REST API with its resources, methods, deployments and stages."""
    def delete() -> None:
        gateway = client("apigateway")
        # Asked first: moto (and so the sandbox) fails a delete of a missing API with a server
        # error instead of AWS's NotFoundException.
        with aws_errors(N_("read the REST API"), f"REST API {api_id}"):
            gateway.get_rest_api(restApiId=api_id)
        with aws_errors(N_("delete the REST API"), f"REST API {api_id}"):
            gateway.delete_rest_api(restApiId=api_id)
    return gone_if_missing(delete)


def delete_function(function_name: str) -> str:
    """Delete a Lambda function with all its versions, aliases and resource-based policy.

    Its log group stays (CloudWatch Logs keeps it); delete that separately.
    """
    def delete() -> None:
        with aws_errors(N_("delete the function"), f"Lambda function {function_name}"):
            client("lambda").delete_function(FunctionName=function_name)
    return gone_if_missing(delete)


def remove_permission(function_name: str, statement_id: str) -> str:
    """Remove one statement (by Sid) from the function's resource-based policy.

    A missing function, policy or statement all mean the permission is already gone.
    """
    def delete() -> None:
        with aws_errors(N_("remove the invoke permission"),
                        f"statement {statement_id} of Lambda function {function_name}"):
            client("lambda").remove_permission(FunctionName=function_name,
                                               StatementId=statement_id)
    return gone_if_missing(delete)


def unset_cloudwatch_role(role_arn: str) -> str:
    """Clear the account's API Gateway CloudWatch Logs role, only while it is `role_arn`.

    UNSET when it pointed at that role and now points at none; UNCHANGED when it was empty or
    named another role (someone set their own since), which is left alone. AWS may refuse to
    clear the setting; that refusal is a ConsoleError like any other.
    """
    gateway = client("apigateway")
    with aws_errors(N_("read the API Gateway account settings")):
        current = gateway.get_account().get("cloudwatchRoleArn") or None
    if current != role_arn:
        return UNCHANGED
    with aws_errors(N_("clear the account's CloudWatch Logs role"), f"IAM role {role_arn}"):
        gateway.update_account(patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": ""}])
    return UNSET
