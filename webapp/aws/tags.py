"""Tags read back from the resources the console tags when it makes them.

Each service asks for tags its own way (DynamoDB's ListTagsOfResource by ARN, IAM's
ListRoleTags and ListPolicyTags, Lambda's ListTags by ARN, and API Gateway's RestApi `tags`),
and writes them in one of two shapes: a list of {Key, Value} (DynamoDB, IAM) or a map (Lambda,
API Gateway). The create functions of each service take a plain mapping; `tag_list` gives the
list shape. Every reader answers a plain dict and raises NotFound for a resource that is gone.
"""
from __future__ import annotations

from collections.abc import Mapping

from webapp.aws.clients import client
from webapp.aws.errors import N_, aws_errors


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """The [{Key, Value}] shape DynamoDB's and IAM's create calls take."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _as_dict(pairs: list[dict[str, str]]) -> dict[str, str]:
    return {pair["Key"]: pair.get("Value", "") for pair in pairs}


def table_tags(table_arn: str) -> dict[str, str]:
    """A DynamoDB table's tags (ListTagsOfResource pages with NextToken)."""
    found: dict[str, str] = {}
    start: dict[str, str] = {}
    with aws_errors(N_("read the table's tags"), table_arn):
        while True:
            reply = client("dynamodb").list_tags_of_resource(ResourceArn=table_arn, **start)
            found.update(_as_dict(reply.get("Tags", [])))
            if not reply.get("NextToken"):
                return found
            start = {"NextToken": reply["NextToken"]}


def role_tags(role_name: str) -> dict[str, str]:
    """An IAM role's tags."""
    found: dict[str, str] = {}
    with aws_errors(N_("read the role's tags"), f"IAM role {role_name}"):
        for page in client("iam").get_paginator("list_role_tags").paginate(RoleName=role_name):
            found.update(_as_dict(page.get("Tags", [])))
    return found


def policy_tags(policy_arn: str) -> dict[str, str]:
    """A customer-managed IAM policy's tags."""
    found: dict[str, str] = {}
    with aws_errors(N_("read the policy's tags"), f"IAM policy {policy_arn}"):
        for page in client("iam").get_paginator("list_policy_tags").paginate(PolicyArn=policy_arn):
            found.update(_as_dict(page.get("Tags", [])))
    return found


def function_tags(function_arn: str) -> dict[str, str]:
    """A Lambda function's tags (ListTags takes the function's ARN)."""
    with aws_errors(N_("read the function's tags"), f"Lambda function {function_arn}"):
        return dict(client("lambda").list_tags(Resource=function_arn).get("Tags", {}))


def rest_api_tags(api_id: str) -> dict[str, str]:
    """A REST API's tags, from GetRestApi's `tags` (the RestApi resource carries them)."""
    with aws_errors(N_("read the REST API's tags"), f"REST API {api_id}"):
        return dict(client("apigateway").get_rest_api(restApiId=api_id).get("tags") or {})
