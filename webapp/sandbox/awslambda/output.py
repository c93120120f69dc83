"""A worker's output, captured as log events, in the order it was written.

The worker's stdout, stderr and awslambdaric's log sink (the fd named by
_LAMBDA_TELEMETRY_LOG_FD) all write into one pipe, so print() and `logging` keep their order.
The sink writes frames: 4-byte type 0xA55A00xx, 4-byte length, 8-byte timestamp in µs, message;
each frame is one log event, so a multi-line record or an error with its traceback stays one
event, as on AWS. Everything else is text, one event per line.

Output written before the worker posts its result is already in the pipe when the Runtime API
sees the post, so `drain()` there collects all of an invocation's output before it is answered.
"""
import os
import re
import selectors
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

READ_SIZE = 65536
# awslambdaric's frame types: text and JSON, one per log level (lambda_runtime_log_utils).
FRAME_START = re.compile(rb"\xa5\x5a\x00[\x02\x03\x0a\x0b\x0e\x0f\x12\x13\x16\x17\x1a\x1b]")
FRAME_MAGIC = b"\xa5\x5a\x00"
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
    """Reads a worker's output pipe on its own thread until the worker exits."""

    def __init__(self, pipe_fd: int, exit_fd: int | None, on_exit: Callable[[], None]) -> None:
        self._pipe_fd: int | None = pipe_fd
        self._exit_fd = exit_fd
        self._on_exit = on_exit
        self._lock = threading.Lock()
        self._events: list[LogEvent] = []
        self._pending = b""  # bytes not yet a whole line or frame
        self._partial_line = b""  # text before a frame, waiting for its newline
        os.set_blocking(pipe_fd, False)
        self._thread = threading.Thread(target=self._run, name=f"lambda-output-{pipe_fd}",
                                        daemon=True)

    def start(self) -> None:
        """Start reading."""
        self._thread.start()

    def drain(self) -> None:
        """Read everything the worker has written so far."""
        with self._lock:
            self._read_available()

    def take(self) -> list[LogEvent]:
        """The events read since the last call, an unfinished line included."""
        with self._lock:
            if self._partial_line:
                self._add_line(self._partial_line)
                self._partial_line = b""
            if self._pending and not FRAME_MAGIC.startswith(self._pending[:len(FRAME_MAGIC)]):
                self._add_line(self._pending)  # not the start of a frame still arriving
                self._pending = b""
            events, self._events = self._events, []
        return events

    def _run(self) -> None:
        with selectors.DefaultSelector() as selector:
            assert self._pipe_fd is not None
            selector.register(self._pipe_fd, selectors.EVENT_READ)
            if self._exit_fd is not None:
                selector.register(self._exit_fd, selectors.EVENT_READ)
            # Without a pidfd, the pipe closing is the sign that the worker has exited.
            while self._pipe_fd is not None or self._exit_fd is not None:
                ready = {key.fd for key, _ in selector.select()}
                if self._exit_fd in ready:
                    self.drain()  # the worker is gone: all it wrote is in the pipe by now
                    break
                with self._lock:
                    pipe_fd = self._pipe_fd
                    if pipe_fd in ready and not self._read_available():
                        selector.unregister(pipe_fd)
        with self._lock:
            # A process the handler started may still hold the pipe; stop reading it.
            self._close_pipe()
        self._on_exit()

    def _read_available(self) -> bool:
        """Read until the pipe is empty; False once it is closed. Holds the lock."""
        while self._pipe_fd is not None:
            try:
                chunk = os.read(self._pipe_fd, READ_SIZE)
            except BlockingIOError:
                return True
            if not chunk:
                self._close_pipe()
                return False
            self._parse(self._pending + chunk)
        return False

    def _close_pipe(self) -> None:
        if self._pipe_fd is not None:
            os.close(self._pipe_fd)
            self._pipe_fd = None

    def _parse(self, buffer: bytes) -> None:
        """Turn whole lines and frames into events; keep the rest for the next read."""
        position = 0
        while position < len(buffer):
            frame = FRAME_START.search(buffer, position)
            frame_at = frame.start() if frame else -1
            if frame_at == position:
                end = self._add_frame(buffer, position)
                if end is None:
                    break  # the rest of the frame is still on its way
                position = end
                continue
            newline_at = buffer.find(b"\n", position, frame_at if frame_at >= 0 else None)
            if newline_at >= 0:
                self._add_line(self._partial_line + buffer[position:newline_at + 1])
                self._partial_line = b""
                position = newline_at + 1
            elif frame_at >= 0:
                # print(..., end="") before a log record: the line goes on after the frame.
                self._partial_line += buffer[position:frame_at]
                position = frame_at
            else:
                break
        self._pending = buffer[position:]

    def _add_frame(self, buffer: bytes, start: int) -> int | None:
        header_end = start + FRAME_HEADER_SIZE
        if len(buffer) < header_end:
            return None
        end = header_end + int.from_bytes(buffer[start + 4:start + 8], "big")
        if len(buffer) < end:
            return None
        micros = int.from_bytes(buffer[start + 8:header_end], "big")
        self._append(LogEvent(micros // MICROS_PER_MILLI,
                              buffer[header_end:end].decode("utf-8", errors="replace")))
        return end

    def _add_line(self, line: bytes) -> None:
        self._append(LogEvent(now_millis(), line.decode("utf-8", errors="replace")))

    def _append(self, event: LogEvent) -> None:
        # CloudWatch wants events in time order; frames carry the writer's clock, lines the
        # reader's, so keep the order they were written in and never let time run backwards.
        if self._events and event.timestamp < self._events[-1].timestamp:
            event = LogEvent(self._events[-1].timestamp, event.message)
        self._events.append(event)
