"""Recorded randomness, so a replayed change makes the same ids as the first time.

moto draws every id it makes (API Gateway ids, IAM role and policy ids, Lambda revision ids,
access keys) from one generator, `moto.moto_api._internal.mock_random`. Every id is built from
that generator's two primitives, `random()` and `getrandbits(k)`, so recording what those two
returned while a change ran, and handing the same values back while it is replayed, gives the
change the same ids again: an API's stage URL survives a restart.

Recording and replaying are per thread: other requests running at the same time draw from the
real generator and neither see nor disturb a change's draws. If a replayed change asks for a
draw of another kind than was recorded (moto changed between the two runs), it gets a fresh
random value from there on, and the replay counts the change as diverged.
"""
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from moto.moto_api._internal import mock_random
from moto.moto_api._internal.moto_random import MotoRandom

# One draw: a float from random(), or [k, value] from getrandbits(k).
Draw = float | list[int]

_local = threading.local()


class _Script:
    """Draws to hand back, in order, while one change is replayed."""

    def __init__(self, draws: list[Draw]) -> None:
        self.draws = draws
        self.position = 0
        self.diverged = False

    def next_float(self) -> float | None:
        draw = self._next()
        if isinstance(draw, float):
            return draw
        self._diverge()
        return None

    def next_bits(self, k: int) -> int | None:
        draw = self._next()
        if isinstance(draw, list) and len(draw) == 2 and draw[0] == k:
            return int(draw[1])
        self._diverge()
        return None

    def _next(self) -> Draw | None:
        if self.diverged or self.position >= len(self.draws):
            return None
        draw = self.draws[self.position]
        self.position += 1
        return draw

    def _diverge(self) -> None:
        self.diverged = True


class _RecordingRandom(MotoRandom):
    """moto's generator, recording or replaying draws for the thread that asks it to."""

    def random(self) -> float:
        script: _Script | None = getattr(_local, "script", None)
        if script is not None:
            value = script.next_float()
            if value is not None:
                return value
        value = super().random()
        record: list[Draw] | None = getattr(_local, "record", None)
        if record is not None:
            record.append(value)
        return value

    def getrandbits(self, k: int) -> int:
        script: _Script | None = getattr(_local, "script", None)
        if script is not None:
            value = script.next_bits(k)
            if value is not None:
                return value
        value = super().getrandbits(k)
        record: list[Draw] | None = getattr(_local, "record", None)
        if record is not None:
            record.append([k, value])
        return value


def install() -> None:
    """Make moto's generator recordable; idempotent."""
    if not isinstance(mock_random, _RecordingRandom):
        mock_random.__class__ = _RecordingRandom


@contextmanager
def recording() -> Iterator[list[Draw]]:
    """Collect the draws this thread makes inside the block into the list yielded."""
    draws: list[Draw] = []
    _local.record = draws
    try:
        yield draws
    finally:
        _local.record = None


@contextmanager
def replaying(draws: list[Draw]) -> Iterator[_Script]:
    """Hand `draws` back, in order, to this thread's draws inside the block."""
    script = _Script(draws)
    _local.script = script
    try:
        yield script
    finally:
        _local.script = None
