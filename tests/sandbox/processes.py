"""Start, probe and stop sandbox processes for the tests."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-northeast-2"
ACCOUNT_ID = "123456789012"
STARTUP_SECONDS = 30.0
STOP_SECONDS = 5.0
POLL_SECONDS = 0.05
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# Point boto3 at no config or credentials file, so a developer's profile cannot leak in.
NO_AWS_FILES = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}

# Builds a boto3 client for the session's sandbox: `aws_client("dynamodb")`.
ClientFactory = Callable[[str], Any]
# Starts another sandbox: `launch_sandbox("--port", "4567", env={...})`.
SandboxLauncher = Callable[..., subprocess.Popen[str]]


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**overrides: str) -> dict[str, str]:
    """A sandbox's whole environment: PATH, fake keys, no AWS files, plus `overrides`."""
    return {"PATH": os.environ.get("PATH", os.defpath), "PYTHONUNBUFFERED": "1",
            "SANDBOX_PERSIST": "0", **FAKE_CREDENTIALS, **NO_AWS_FILES, **overrides}


def sandbox_command(*args: str) -> list[str]:
    """The command line that starts a sandbox with `args`."""
    return [sys.executable, "-m", "webapp.sandbox", *args]


def start(*args: str, env: dict[str, str] | None = None,
          output: IO[str] | int = subprocess.PIPE) -> subprocess.Popen[str]:
    """Start `python -m webapp.sandbox *args` from the repository root; output piped by default."""
    return subprocess.Popen(sandbox_command(*args), cwd=REPO_ROOT,
                            env=env if env is not None else clean_env(),
                            stdout=output, stderr=output, text=True)


def health(url: str) -> dict[str, Any] | None:
    """The health answer of the sandbox at `url`, or None while it does not answer."""
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=1) as reply:
            return json.load(reply)
    except OSError:
        return None


def wait_until_healthy(process: subprocess.Popen[str], url: str,
                       output_path: Path | None = None) -> dict[str, Any]:
    """Poll the health check until it answers; fail with the sandbox's output if it exits."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, output = process.communicate()
            if output_path is not None:
                output = output_path.read_text()
            pytest.fail(f"sandbox exited with status {process.returncode}: {output}")
        answer = health(url)
        if answer is not None:
            return answer
        time.sleep(POLL_SECONDS)
    pytest.fail(f"sandbox not healthy at {url} after {STARTUP_SECONDS} s")


def stop(process: subprocess.Popen[str]) -> None:
    """Terminate a process we started, killing it if it does not stop in time."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.communicate(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
