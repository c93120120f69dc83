"""The sandbox builds AWS-managed policies into the partition it serves, and no other."""
from __future__ import annotations

import pytest
from moto.iam.models import IAMBackend
from moto.utilities.utils import PARTITION_NAMES

from webapp.sandbox.iam import managed_policies

ACCOUNT = "123456789012"


@pytest.mark.parametrize("partition", PARTITION_NAMES)
def test_only_the_served_partition_gets_the_managed_policies(
        partition: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    managed_policies.install()
    policies = IAMBackend(partition, ACCOUNT).aws_managed_policies
    if partition == managed_policies.SERVED_PARTITION:
        assert len(policies) > 1000
        assert {"AWSLambdaBasicExecutionRole", "AmazonDynamoDBFullAccess"} <= {
            policy.name for policy in policies}
    else:
        assert policies == []
