"""Typed confirmation before deleting something: the name typed again, exactly."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from webapp.aws.errors import ConsoleError
from webapp.views.rendering import error_text


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


def confirmed_delete(form: Mapping[str, str], expected: str, mismatch: str,
                     delete: Callable[[], object]) -> ConfirmNameForm | None:
    """Delete once the typed name is `expected`: None when done, else the form with the
    mismatch beside the field or AWS's refusal under it."""
    parsed = parse_confirm_name(form, expected, mismatch)
    if parsed.errors:
        return parsed
    try:
        delete()
    except ConsoleError as err:
        parsed.errors["form"] = error_text(err)
        return parsed
    return None
