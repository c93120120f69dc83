"""A tape of values one thread takes from a source: recorded while a change runs, handed back
in order while it is replayed. draws.py (moto's randomness) and clock.py (moto's clock) each
keep one.

Recording and replaying are per thread, so requests running at the same time neither see nor
disturb a change's values. A replay that asks for a value unlike the recorded one (moto changed
between the two runs) has diverged: it gets fresh values from the source from there on.
"""
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Script:
    """The values to hand back while one change is replayed."""

    def __init__(self, values: list[Any]) -> None:
        self.values = values
        self.position = 0
        self.diverged = False

    def take(self, fits: Callable[[Any], bool]) -> Any | None:
        """The next value if it `fits`; otherwise None, and None from then on."""
        if self.diverged or self.position >= len(self.values):
            return None
        value = self.values[self.position]
        self.position += 1
        if not fits(value):
            self.diverged = True
            return None
        return value


class Tape:
    """Per-thread recording and replaying of the values a source gives."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextmanager
    def recording(self) -> Iterator[list[Any]]:
        """Collect this thread's values inside the block into the list yielded."""
        values: list[Any] = []
        self._local.record = values
        try:
            yield values
        finally:
            self._local.record = None

    @contextmanager
    def replaying(self, values: list[Any]) -> Iterator[Script]:
        """Hand `values` back, in order, to this thread inside the block."""
        script = Script(values)
        self._local.script = script
        try:
            yield script
        finally:
            self._local.script = None

    def replayed(self, fits: Callable[[Any], bool]) -> Any | None:
        """The value a replay hands back now, or None (not replaying, or diverged)."""
        script: Script | None = getattr(self._local, "script", None)
        return script.take(fits) if script is not None else None

    def keep(self, value: Any) -> None:
        """Note a value the source gave, if this thread is recording."""
        record: list[Any] | None = getattr(self._local, "record", None)
        if record is not None:
            record.append(value)
