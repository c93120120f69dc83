"""One execution environment: a `python -m runtime_bootstrap <handler>` process (awslambdaric,
with the function's code named at AWS's paths: runtime_bootstrap.py), or for Node.js functions a
`node <runtime dir>/bootstrap.mjs` process (node_runtime/bootstrap.mjs), and its Runtime API.

A worker runs one invocation at a time. `run()` hands the event to the runtime's pending
GET /next, waits for its response or error post, and stops the process when the function's
timeout passes, when it leaves its memory, or when the sandbox retires it. A worker that dies
ends only the invocation it was running.

Memory: RLIMIT_AS caps the process's address space at MemorySize plus ADDRESS_SPACE_HEADROOM_MB.
RLIMIT_AS counts virtual memory, which runs far ahead of what AWS limits (resident memory).
Measured here (x86_64, glibc, Python 3.11): an idle worker maps 19 MB with 14 MB resident for
python3.11 functions, and 93 MB (peaking at 158 MB) for python3.12+, where awslambdaric polls
from a thread with an 8 MB stack and a 64 MB malloc arena; importing boto3 and making one call
adds ~35 MB mapped, ~33 MB resident. Each further thread a handler starts may map another
8 + 64 MB, so 1 GiB of headroom leaves room for a dozen before a spurious MemoryError. The cap
only stops runaways: what AWS enforces is checked after each invocation from the kernel's peak
resident size (VmHWM). Above MemorySize, or a MemoryError out of the handler, and the worker is
stopped and the call answered as AWS answers an OOM kill, Runtime.ExitError "signal: killed".

Node.js maps far more than it uses: V8 and libuv reserve address space up front. Measured here
(x86_64, Debian's node v20.20.2): an idle runtime maps 729 MB with 44 MB resident; once libuv's
four pool threads have run (crypto, zlib, dns) it peaks at 1,064 MB mapped, still 44 MB
resident. So Node workers get NODE_ADDRESS_SPACE_HEADROOM_MB (2 GiB) above MemorySize, and, as
AWS's Node runtimes do, V8's old space is capped below MemorySize (--max-old-space-size, 90% of
it): a JavaScript heap that outgrows it aborts the runtime (Runtime.ExitError "signal:
aborted", as on AWS), a Buffer past the cap fails as a RangeError, which counts as running out of
memory like Python's MemoryError, and anything else over MemorySize is caught by VmHWM.

Where bubblewrap is installed, the process runs isolated in it (isolation.py), at AWS's paths
(/var/task, /var/runtime); runtime_process.py hides the difference from the worker.
"""
import enum
import json
import logging
import math
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from webapp.sandbox.authz import RoleCredentials
from webapp.sandbox.awslambda import peer_process, runtime_process
from webapp.sandbox.awslambda.environment import WorkerPaths, worker_environment
from webapp.sandbox.awslambda.filesystem import BOOTSTRAP_MODULE, NODE_BOOTSTRAP
from webapp.sandbox.awslambda.functions import FunctionVersion
from webapp.sandbox.awslambda.isolation import RUNTIME_DIR, TASK_ROOT, isolation
from webapp.sandbox.awslambda.output import LogEvent, OutputCapture, now_millis
from webapp.sandbox.awslambda.runtime_api import NextInvocation, RuntimeApiServer
from webapp.sandbox.awslambda.runtimes import interpreter, is_node

logger = logging.getLogger(__name__)

# AWS gives an on-demand function's init phase 10 s, whatever its own timeout.
INIT_TIMEOUT_SECONDS = 10.0
ADDRESS_SPACE_HEADROOM_MB = 1024
NODE_ADDRESS_SPACE_HEADROOM_MB = 2048
NODE_OLD_SPACE_PERCENT = 90
MIB = 1024 * 1024
KIB_PER_MIB = 1024
MEMORY_ERROR_TYPE = "MemoryError"
# What a Node.js handler throws when a Buffer or ArrayBuffer cannot be mapped.
NODE_MEMORY_ERROR = ("RangeError", "Array buffer allocation failed")
KILLED = "signal: killed"


class Outcome(enum.Enum):
    """How an invocation ended."""

    RESPONSE = "response"  # the handler returned
    FUNCTION_ERROR = "function_error"  # the handler raised; the runtime posted the error
    INIT_ERROR = "init_error"  # the handler could not be loaded
    TIMEOUT = "timeout"
    EXIT = "exit"  # the process ended, by itself or stopped for exceeding its memory


@dataclass(frozen=True, slots=True)
class Invocation:
    """What the runtime receives for one call."""

    request_id: str
    payload: bytes
    invoked_function_arn: str
    trace_id: str
    client_context: str | None


