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
# Generous: a sandbox replays its whole journal before it answers (bench/sandbox_state.py).
STARTUP_SECONDS = 300.0
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
    """Start the sandbox unless this process tree already has; return its URL.

    The sandbox is then watched: should it die (a crash, an OOM kill, someone's kill -9), it is
    started again on the same port, so pages that showed "unreachable" recover by themselves.
    """
    running = os.environ.get(RUNNING_SANDBOX_URL)
    if running:
        return running
    url = f"http://127.0.0.1:{options.port}"
    supervisor = _Supervisor(options, url)
    atexit.register(supervisor.stop)
    os.environ[RUNNING_SANDBOX_URL] = url
    logger.info("sandbox started at %s (pid %d)", url, supervisor.process.pid)
    print(f"Serverless Console: {state_line(url)}", flush=True)
    threading.Thread(target=supervisor.watch, name="sandbox-watch", daemon=True).start()
    return url


def state_line(url: str) -> str:
    """One line saying where the sandbox keeps its state, and what it brought back."""
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=5) as reply:
            state = json.load(reply).get("state") or {}
    except (OSError, ValueError):
        return "the sandbox's state is unknown (its health check did not answer)"
    if not state.get("persist"):
        return "sandbox state is in memory only (SANDBOX_PERSIST=0): gone when it stops"
    line = f"sandbox state is kept in {state.get('data_dir')}"
    restored = state.get("restored")
    if restored:
        line += f"; {restored['changes']} change(s) restored in {restored['seconds']:.1f} s"
        if restored.get("failed"):
            line += f", {restored['failed']} could not be replayed"
    return line


RESTART_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)


class _Supervisor:
    """The sandbox child and its restarts."""

    def __init__(self, options: SandboxOptions, url: str) -> None:
        self.options, self.url = options, url
        self.stopping = threading.Event()
        self.process = _start(options, url)

    def watch(self) -> None:
        """Wait for the sandbox to end; unless the console is stopping, start it again."""
        failures = 0
        while True:
            status = self.process.wait()
            if self.stopping.is_set():
                return
            logger.warning("the sandbox stopped (status %s); starting it again on %s",
                           status, self.url)
            while not self.stopping.is_set():
                self.stopping.wait(RESTART_PAUSES[min(failures, len(RESTART_PAUSES) - 1)])
                if self.stopping.is_set():
                    return
                try:
                    self.process = _start(self.options, self.url)
                except SandboxStartError as err:
                    failures += 1
                    logger.error("the sandbox did not start again: %s", err)
                    continue
                failures = 0
                logger.info("sandbox started again at %s (pid %d)", self.url, self.process.pid)
                break

    def stop(self) -> None:
        """Stop the sandbox for good (the console is exiting)."""
        self.stopping.set()
        _stop(self.process)


def _start(options: SandboxOptions, url: str) -> subprocess.Popen[str]:
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
    return process


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
