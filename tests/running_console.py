"""Start the real console process (`python -m webapp`) for tests that need it whole."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import free_port

REPO_ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 60.0
LOGIN_LINE = re.compile(r"Serverless Console: open (\S+)")


@dataclass
class RunningConsole:
    """A console process, its URLs and where its output goes."""

    process: subprocess.Popen[str]
    base_url: str
    sandbox_url: str
    output_path: Path

    def output(self) -> str:
        """Everything the console and its sandbox printed so far."""
        return self.output_path.read_text()

    def login_url(self) -> str:
        """The URL the console printed for signing in."""
        match = LOGIN_LINE.search(self.output())
        assert match, self.output()
        return match.group(1)


def console_environment(**overrides: str) -> dict[str, str]:
    """The console's environment: this one less any real AWS settings, plus `overrides`."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("AWS_", "CONSOLE_", "SANDBOX_", "FLASK_", "_CONSOLE"))}
    environment.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                       SANDBOX_PERSIST="0", PYTHONUNBUFFERED="1")
    environment.update(overrides)
    return environment


def is_answering(url: str) -> bool:
    """True once `url` answers HTTP at all."""
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@contextmanager
def running_console(output_path: Path, **overrides: str) -> Iterator[RunningConsole]:
    """Run `python -m webapp` on free ports until the block ends."""
    console_port = overrides.pop("FLASK_RUN_PORT", str(free_port()))
    sandbox_port = overrides.pop("SANDBOX_PORT", str(free_port()))
    environment = console_environment(
        FLASK_RUN_PORT=console_port, SANDBOX_PORT=sandbox_port,
        CONSOLE_TEST_EVENTS_FILE=str(output_path.with_name("test-events.json")),
        CONSOLE_WIZARD_RECORD_FILE=str(output_path.with_name("wizard.sqlite3")),
        CONSOLE_SIGNED_OUT_FILE=str(output_path.with_name("signed-out.jsonl")), **overrides)
    with output_path.open("w") as output:
        process = subprocess.Popen([sys.executable, "-m", "webapp"], cwd=REPO_ROOT,
                                   env=environment, stdout=output, stderr=subprocess.STDOUT,
                                   text=True)
    console = RunningConsole(process, f"http://127.0.0.1:{console_port}",
                             f"http://127.0.0.1:{sandbox_port}", output_path)
    try:
        wait_for_login_page(console)
        yield console
    finally:
        stop(process)


def wait_for_login_page(console: RunningConsole) -> None:
    """Wait until the console serves its login page; fail with its output if it exits."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if console.process.poll() is not None:
            raise AssertionError(f"console exited ({console.process.returncode}): {console.output()}")
        if is_answering(f"{console.base_url}/login"):
            return
        time.sleep(0.1)
    raise AssertionError(f"console not answering after {STARTUP_SECONDS} s: {console.output()}")


def stop(process: subprocess.Popen[str], sig: signal.Signals = signal.SIGTERM) -> None:
    """Stop a process we started, killing it if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