@dataclass(frozen=True, slots=True)
class RunResult:
    """How one invocation went on a worker, with its output and measurements."""

    outcome: Outcome
    payload: bytes
    exit_reason: str | None
    started_at_ms: int
    duration_ms: float
    init_duration_ms: float | None
    max_memory_mb: int
    preamble: tuple[LogEvent, ...]  # output from before the invocation (init, on a cold start)
    output: tuple[LogEvent, ...]


class _Call:
    """An invocation in flight on this worker; settled once, by whichever end comes first."""

    __slots__ = ("invocation", "delivered", "done", "delivered_at", "started_at_ms",
                 "preamble", "outcome", "payload", "exit_reason", "ended_at",
                 "_lock")

    def __init__(self, invocation: Invocation) -> None:
        self.invocation = invocation
        self.delivered = threading.Event()
        self.done = threading.Event()
        self.delivered_at = 0.0
        self.started_at_ms = 0
        self.preamble: list[LogEvent] = []
        self.outcome: Outcome | None = None
        self.payload = b""
        self.exit_reason: str | None = None
        self.ended_at = 0.0
        self._lock = threading.Lock()

    def settle(self, outcome: Outcome, payload: bytes = b"",
               exit_reason: str | None = None) -> bool:
        """Record the end, unless another end was recorded first."""
        with self._lock:
            if self.outcome is not None:
                return False
            self.outcome, self.payload, self.exit_reason = outcome, payload, exit_reason
            self.ended_at = time.monotonic()
        self.delivered.set()
        self.done.set()
        return True


class WorkerGone(Exception):
    """The worker stopped before it could take the invocation."""


