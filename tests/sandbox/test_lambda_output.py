"""A worker's output pipe: print() lines and awslambdaric's log frames become events in order."""
import os
import threading
from collections.abc import Iterator

import pytest

from webapp.sandbox.awslambda.output import OutputCapture

TEXT_FRAME = 0xA55A0003.to_bytes(4, "big")
ERROR_FRAME = 0xA55A0017.to_bytes(4, "big")
FRAME_MICROS = 1_700_000_000_123_456


def frame(message: str, frame_type: bytes = TEXT_FRAME) -> bytes:
    """A log frame as awslambdaric's FramedTelemetryLogSink writes it."""
    body = message.encode()
    return frame_type + len(body).to_bytes(4, "big") + FRAME_MICROS.to_bytes(8, "big") + body


@pytest.fixture
def pipe() -> Iterator[tuple[OutputCapture, int, threading.Event]]:
    """A capture reading a pipe we write to (no pidfd: the pipe closing means exit)."""
    read_fd, write_fd = os.pipe()
    exited = threading.Event()
    capture = OutputCapture(read_fd, None, exited.set)
    capture.start()
    yield capture, write_fd, exited
    try:
        os.close(write_fd)
    except OSError:
        pass  # the test closed it already
    assert exited.wait(5)


def test_lines_and_frames_keep_the_order_they_were_written(
        pipe: tuple[OutputCapture, int, threading.Event]) -> None:
    capture, write_fd, _ = pipe
    os.write(write_fd, b"hello\n" + frame("[WARNING]\tcareful\n") + b"bye\n")
    capture.drain()
    messages = [event.message for event in capture.take()]
    assert messages == ["hello\n", "[WARNING]\tcareful\n", "bye\n"]


def test_a_multi_line_frame_is_one_event_with_the_writers_time(
        pipe: tuple[OutputCapture, int, threading.Event]) -> None:
    capture, write_fd, _ = pipe
    error = "[ERROR] ValueError: boom\nTraceback (most recent call last):\n\u00a0\u00a0File x"
    os.write(write_fd, frame(error, ERROR_FRAME))
    capture.drain()
    [event] = capture.take()
    assert event.message == error
    assert event.timestamp == FRAME_MICROS // 1000


def test_pieces_split_across_reads_are_joined(
        pipe: tuple[OutputCapture, int, threading.Event]) -> None:
    capture, write_fd, _ = pipe
    data = b"partial " + frame("record\n") + b"line\n"
    for index in range(len(data)):  # one byte at a time: every possible split
        os.write(write_fd, data[index:index + 1])
        capture.drain()
    messages = [event.message for event in capture.take()]
    # A frame written in the middle of a line is its own event; the line goes on around it.
    assert messages == ["record\n", "partial line\n"]


def test_an_unfinished_line_is_flushed_by_take(
        pipe: tuple[OutputCapture, int, threading.Event]) -> None:
    capture, write_fd, exited = pipe
    os.write(write_fd, b"no newline")
    capture.drain()
    assert [event.message for event in capture.take()] == ["no newline"]
    os.close(write_fd)
    assert exited.wait(5)
