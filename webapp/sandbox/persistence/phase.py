"""Whether this thread is replaying the journal, for code that must not act twice.

A replayed CreateTable, say, must not start the table's CREATING clock again: the table was
created long ago, and comes back ACTIVE.
"""
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


@contextmanager
def replaying() -> Iterator[None]:
    """Mark this thread as replaying inside the block."""
    _local.replaying = True
    try:
        yield
    finally:
        _local.replaying = False


def is_replaying() -> bool:
    """True while this thread replays the journal."""
    return getattr(_local, "replaying", False)