class Worker:
    """An awslambdaric process serving one function version, one call at a time."""

    def __init__(self, function: FunctionVersion, task_root: Path, runtime_dir: Path,
                 endpoint_url: str, credentials: RoleCredentials) -> None:
        self.function = function
        self.credentials = credentials
        self.log_stream_name = (f"{datetime.now(UTC):%Y/%m/%d}/[{function.version}]"
                                f"{uuid.uuid4().hex}")
        self.last_used = time.monotonic()
        self._task_root = task_root
        self._runtime_dir = runtime_dir
        self._endpoint_url = endpoint_url
        self._lock = threading.Lock()
        self._inbox: list[_Call] = []
        self._inbox_ready = threading.Condition(self._lock)
        self._call: _Call | None = None
        self._alive = True
        self._spawned_at = 0.0
        self._init_duration_ms: float | None = None
        self._init_reported = False
        self._max_memory_mb = 0
        self._api = RuntimeApiServer(self, accepts=self._is_own_runtime)
        self._process: runtime_process.RuntimeProcess | None = None
        self._process_known = threading.Event()
        self._capture: OutputCapture | None = None
        self._exit_fd: int | None = None

    @property
    def pid(self) -> int | None:
        """The runtime process's id, once started (under bwrap, once it has called in)."""
        return self._process.runtime_pid if self._process else None

    def _is_own_runtime(self, peer: tuple[str, int]) -> bool:
        """Whether a connection to this worker's Runtime API comes from its own processes (any
        handler could otherwise take another function's events: peer_process.py)."""
        if not peer_process.can_tell():
            return True
        # The runtime may call in before start() has heard back who it is.
        self._process_known.wait(INIT_TIMEOUT_SECONDS)
        process = self._process
        return process is not None and peer_process.held_by_tree(process.popen.pid, peer,
                                                                 self._api.bound)

    def socket_inodes(self) -> set[int]:
        """The inodes of the sockets this worker's processes hold."""
        process = self._process
        return peer_process.socket_inodes(process.popen.pid) if process is not None else set()

    @property
    def alive(self) -> bool:
        """Whether the process is running and not retired."""
        return self._alive

    def start(self) -> None:
        """Start the Runtime API and the runtime process."""
        self._api.start()
        # One pipe for stdout, stderr and the runtime's log frames keeps their order.
        output_read, output_write = os.pipe()
        telemetry_write = os.dup(output_write)
        isolated = isolation().bwrap
        paths = WorkerPaths(task_root=TASK_ROOT if isolated else self._task_root,
                            runtime_dir=RUNTIME_DIR if isolated else self._runtime_dir,
                            runtime_api=self._api.address, endpoint_url=self._endpoint_url,
                            telemetry_fd=telemetry_write)
        environment = worker_environment(self.function, self.credentials, paths,
                                         self.log_stream_name)
        command, headroom_mb = self._command(paths.runtime_dir)
        address_space = (self.function.memory_size + headroom_mb) * MIB
        self._spawned_at = time.monotonic()
        try:
            if isolated:
                self._process = runtime_process.start_isolated(
                    command, self._task_root, self._runtime_dir, environment, output_write,
                    (telemetry_write,), address_space)
            else:
                self._process = runtime_process.start(
                    command, self._task_root, environment, output_write, (telemetry_write,),
                    address_space)
        except BaseException:
            os.close(output_read)
            self._api.close()
            raise
        finally:
            self._process_known.set()
            os.close(output_write)
            os.close(telemetry_write)
        started_pid = self._process.popen.pid
        self._exit_fd = runtime_process.pidfd(started_pid)
        self._capture = OutputCapture(output_read, self._exit_fd, self._exited)
        self._capture.start()
        logger.debug("worker %d started for %s:%s%s", started_pid,
                     self.function.function_name, self.function.version,
                     " in bwrap" if isolated else "")

    def _command(self, runtime_dir: Path) -> tuple[list[str], int]:
        """The runtime process's command line, and its address space above MemorySize (MB)."""
        runtime = self.function.runtime
        if is_node(runtime):
            old_space_mb = self.function.memory_size * NODE_OLD_SPACE_PERCENT // 100
            return ([interpreter(runtime), f"--max-old-space-size={old_space_mb}",
                     str(runtime_dir / NODE_BOOTSTRAP.name)], NODE_ADDRESS_SPACE_HEADROOM_MB)
        # -S: no site-packages of the sandbox; PYTHONPATH brings the task root and runtime. The
        # bootstrap names the code at /var/task where it runs from elsewhere, then runs
        # awslambdaric (runtime_bootstrap.py).
        return ([interpreter(runtime), "-S", "-m", BOOTSTRAP_MODULE, self.function.handler],
                ADDRESS_SPACE_HEADROOM_MB)

    def run(self, invocation: Invocation) -> RunResult:
        """Run one invocation to its end and report how it went."""
        call = _Call(invocation)
        with self._lock:
            if not self._alive:
                raise WorkerGone(self.function.function_name)
            self._inbox.append(call)
            self._inbox_ready.notify()
        if not call.delivered.wait(INIT_TIMEOUT_SECONDS):
            self._time_out(call)
        remaining = call.delivered_at + self.function.timeout - time.monotonic()
        if not call.done.wait(max(remaining, 0.0)):
            self._time_out(call)
        self._check_memory(call)
        self.last_used = time.monotonic()
        return self._result(call)

    def stop(self) -> None:
        """Stop the process (with anything it started) and the Runtime API."""
        with self._lock:
            self._alive = False
            self._inbox_ready.notify_all()
        self._kill()
        self._api.close()

    # Runtime API side, called on the API's connection threads.

    def next_invocation(self) -> NextInvocation | None:
        """Wait for the next call; the first request also marks the end of init."""
        with self._lock:
            if self._init_duration_ms is None:
                self._init_duration_ms = (time.monotonic() - self._spawned_at) * 1000
            self._call = None
            while not self._inbox and self._alive:
                self._inbox_ready.wait()
            if not self._alive:
                return None
            call = self._call = self._inbox.pop(0)
        if self._capture is not None:
            self._capture.drain()
            call.preamble = self._capture.take()
        call.started_at_ms = now_millis()
        call.delivered_at = time.monotonic()
        call.delivered.set()
        invocation = call.invocation
        return NextInvocation(
            request_id=invocation.request_id, payload=invocation.payload,
            deadline_ms=call.started_at_ms + self.function.timeout * 1000,
            invoked_function_arn=invocation.invoked_function_arn, trace_id=invocation.trace_id,
            client_context=invocation.client_context, cognito_identity=None)

    def invocation_response(self, request_id: str, body: bytes) -> bool:
        """The handler's result for the call in progress."""
        call = self._current(request_id)
        if call is None:
            return False
        # A post for a call that already ended (timed out, say) is ignored but still accepted.
        call.settle(Outcome.RESPONSE, body)
        return True

    def invocation_error(self, request_id: str, body: bytes) -> bool:
        """The handler's error for the call in progress."""
        call = self._current(request_id)
        if call is None:
            return False
        call.settle(Outcome.FUNCTION_ERROR, body)
        return True

    def init_error(self, body: bytes) -> None:
        """The handler could not be loaded: that is the answer to the waiting call."""
        with self._lock:
            # The runtime exits next; never lend this worker again, whatever the race.
            self._alive = False
            call = self._inbox.pop(0) if self._inbox else self._call
        if call is not None:
            call.delivered_at = time.monotonic()
            call.started_at_ms = now_millis()
            call.settle(Outcome.INIT_ERROR, body)

    # Internals.

    def _current(self, request_id: str) -> _Call | None:
        with self._lock:
            call = self._call
        if call is None or call.invocation.request_id != request_id:
            return None
        return call

    def _exited(self) -> None:
        """Called once the process has ended: end its call, if any, with its exit status."""
        assert self._process is not None
        status = self._process.wait()
        with self._lock:
            self._alive = False
            calls = self._inbox + ([self._call] if self._call else [])
            self._inbox.clear()
            self._inbox_ready.notify_all()
        for call in calls:
            if not call.delivered.is_set():
                call.started_at_ms = now_millis()
                call.delivered_at = time.monotonic()
            call.settle(Outcome.EXIT, exit_reason=_exit_reason(status))
        self._api.close()
        if self._exit_fd is not None:
            os.close(self._exit_fd)
        logger.debug("worker %d exited (%s)", self._process.popen.pid, _exit_reason(status))

    def _time_out(self, call: _Call) -> None:
        self._read_memory()
        if call.settle(Outcome.TIMEOUT):
            if not call.delivered_at:  # init never finished: the call never started
                call.delivered_at = call.ended_at
                call.started_at_ms = now_millis()
            self.stop()

    def _check_memory(self, call: _Call) -> None:
        if call.outcome in (Outcome.TIMEOUT, Outcome.EXIT):
            return
        peak = self._read_memory()
        ran_out = (call.outcome is Outcome.FUNCTION_ERROR
                   and _ran_out_of_memory(call.payload))
        if peak <= self.function.memory_size and not ran_out:
            return
        logger.info("worker %s used %d MB of %d MB: stopped", self.pid, peak,
                    self.function.memory_size)
        # AWS kills the environment mid-call; here the result is replaced by the same answer.
        call.outcome, call.payload, call.exit_reason = Outcome.EXIT, b"", KILLED
        self.stop()

    def _read_memory(self) -> int:
        """Peak resident memory so far, MB rounded up (the REPORT line's Max Memory Used)."""
        pid = self.pid
        if pid is None:
            return self._max_memory_mb
        try:
            with open(f"/proc/{pid}/status", "rb") as status:
                for line in status:
                    if line.startswith(b"VmHWM:"):
                        kib = int(line.split()[1])
                        self._max_memory_mb = max(self._max_memory_mb,
                                                  math.ceil(kib / KIB_PER_MIB))
                        break
        except (OSError, ValueError):
            pass  # gone already: keep the last reading
        return self._max_memory_mb

    def _result(self, call: _Call) -> RunResult:
        assert call.outcome is not None
        output: list[LogEvent] = []
        if self._capture is not None:
            self._capture.drain()
            output = self._capture.take()
        init_duration = None
        if not self._init_reported:
            self._init_reported = True
            init_duration = self._init_duration_ms
        return RunResult(
            outcome=call.outcome, payload=call.payload, exit_reason=call.exit_reason,
            started_at_ms=call.started_at_ms,
            duration_ms=max(call.ended_at - call.delivered_at, 0.0) * 1000,
            init_duration_ms=init_duration, max_memory_mb=self._max_memory_mb,
            preamble=tuple(call.preamble), output=tuple(output))

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()


