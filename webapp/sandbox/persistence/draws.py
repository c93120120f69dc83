"""Recorded randomness, so a replayed change makes the same ids as the first time.

moto draws every id it makes (API Gateway ids, IAM role and policy ids, Lambda revision ids,
access keys) from one generator, `moto.moto_api._internal.mock_random`. Every id is built from
that generator's two primitives, `random()` and `getrandbits(k)`, so recording what those two
returned while a change ran, and handing the same values back while it is replayed, gives the
change the same ids again: an API's stage URL survives a restart.

The draws are kept on a per-thread tape (tape.py); a replay that asks for another kind of draw
than was recorded gets fresh random values from there on, and counts as diverged.
"""
from moto.moto_api._internal import mock_random
from moto.moto_api._internal.moto_random import MotoRandom

from webapp.sandbox.persistence.tape import Tape

# One draw: a float from random(), or [k, value] from getrandbits(k).
Draw = float | list[int]

_tape = Tape()
# Collect this thread's draws: `with recording() as draws:`.
recording = _tape.recording
# Hand draws back to this thread: `with replaying(draws) as script:`; `script.diverged` after.
replaying = _tape.replaying


class _RecordingRandom(MotoRandom):
    """moto's generator, recording or replaying draws for the thread that asks it to."""

    def random(self) -> float:
        value = _tape.replayed(lambda draw: isinstance(draw, float))
        if value is None:
            value = super().random()
            _tape.keep(value)
        return float(value)

    def getrandbits(self, k: int) -> int:
        draw = _tape.replayed(lambda draw: isinstance(draw, list) and len(draw) == 2
                              and draw[0] == k)
        if draw is not None:
            return int(draw[1])
        value = super().getrandbits(k)
        _tape.keep([k, value])
        return value


def install() -> None:
    """Make moto's generator recordable; idempotent."""
    if not isinstance(mock_random, _RecordingRandom):
        mock_random.__class__ = _RecordingRandom
