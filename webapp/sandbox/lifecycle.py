"""Start and stop: the listening socket, SIGTERM/SIGINT, and the watch on the parent process.

Nothing here imports moto, so a busy port or a vanished parent is handled before moto spends a
second loading.
"""
import logging
import os
import signal
import socket
import threading
from types import FrameType

logger = logging.getLogger(__name__)

PARENT_POLL_SECONDS = 0.5
LISTEN_BACKLOG = 128


def bind_listener(host: str, port: int) -> socket.socket:
    """A socket listening on host:port; OSError (EADDRINUSE) if the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    if os.name == "posix":
        # Lets a restarted sandbox take its port back while old connections sit in TIME_WAIT;
        # on POSIX it still refuses a port another socket listens on (Windows would not).
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(LISTEN_BACKLOG)
    except OSError:
        listener.close()
        raise
    return listener


def stop_on_signals(stop: threading.Event) -> None:
    """Make SIGTERM and SIGINT set `stop` instead of raising in whatever code is running."""
    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("%s received; stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)


def watch_parent(parent_pid: int, stop: threading.Event) -> threading.Thread:
    """Poll in a daemon thread and set `stop` once `parent_pid` has gone."""
    was_our_parent = os.getppid() == parent_pid
    thread = threading.Thread(target=_watch, args=(parent_pid, was_our_parent, stop),
                              name="sandbox-parent-watch", daemon=True)
    thread.start()
    return thread


def process_exists(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists; it just belongs to another user
    return True


def _watch(parent_pid: int, was_our_parent: bool, stop: threading.Event) -> None:
    while not stop.wait(PARENT_POLL_SECONDS):
        if _parent_gone(parent_pid, was_our_parent):
            logger.info("parent process %d has gone; stopping", parent_pid)
            stop.set()


def _parent_gone(parent_pid: int, was_our_parent: bool) -> bool:
    # A parent killed hard is a zombie, so still "exists", until its own parent reaps it; but
    # its children are handed to init the moment it dies, which getppid() shows at once.
    if was_our_parent and os.getppid() != parent_pid:
        return True
    return not process_exists(parent_pid)