def _ran_out_of_memory(error_body: bytes) -> bool:
    """Whether an error the runtime posted says the handler could not get memory."""
    try:
        error = json.loads(error_body)
    except ValueError:
        return False
    if not isinstance(error, dict):
        return False
    error_type = error.get("errorType")
    return error_type == MEMORY_ERROR_TYPE or (error_type, error.get("errorMessage")) == (
        NODE_MEMORY_ERROR)


# Lambda's runtime manager is written in Go and words a signal as Go's syscall package does
# ("Runtime exited with error: signal: segmentation fault").
_GO_SIGNAL_NAMES = {
    "SIGABRT": "aborted", "SIGALRM": "alarm clock", "SIGBUS": "bus error",
    "SIGFPE": "floating point exception", "SIGHUP": "hangup", "SIGILL": "illegal instruction",
    "SIGINT": "interrupt", "SIGKILL": "killed", "SIGPIPE": "broken pipe", "SIGQUIT": "quit",
    "SIGSEGV": "segmentation fault", "SIGSYS": "bad system call", "SIGTERM": "terminated",
    "SIGTRAP": "trace/breakpoint trap", "SIGUSR1": "user defined signal 1",
    "SIGUSR2": "user defined signal 2", "SIGXCPU": "CPU time limit exceeded",
    "SIGXFSZ": "file size limit exceeded",
}


def _exit_reason(status: int) -> str:
    """How Lambda words a runtime's end: "exit status 1", "signal: killed",
    "signal: segmentation fault"."""
    if status >= 0:
        return f"exit status {status}"
    try:
        name = signal.Signals(-status).name
    except ValueError:
        return f"signal {-status}"
    return f"signal: {_GO_SIGNAL_NAMES.get(name, name.removeprefix('SIG').lower())}"
