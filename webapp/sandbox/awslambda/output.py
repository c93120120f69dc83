"""A worker's output, captured as log events: stdout/stderr lines and awslambdaric's log frames.

awslambdaric writes `logging` records and error reports to the fd named by
_LAMBDA_TELEMETRY_LOG_FD as frames (type, length, timestamp in µs, message), one log event each,
as on AWS; print() and anything else on stdout/stderr become one event per line.

Output written before the worker posts its result is already in the pipes when the Runtime API
sees the post, so `drain()` there collects all of an invocation's output, in the order it was
read, before the result goes back.
"""
import logging
import os
import selectors
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

READ_SIZE = 65536
FRAME_HEADER_SIZE = 16
MICROS_PER_MILLI = 1000


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One CloudWatch Logs event: epoch milliseconds and the message text."""

    timestamp: int
    message: str


def now_millis() -> int:
    """The wall clock in epoch milliseconds, as log events carry it."""
    return time.time_ns() // 1_000_000


class OutputCapture:
    """Reads a worker's stdout pipe and telemetry pipe on its own thread until the worker exits."""

    def __init__(self, stdout_fd: int, telemetry_fd: int, exit_fd: int | None,
                 on_exit: Callable[[], None]) -> None:
        self._stdout_fd = stdout_fd
        self._telemetry_fd = telemetry_fd
        self._exit_fd = exit_fd
        self._on_exit = on_exit
        self._lock = threading.Lock()
        self._events: list[LogEvent] = []
        self._partial_line = b""
        self._frames = b""
        self._open_fds = {stdout_fd, telemetry_fd}
        for fd in self._open_fds:
            os.set_blocking(fd, False)
        self._thread = threading.Thread(target=self._run, name=f"lambda-output-{stdout_fd}",
                                        daemon=True)

    def start(self) -> None:
        """Start reading."""
        self._thread.start()

    def drain(self) -> None:
        """Read everything the worker has written so far."""
        with self._lock:
            for fd in tuple(self._open_fds):
                self._read_available(fd)

    def take(self) -> list[LogEvent]:
        """The events read since the last call, a trailing unfinished line included."""
        with self._lock:
            if self._partial_line:
                self._add_line(self._partial_line)
                self._partial_line = b""
            events, self._events = self._events, []
        return events

    def _run(self) -> None:
        with selectors.DefaultSelector() as selector:
            for fd in self._open_fds:
                selector.register(fd, selectors.EVENT_READ)
            if self._exit_fd is not None:
                selector.register(self._exit_fd, selectors.EVENT_READ)
            # Without a pidfd, both pipes closing is the sign that the worker has exited.
            while self._open_fds or self._exit_fd is not None:
                ready = {key.fd for key, _ in selector.select()}
                if self._exit_fd in ready:
                    self.drain()  # the worker is gone: all it wrote is in the pipes by now
                    break
                with self._lock:
                    for fd in ready & self._open_fds:
                        if not self._read_available(fd):
                            selector.unregister(fd)
        with self._lock:
            # A process the handler started may still hold the pipes; stop reading them.
            for fd in self._open_fds:
                os.close(fd)
            self._open_fds.clear()
        self._on_exit()

    def _read_available(self, fd: int) -> bool:
        """Read until the pipe is empty; False once it is closed. Holds the lock."""
        while True:
            try:
                chunk = os.read(fd, READ_SIZE)
            except BlockingIOError:
                return True
            if not chunk:
                self._open_fds.discard(fd)
                os.close(fd)
                return False
            if fd == self._stdout_fd:
                self._add_stdout(chunk)
            else:
                self._add_frames(chunk)

    def _add_stdout(self, chunk: bytes) -> None:
        *lines, self._partial_line = (self._partial_line + chunk).split(b"\n")
        for line in lines:
            self._add_line(line + b"\n")

    def _add_line(self, line: bytes) -> None:
        self._append(LogEvent(now_millis(), line.decode("utf-8", errors="replace")))

    def _add_frames(self, chunk: bytes) -> None:
        buffer = self._frames + chunk
        while len(buffer) >= FRAME_HEADER_SIZE:
            length = int.from_bytes(buffer[4:8], "big")
            end = FRAME_HEADER_SIZE + length
            if len(buffer) < end:
                break
            micros = int.from_bytes(buffer[8:16], "big")
            message = buffer[FRAME_HEADER_SIZE:end].decode("utf-8", errors="replace")
            self._append(LogEvent(micros // MICROS_PER_MILLI, message))
            buffer = buffer[end:]
        self._frames = buffer

    def _append(self, event: LogEvent) -> None:
        # CloudWatch wants events in time order; frames carry the writer's clock, lines the
        # reader's, so keep the order they were read in and never let time run backwards.
        if self._events and event.timestamp < self._events[-1].timestamp:
            event = LogEvent(self._events[-1].timestamp, event.message)
        self._events.append(event)
