"""Recorded clock readings, so a replayed change gets the creation dates it first got.

moto dates what it makes through `moto.core.utils.utcnow()` (tables, functions, roles, log
groups, DynamoDB stream labels, which are ids) and, in API Gateway, `time.time()`. While a change
is recorded, what those return on its thread is kept with it; while it is replayed, the same
values are handed back in order. Any other clock reading falls back to freezegun's frozen clock,
set to when the change arrived, which is within the time a request takes.

Like draws.py, the readings are kept on a per-thread tape (tape.py); a replay asking for
readings of another kind than were recorded gets the frozen clock from there on.
"""
import sys
import time as real_time
from collections.abc import Callable
from datetime import datetime
from types import ModuleType
from typing import Any

import moto.core.utils

from webapp.sandbox.persistence.tape import Tape

# One reading: ["u", ISO text] from utcnow(), or ["t", seconds] from time.time().
Reading = list[Any]
# Services whose models date things with time.time() rather than utcnow().
TIME_MODULE_USERS = ("moto.apigateway.models",)
# Imported before patching, so every module that took its own `utcnow` name is found.
MODELS = ("moto.apigateway.models", "moto.awslambda.models", "moto.cloudwatch.models",
          "moto.dynamodb.models", "moto.iam.models", "moto.logs.models", "moto.s3.models",
          "moto.sts.models")

_tape = Tape()
# Collect this thread's readings: `with recording() as readings:`.
recording = _tape.recording
# Hand readings back to this thread: `with replaying(readings):`.
replaying = _tape.replaying
_original_utcnow: Callable[[], datetime] | None = None


def install() -> None:
    """Route moto's clock readings through here; idempotent."""
    global _original_utcnow
    if _original_utcnow is not None:
        return
    for name in MODELS:
        __import__(name)
    _original_utcnow = moto.core.utils.utcnow
    for module in list(sys.modules.values()):
        if (getattr(module, "__name__", "").startswith("moto.")
                and getattr(module, "utcnow", None) is _original_utcnow):
            module.utcnow = _utcnow  # type: ignore[attr-defined]
    for name in TIME_MODULE_USERS:
        sys.modules[name].time = _TimeModule()  # type: ignore[attr-defined]


def _replayed(kind: str) -> Any | None:
    reading = _tape.replayed(lambda value: isinstance(value, list) and len(value) == 2
                             and value[0] == kind)
    return reading[1] if reading is not None else None


def _utcnow() -> datetime:
    replayed = _replayed("u")
    if replayed is not None:
        return datetime.fromisoformat(replayed)
    assert _original_utcnow is not None
    value = _original_utcnow()
    _tape.keep(["u", value.isoformat()])
    return value


class _TimeModule(ModuleType):
    """The `time` module as a model module sees it, with time() recorded and replayed."""

    def __init__(self) -> None:
        super().__init__("time")

    def __getattr__(self, name: str) -> Any:
        return getattr(real_time, name)

    @staticmethod
    def time() -> float:
        replayed = _replayed("t")
        if replayed is not None:
            return float(replayed)
        value = real_time.time()
        _tape.keep(["t", value])
        return value
