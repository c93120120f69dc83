"""The conformance folder runs with the sandbox's fixtures."""
from typing import Any


def test_the_fixtures_reach_a_sandbox(aws_client: Any) -> None:
    assert "TableNames" in aws_client("dynamodb").list_tables()
