"""Typed confirmation before deleting something: the name typed again, exactly."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class ConfirmNameForm:
    """A delete confirmation: what the user typed, and the error beside it."""

    confirm_name: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def parse_confirm_name(form: Mapping[str, str], expected: str, mismatch: str) -> ConfirmNameForm:
    """The typed name; `mismatch` (already translated) goes beside it unless it is `expected`."""
    parsed = ConfirmNameForm(confirm_name=form.get("confirm_name", "").strip())
    if parsed.confirm_name != expected:
        parsed.errors["confirm_name"] = mismatch
    return parsed
