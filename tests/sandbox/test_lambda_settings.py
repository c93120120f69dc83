"""The Lambda runtime's settings and scratch space."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from webapp.sandbox.awslambda.filesystem import remove_abandoned
from webapp.sandbox.config import DEFAULT_LAMBDA_IDLE_SECONDS, ConfigError, parse_config


def test_idle_timeout_defaults_to_five_minutes() -> None:
    assert parse_config([], {}).lambda_idle_seconds == DEFAULT_LAMBDA_IDLE_SECONDS == 300


def test_idle_timeout_comes_from_the_flag_or_the_environment() -> None:
    assert parse_config([], {"SANDBOX_LAMBDA_IDLE_SECONDS": "42"}).lambda_idle_seconds == 42
    flagged = parse_config(["--lambda-idle-seconds", "1.5"], {"SANDBOX_LAMBDA_IDLE_SECONDS": "42"})
    assert flagged.lambda_idle_seconds == 1.5


@pytest.mark.parametrize("value", ["soon", "0", "-3"])
def test_idle_timeout_must_be_a_positive_number(value: str) -> None:
    with pytest.raises(ConfigError):
        parse_config([], {"SANDBOX_LAMBDA_IDLE_SECONDS": value})


def test_scratch_of_a_dead_sandbox_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead_pid = int(finished.stdout)
    abandoned = tmp_path / f"sandbox-lambda-{dead_pid}-abc123"
    live = tmp_path / f"sandbox-lambda-{os.getpid()}-def456"
    unrelated = tmp_path / "sandbox-lambda-notes"
    for path in (abandoned, live, unrelated):
        (path / "task").mkdir(parents=True)
    remove_abandoned(tmp_path)
    assert not abandoned.exists()
    assert live.exists() and unrelated.exists()
