"""Whole numbers typed into forms and URLs: ASCII digits only, never Unicode digits like "²"."""
from __future__ import annotations

# Longer text is not a number any of our forms accepts; it is never handed to int().
MAX_DIGITS = 12
_ASCII_DIGITS = frozenset("0123456789")


def parse_whole_number(raw: str | None, low: int, high: int) -> int | None:
    """`raw` (surrounding spaces allowed) as an int from `low` to `high`, or None.

    Only ASCII digits count: str.isdigit() also accepts "²" or "١", which int() then refuses or
    reads as another number.
    """
    text = (raw or "").strip()
    if not text or len(text) > MAX_DIGITS or not set(text) <= _ASCII_DIGITS:
        return None
    number = int(text)
    return number if low <= number <= high else None
