"""Hostile UpdateRestApi patches: API Gateway's 400 BadRequestException, never a 500.

A resource policy that is not a JSON policy document is refused with "Invalid policy document.
Please check the policy syntax and ensure that Principals are valid." (the text AWS answers,
quoted in rest_api_patches.py); one nested thousands deep made the sandbox's JSON reader raise
RecursionError, a 500. (API Gateway's quotas cap a resource policy at 8192 characters by
default, which such a policy fits within.)
"""
from typing import Any

import pytest

from tests.conformance.refusals import refusal
from tests.sandbox.lambda_support import unique
from tests.sandbox.processes import ClientFactory

BAD_POLICY = ("Invalid policy document. Please check the policy syntax and ensure that "
              "Principals are valid.")


@pytest.fixture
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


def test_a_policy_nested_thousands_deep_is_an_invalid_policy_document(apigateway: Any) -> None:
    api_id = apigateway.create_rest_api(name=unique("policy"))["id"]
    assert refusal(apigateway.update_rest_api, restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/policy", "value": "[" * 5000 + "]" * 5000}]) == \
        (400, "BadRequestException", BAD_POLICY)
