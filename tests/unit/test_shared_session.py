"""Tests share one boto3 session, also for `boto3.client(...)` under moto (tests/conftest.py)."""
from __future__ import annotations

import boto3
from moto import mock_aws

from tests.helpers import shared_session


def test_boto3s_default_session_under_moto_is_the_shared_one() -> None:
    for _ in range(2):
        with mock_aws():
            client = boto3.client("dynamodb", region_name="ap-northeast-2")
            assert client.list_tables()["TableNames"] == []
            assert boto3.DEFAULT_SESSION is shared_session()
