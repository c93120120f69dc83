"""API Gateway's selectionPattern picks an integration response in time linear in the message."""
import subprocess
import sys

from webapp.sandbox.apigateway.mapping import select_response
from webapp.sandbox.apigateway.snapshots import IntegrationResponseSnapshot, IntegrationSnapshot

from tests.sandbox.processes import REPO_ROOT


def integration(*patterns: str | None) -> IntegrationSnapshot:
    responses = tuple(IntegrationResponseSnapshot(str(400 + index), pattern, {}, {})
                      for index, pattern in enumerate(patterns))
    return IntegrationSnapshot("AWS", "arn", "POST", {}, "WHEN_NO_MATCH", responses)


def test_the_pattern_must_match_the_whole_message_across_lines() -> None:
    chosen = integration(None, "Not found.*", ".*timed out.*")
    assert select_response(chosen, "200", "Not found: item 7\nat line 3", False).status_code == (
        "401")
    assert select_response(chosen, "200", "Task timed out after 3.00 seconds", False) \
        .status_code == "402"
    assert select_response(chosen, "200", "Item Not found", False).status_code == "400"
    assert select_response(chosen, "200", None, False).status_code == "400"


def test_a_pattern_re2_cannot_run_selects_nothing() -> None:
    chosen = integration(None, r"(a)\1")
    assert select_response(chosen, "200", "aa", False).status_code == "400"


def test_a_backtracking_pattern_does_not_hold_the_sandbox() -> None:
    # With a backtracking engine this takes longer than the universe's age; linear, a moment.
    # A child process so a regression fails at the timeout instead of hanging the suite.
    code = ("from tests.unit.test_selection_pattern import integration;"
            "from webapp.sandbox.apigateway.mapping import select_response;"
            "print(select_response(integration(None, '(a*)*c'), '200', 'a' * 80, False)"
            ".status_code)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.strip() == "400"
