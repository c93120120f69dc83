"""Effects: state the sandbox itself writes, outside any request that could be replayed.

An invocation's log events and metrics, and API Gateway's execution and access logs, are written
by the sandbox straight into moto's backends. A function decorated with `@effect("kind")` does
such a write; called with keyword arguments (plain JSON values), it runs and, when a journal is
listening, is journaled as `{"effect": kind, "args": {...}}`, so a replay calls it again with the
same arguments.
"""
import functools
from collections.abc import Callable
from typing import Any

Apply = Callable[..., None]
# Runs one effect and journals it: sink(kind, args, apply).
Sink = Callable[[str, dict[str, Any], Apply], None]

_appliers: dict[str, Apply] = {}
_sink: Sink | None = None


def effect(kind: str) -> Callable[[Apply], Apply]:
    """Decorator: a write journaled under `kind`; call it with keyword arguments only."""
    def register(apply: Apply) -> Apply:
        if kind in _appliers:
            raise ValueError(f"effect {kind!r} is already registered")
        _appliers[kind] = apply

        @functools.wraps(apply)
        def journaled(**args: Any) -> None:
            sink = _sink
            if sink is None:
                apply(**args)
            else:
                sink(kind, args, apply)

        return journaled

    return register


def applier(kind: str) -> Apply | None:
    """The function that performs effects of `kind`, for replay."""
    return _appliers.get(kind)


def listen(sink: Sink | None) -> None:
    """Send every effect through `sink` from now on (None: just perform them)."""
    global _sink
    _sink = sink
