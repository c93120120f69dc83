"""Start the sandbox as a child process and stop it when the console exits.

The console knows the sandbox only as a URL it started: it runs `python -m webapp.sandbox` and
never imports it. Under Flask's reloader the parent process starts the sandbox and the reloaded
child finds its URL in the environment, so there is one sandbox, and it outlives code reloads.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

# Set by the process that started the sandbox; children (the reloader's) inherit it.
RUNNING_SANDBOX_URL = "_CONSOLE_SANDBOX_URL"
STARTUP_SECONDS = 60.0
POLL_SECONDS = 0.1
# What the sandbox needs from the console's environment; nothing else (no keys, no passwords).
PASSED_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SANDBOX_PERSIST",
                    "SANDBOX_DATA_DIR", "SANDBOX_PORT", "SANDBOX_LAMBDA_IDLE_SECONDS",
                    "SANDBOX_TABLE_CREATING_SECONDS")


class SandboxStartError(RuntimeError):
    """The sandbox did not come up; the message is one line for the terminal."""


@dataclass(frozen=True, slots=True)
class SandboxOptions:
    """What the sandbox child is started with."""

    port: int
    region: str
    persist: bool
    data_dir: str


def ensure_sandbox(options: SandboxOptions) -> str:
    """Start the sandbox unless this process tree already has; return its URL."""
    running = os.environ.get(RUNNING_SANDBOX_URL)
    if running:
        return running
    url = f"http://127.0.0.1:{options.port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp.sandbox", "--port", str(options.port),
         "--parent-pid", str(os.getpid())],
        cwd=Path(__file__).resolve().parent.parent,
        env=_sandbox_environment(options),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_until_healthy(process, url)
    threading.Thread(target=_forward_stderr, args=(process,), daemon=True).start()
    atexit.register(_stop, process)
    os.environ[RUNNING_SANDBOX_URL] = url
    logger.info("sandbox started at %s (pid %d)", url, process.pid)
    return url


def _sandbox_environment(options: SandboxOptions) -> dict[str, str]:
    environment = {name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ}
    environment.update(
        AWS_REGION=options.region,
        SANDBOX_PORT=str(options.port),
        SANDBOX_PERSIST="1" if options.persist else "0",
        SANDBOX_DATA_DIR=options.data_dir,
        PYTHONUNBUFFERED="1",
    )
    return environment


def _wait_until_healthy(process: subprocess.Popen[str], url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            lines = (process.stderr.read() if process.stderr else "").strip().splitlines()
            reason = lines[-1] if lines else f"it exited with status {process.returncode}"
            raise SandboxStartError(reason)
        if _is_healthy(url):
            return
        time.sleep(POLL_SECONDS)
    _stop(process)
    raise SandboxStartError(f"sandbox: not answering on {url} after {STARTUP_SECONDS:.0f} s")


def _forward_stderr(process: subprocess.Popen[str]) -> None:
    # Drained so a chatty sandbox never blocks on a full pipe.
    for line in process.stderr or ():
        sys.stderr.write(line)


def _is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=1) as reply:
            return json.load(reply).get("status") == "ok"
    except (OSError, ValueError):
        return False


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
