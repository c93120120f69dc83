"""What tests/conftest.py sets up for speed: one boto3 session, also for `boto3.client(...)` under
moto, and xdist groups only for the files that share a process."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from tests import conftest
from tests.helpers import shared_session


def test_boto3s_default_session_under_moto_is_the_shared_one() -> None:
    for _ in range(2):
        with mock_aws():
            client = boto3.client("dynamodb", region_name="ap-northeast-2")
            assert client.list_tables()["TableNames"] == []
            assert boto3.DEFAULT_SESSION is shared_session()


class CollectedItem:
    """Just what the grouping hook reads and writes on a pytest item."""

    def __init__(self, relative: str) -> None:
        self.path = conftest.TESTS / relative
        self.markers: list[pytest.MarkDecorator] = []

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker)


def test_files_sharing_a_process_stay_whole_on_one_worker_and_unit_tests_are_dealt_out() -> None:
    items = {relative: CollectedItem(relative) for relative in (
        "e2e/test_tables.py", "sandbox/test_dispatch.py", "conformance/test_iam.py",
        "system/test_console_process.py", "unit/test_tables.py", "lambda_code/test_templates.py")}
    conftest.pytest_collection_modifyitems(list(items.values()))  # type: ignore[arg-type]
    groups = {relative: [marker.args for marker in item.markers if marker.name == "xdist_group"]
              for relative, item in items.items()}
    assert groups == {"e2e/test_tables.py": [("e2e/test_tables.py",)],
                      "sandbox/test_dispatch.py": [("sandbox/test_dispatch.py",)],
                      "conformance/test_iam.py": [("conformance/test_iam.py",)],
                      "system/test_console_process.py": [("system/test_console_process.py",)],
                      "unit/test_tables.py": [], "lambda_code/test_templates.py": []}
