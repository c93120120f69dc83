"""A worker's runtime process, started as is or inside bubblewrap, behind one interface.

As is: Popen's child runs awslambdaric, in a session of its own, so the terminal's Ctrl-C stays
away from it and one killpg stops it with whatever its handler started.

In bubblewrap (isolation.py): Popen's child is bwrap, whose pid 1 in the worker's new pid
namespace starts the runtime and reaps orphans. So:
* the pid that matters (its memory, VmHWM, is what the function used) is the runtime's, the
  child of bwrap's pid 1 as /proc/<pid 1>/task/<pid 1>/children lists it;
* RLIMIT_AS is set on pid 1 while bwrap holds it on --block-fd, before it starts the runtime,
  which inherits the limit;
* stopping kills pid 1, and the kernel kills everything in its namespace with it, processes the
  handler started in sessions of their own included;
* bwrap --die-with-parent ties bwrap to the *thread* that started it (PR_SET_PDEATHSIG follows
  the parent thread, not the process), so bwrap is started from one thread that lives as long
  as the sandbox, never from the request threads that come and go;
* bwrap exits 128+N when the runtime dies of signal N, as a shell does, and that is read back as
  the signal: under bwrap, a handler calling os._exit(139) is reported as a segfault.
"""
import json
import logging
import os
import resource
import select
import signal
import subprocess
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from webapp.sandbox.awslambda.isolation import bwrap_command, interpreter_path

logger = logging.getLogger(__name__)

# A shell's (and bwrap's) exit status for a child killed by signal N is SIGNALLED_BASE + N.
SIGNALLED_BASE = 128
# Starts every bwrap; its one thread lives until the sandbox exits (see above).
_spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambda-bwrap-spawner")


class RuntimeProcess:
    """The runtime started as is: Popen's child is the runtime."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen

    @property
    def runtime_pid(self) -> int | None:
        """The runtime's pid as this sandbox sees it, once known."""
        return self.popen.pid

    def kill(self) -> None:
        """Stop the runtime and anything its handler started."""
        if self.popen.returncode is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait(self) -> int:
        """The runtime's exit status, as Popen words it (-N: killed by signal N)."""
        return self.popen.wait()


class IsolatedRuntime(RuntimeProcess):
    """The runtime started in bwrap: Popen's child is bwrap, the runtime its grandchild."""

    def __init__(self, popen: subprocess.Popen[bytes], init_pid: int | None) -> None:
        super().__init__(popen)
        self._init_pid = init_pid
        self._init_fd = pidfd(init_pid) if init_pid is not None else None
        self._runtime_pid: int | None = None
        self._lock = threading.Lock()

    @property
    def runtime_pid(self) -> int | None:
        """The runtime's pid outside its namespace, once pid 1 has started it."""
        with self._lock:
            if self._runtime_pid is None and self._init_running():
                self._runtime_pid = _first_child(self._init_pid)
            return self._runtime_pid

    def kill(self) -> None:
        """Kill bwrap's pid 1, which takes its whole namespace along, and bwrap."""
        with self._lock:
            if self._init_fd is not None:
                try:
                    signal.pidfd_send_signal(self._init_fd, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        super().kill()

    def wait(self) -> int:
        """The runtime's exit status; bwrap's 128+N for a signal N is read back as -N."""
        status = self.popen.wait()
        with self._lock:
            if self._init_fd is not None:
                os.close(self._init_fd)
                self._init_fd = None
        signal_number = status - SIGNALLED_BASE
        if signal_number in signal.valid_signals():
            return -signal_number
        return status

    def _init_running(self) -> bool:
        if self._init_fd is None:
            return False
        readable, _, _ = select.select([self._init_fd], [], [], 0)
        return not readable  # a pidfd turns readable when its process exits


def start(command: list[str], cwd: Path, environment: Mapping[str, str], output_fd: int,
          pass_fds: tuple[int, ...], address_space_bytes: int) -> RuntimeProcess:
    """Start `command` as is, its address space capped at `address_space_bytes`."""
    popen = subprocess.Popen(command, cwd=cwd, env=environment, stdin=subprocess.DEVNULL,
                             stdout=output_fd, stderr=output_fd, pass_fds=pass_fds,
                             start_new_session=True)
    _limit_address_space(popen.pid, address_space_bytes)
    return RuntimeProcess(popen)


def start_isolated(command: list[str], task_root: Path, runtime_dir: Path,
                   environment: Mapping[str, str], output_fd: int, pass_fds: tuple[int, ...],
                   address_space_bytes: int) -> IsolatedRuntime:
    """Start `command` in bwrap over `task_root` and `runtime_dir`, capped likewise."""
    info_read, info_write = os.pipe()
    block_read, block_write = os.pipe()
    runtime_command = [interpreter_path(command[0]), *command[1:]]
    try:
        popen = _spawner.submit(
            subprocess.Popen,
            bwrap_command(runtime_command, task_root, runtime_dir, info_write, block_read),
            cwd=task_root, env=environment, stdin=subprocess.DEVNULL, stdout=output_fd,
            stderr=output_fd, pass_fds=(*pass_fds, info_write, block_read),
            start_new_session=True).result()
    except BaseException:
        for descriptor in (info_read, block_write):
            os.close(descriptor)
        raise
    finally:
        os.close(info_write)
        os.close(block_read)
    with os.fdopen(info_read, "rb") as info, os.fdopen(block_write, "wb") as go:
        init_pid = _init_pid(info.read())
        if init_pid is not None:
            _limit_address_space(init_pid, address_space_bytes)
        try:
            go.write(b"1")
            go.flush()
        except BrokenPipeError:
            pass  # bwrap failed before it started anything; its message is in the output
    return IsolatedRuntime(popen, init_pid)


def _init_pid(info: bytes) -> int | None:
    """bwrap's pid 1, from what it wrote to --info-fd (nothing if it failed first)."""
    try:
        return int(json.loads(info)["child-pid"])
    except (ValueError, KeyError, TypeError):
        logger.warning("bwrap did not say which process it started: %r", info[:200])
        return None


def _first_child(pid: int | None) -> int | None:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def _limit_address_space(pid: int, limit: int) -> None:
    try:
        resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))
    except (ProcessLookupError, PermissionError) as err:
        logger.warning("cannot limit worker %d's memory: %s", pid, err)


def pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when `pid` exits, where the kernel offers one."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None
