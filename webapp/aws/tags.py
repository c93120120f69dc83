"""Tags read back from the resources the console tags when it makes them.

Each service asks for tags its own way (DynamoDB's ListTagsOfResource by ARN, IAM's
ListRoleTags and ListPolicyTags, Lambda's ListTags by ARN, and API Gateway's RestApi `tags`),
and writes them in one of two shapes: a list of {Key, Value} (DynamoDB, IAM) or a map (Lambda,
API Gateway). The create functions of each service take a plain mapping; `tag_arguments` gives
the list shape as the create call's `Tags` argument. Every reader answers a plain dict and raises NotFound for a resource that is gone.
"""
from __future__ import annotations

from collections.abc import Mapping

from webapp.aws.clients import client
from webapp.aws.errors import N_, aws_errors


def tag_arguments(tags: Mapping[str, str] | None) -> dict[str, list[dict[str, str]]]:
    """The `Tags=[{Key, Value}]` argument DynamoDB's and IAM's create calls take; none if no tags."""
    return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]} if tags else {}


def _paged_tags(service: str, operation: str, **params: str) -> dict[str, str]:
    """Every page of a [{Key, Value}] tag listing, as one dict."""
    found: dict[str, str] = {}
    for page in client(service).get_paginator(operation).paginate(**params):
        found.update({pair["Key"]: pair.get("Value", "") for pair in page.get("Tags", [])})
    return found


def table_tags(table_arn: str) -> dict[str, str]:
    """A DynamoDB table's tags."""
    with aws_errors(N_("read the table's tags"), table_arn):
        return _paged_tags("dynamodb", "list_tags_of_resource", ResourceArn=table_arn)


def role_tags(role_name: str) -> dict[str, str]:
    """An IAM role's tags."""
    with aws_errors(N_("read the role's tags"), f"IAM role {role_name}"):
        return _paged_tags("iam", "list_role_tags", RoleName=role_name)


def policy_tags(policy_arn: str) -> dict[str, str]:
    """A customer-managed IAM policy's tags."""
    with aws_errors(N_("read the policy's tags"), f"IAM policy {policy_arn}"):
        return _paged_tags("iam", "list_policy_tags", PolicyArn=policy_arn)


def function_tags(function_arn: str) -> dict[str, str]:
    """A Lambda function's tags (ListTags takes the function's ARN)."""
    with aws_errors(N_("read the function's tags"), f"Lambda function {function_arn}"):
        return dict(client("lambda").list_tags(Resource=function_arn).get("Tags", {}))


def rest_api_tags(api_id: str) -> dict[str, str]:
    """A REST API's tags, from GetRestApi's `tags` (the RestApi resource carries them)."""
    with aws_errors(N_("read the REST API's tags"), f"REST API {api_id}"):
        return dict(client("apigateway").get_rest_api(restApiId=api_id).get("tags") or {})
