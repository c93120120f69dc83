"""The sandbox as a process: refusing to start, stopping on signals, and dying with its parent."""
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .processes import (REPO_ROOT, SandboxLauncher, clean_env, free_port, sandbox_command,
                        wait_until_healthy)

EXIT_CANNOT_START = 2
# The sandbox polls its parent every 0.5 s, then shuts down; the rest is room for a busy machine.
EXIT_WITHIN_SECONDS = 5.0
START_FAILURE_SECONDS = 20.0
POLL_SECONDS = 0.05

# A parent that starts a sandbox watching the parent itself, reports its pid, then waits on it.
PARENT_SCRIPT = """
import os, subprocess, sys
command = sys.argv[1:] + ["--parent-pid", str(os.getpid())]
sandbox = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(sandbox.pid, flush=True)
sandbox.wait()
"""


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port another program is listening on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def refused_start(process: subprocess.Popen[str]) -> tuple[int, list[str]]:
    """Exit status and stderr lines of a sandbox that should refuse to start."""
    _, stderr = process.communicate(timeout=START_FAILURE_SECONDS)
    return process.returncode, stderr.splitlines()


def exited_by_itself(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Exit status and stderr of a sandbox that should stop soon without our help."""
    _, stderr = process.communicate(timeout=EXIT_WITHIN_SECONDS)
    return process.returncode, stderr


def process_gone(pid: int) -> bool:
    """Whether a process that is not our child has exited (a zombie has exited too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # An orphan's zombie waits for init to reap it, which a container's init may never do.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rpartition(")")[2].split()[0] == "Z"


def wait_until_gone(pid: int) -> bool:
    """Whether process `pid` exits within EXIT_WITHIN_SECONDS."""
    deadline = time.monotonic() + EXIT_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if process_gone(pid):
            return True
        time.sleep(POLL_SECONDS)
    return False


@pytest.mark.parametrize("port_from", ["flag", "SANDBOX_PORT"])
def test_busy_port_is_one_line_naming_sandbox_port(launch_sandbox: SandboxLauncher,
                                                   busy_port: int, port_from: str) -> None:
    if port_from == "flag":
        process = launch_sandbox("--port", str(busy_port))
    else:
        process = launch_sandbox(env=clean_env(SANDBOX_PORT=str(busy_port)))
    status, lines = refused_start(process)
    assert status == EXIT_CANNOT_START
    assert len(lines) == 1, lines
    assert str(busy_port) in lines[0]
    assert "SANDBOX_PORT" in lines[0]
    assert "Traceback" not in lines[0]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.com"])
def test_non_loopback_host_is_refused(launch_sandbox: SandboxLauncher, host: str) -> None:
    status, lines = refused_start(launch_sandbox("--port", str(free_port()), "--host", host))
    assert status == EXIT_CANNOT_START
    assert len(lines) == 1, lines
    assert host in lines[0] and "loopback" in lines[0]


def test_bad_sandbox_port_is_one_line(launch_sandbox: SandboxLauncher) -> None:
    status, lines = refused_start(launch_sandbox(env=clean_env(SANDBOX_PORT="http")))
    assert status == EXIT_CANNOT_START
    assert lines == ["sandbox: SANDBOX_PORT='http' is not a port number"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_it_cleanly(launch_sandbox: SandboxLauncher, signum: signal.Signals) -> None:
    port = free_port()
    process = launch_sandbox("--port", str(port))
    wait_until_healthy(process, f"http://127.0.0.1:{port}")
    process.send_signal(signum)
    status, stderr = exited_by_itself(process)
    assert status == 0
    assert "Traceback" not in stderr


def test_a_started_sandbox_has_not_loaded_the_openapi_validator_it_never_calls(
        launch_sandbox: SandboxLauncher) -> None:
    """moto imports openapi-spec-validator for calls the sandbox answers itself; it waits until
    called (deferred_validator.py). Its pydantic-core library is what a loaded one maps."""
    port = free_port()
    process = launch_sandbox("--port", str(port))
    wait_until_healthy(process, f"http://127.0.0.1:{port}")
    maps = Path(f"/proc/{process.pid}/maps").read_text()
    assert "site-packages/" in maps and "pydantic_core" not in maps


def test_it_exits_when_the_parent_pid_exits(launch_sandbox: SandboxLauncher) -> None:
    watched = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        port = free_port()
        process = launch_sandbox("--port", str(port), "--parent-pid", str(watched.pid))
        wait_until_healthy(process, f"http://127.0.0.1:{port}")
    finally:
        watched.kill()
        watched.wait()
    status, stderr = exited_by_itself(process)
    assert status == 0
    assert "Traceback" not in stderr


def test_no_orphan_when_the_parent_is_killed_hard() -> None:
    port = free_port()
    parent = subprocess.Popen([sys.executable, "-c", PARENT_SCRIPT,
                               *sandbox_command("--port", str(port))],
                              cwd=REPO_ROOT, env=clean_env(), stdout=subprocess.PIPE, text=True)
    sandbox_pid = int(parent.stdout.readline())
    try:
        wait_until_healthy(parent, f"http://127.0.0.1:{port}")
        parent.kill()  # SIGKILL, and not reaped yet: a zombie, as when a console is killed
        assert wait_until_gone(sandbox_pid), "the sandbox outlived its killed parent"
    finally:
        parent.kill()
        parent.wait()
        if not process_gone(sandbox_pid):
            os.kill(sandbox_pid, signal.SIGKILL)
