"""Recorded clock readings, so a replayed change gets the creation dates it first got.

moto dates what it makes through `moto.core.utils.utcnow()` (tables, functions, roles, log
groups, DynamoDB stream labels, which are ids) and, in API Gateway, `time.time()`. While a change
is recorded, what those return on its thread is kept with it; while it is replayed, the same
values are handed back in order. Any other clock reading falls back to freezegun's frozen clock,
set to when the change arrived, which is within the time a request takes.

Like draws.py, this is per thread, and a replay asking for readings of another kind than were
recorded gets the frozen clock from there on.
"""
import sys
import threading
import time as real_time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import ModuleType
from typing import Any

import moto.core.utils

# One reading: ["u", ISO text] from utcnow(), or ["t", seconds] from time.time().
Reading = list[Any]
# Services whose models date things with time.time() rather than utcnow().
TIME_MODULE_USERS = ("moto.apigateway.models",)
# Imported before patching, so every module that took its own `utcnow` name is found.
MODELS = ("moto.apigateway.models", "moto.awslambda.models", "moto.cloudwatch.models",
          "moto.dynamodb.models", "moto.iam.models", "moto.logs.models", "moto.s3.models",
          "moto.sts.models")

_local = threading.local()
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


@contextmanager
def recording() -> Iterator[list[Reading]]:
    """Collect this thread's readings inside the block into the list yielded."""
    readings: list[Reading] = []
    _local.record = readings
    try:
        yield readings
    finally:
        _local.record = None


@contextmanager
def replaying(readings: list[Reading]) -> Iterator[None]:
    """Hand `readings` back, in order, to this thread's readings inside the block."""
    _local.script = list(reversed(readings))
    try:
        yield
    finally:
        _local.script = None


def _next(kind: str) -> Any:
    script: list[Reading] | None = getattr(_local, "script", None)
    if not script:
        return None
    reading = script.pop()
    if not isinstance(reading, list) or len(reading) != 2 or reading[0] != kind:
        script.clear()  # diverged: the frozen clock from here on
        return None
    return reading[1]


def _keep(kind: str, value: Any) -> None:
    record: list[Reading] | None = getattr(_local, "record", None)
    if record is not None:
        record.append([kind, value])


def _utcnow() -> datetime:
    replayed = _next("u")
    if replayed is not None:
        return datetime.fromisoformat(replayed)
    assert _original_utcnow is not None
    value = _original_utcnow()
    _keep("u", value.isoformat())
    return value


class _TimeModule(ModuleType):
    """The `time` module as a model module sees it, with time() recorded and replayed."""

    def __init__(self) -> None:
        super().__init__("time")

    def __getattr__(self, name: str) -> Any:
        return getattr(real_time, name)

    @staticmethod
    def time() -> float:
        replayed = _next("t")
        if replayed is not None:
            return float(replayed)
        value = real_time.time()
        _keep("t", value)
        return value
