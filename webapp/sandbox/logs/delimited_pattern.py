"""Space-delimited filter patterns: `[ip, user, ..., status = 4* || status = 5*, bytes > 1000]`.

A message is cut into fields at spaces; text in double quotes or square brackets is one field
(compared without its quotes or brackets). Each named field of the pattern takes one field of
the message, in order, and `...` takes any number (none included); without `...` the counts
must be equal. A field may carry conditions on its own value: `name op value`, joined with
`&&` and `||` (`&&` first), where later conditions may repeat the name.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from webapp.sandbox.logs.pattern_values import (Comparison, FilterPatternError, Token, comparison,
                                                tokens)

ELLIPSIS = "..."
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Field:
    """One named field of the pattern; `any_of` lists alternatives, each a list of tests."""

    name: str
    any_of: tuple[tuple[Comparison, ...], ...] = ()

    def accepts(self, value: str) -> bool:
        """Whether the message field `value` meets this field's conditions."""
        if not self.any_of:
            return True
        return any(all(test.test_string(value) for test in group) for group in self.any_of)


def compile_delimited(pattern: str) -> Callable[[str], bool]:
    """A matcher for `pattern`, which starts with `[`."""
    if not pattern.endswith("]"):
        raise FilterPatternError("Unbalanced brackets in space-delimited filter pattern")
    fields: list[Field | str] = []
    names: set[str] = set()
    for text in _top_level_parts(pattern[1:-1]):
        field = _field(text)
        if isinstance(field, Field):
            if field.name in names:
                raise FilterPatternError(f"Duplicate field name '{field.name}'")
            names.add(field.name)
        fields.append(field)

    def matches(message: str) -> bool:
        return _fits(fields, message_fields(message))

    return matches


def message_fields(message: str) -> list[str]:
    """A message's space-delimited fields; quoted and bracketed text counts as one field."""
    fields: list[str] = []
    position, end = 0, len(message)
    while position < end:
        char = message[position]
        if char.isspace():
            position += 1
            continue
        if char in '"[':
            close = message.find('"' if char == '"' else "]", position + 1)
            # A group counts only when it ends the field ("GET /" yes, "WARN", no).
            if close >= 0 and (close + 1 == end or message[close + 1].isspace()):
                fields.append(message[position + 1:close])
                position = close + 1
                continue
        start = position
        while position < end and not message[position].isspace():
            position += 1
        fields.append(message[start:position])
    return fields


def _fits(pattern: list[Field | str], values: list[str]) -> bool:
    def fits_from(field_index: int, value_index: int) -> bool:
        if field_index == len(pattern):
            return value_index == len(values)
        field = pattern[field_index]
        if field == ELLIPSIS:
            return any(fits_from(field_index + 1, start)
                       for start in range(value_index, len(values) + 1))
        if value_index == len(values):
            return False
        return (field.accepts(values[value_index])  # type: ignore[union-attr]
                and fits_from(field_index + 1, value_index + 1))

    return fits_from(0, 0)


def _top_level_parts(inside: str) -> list[str]:
    """The comma-separated parts, commas inside quotes or %regex% not counting."""
    parts: list[str] = []
    current: list[str] = []
    closer: str | None = None
    for char in inside:
        if closer is not None:
            current.append(char)
            if char == closer:
                closer = None
        elif char in '"%':
            closer = char
            current.append(char)
        elif char == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if closer is not None:
        what = "quotes" if closer == '"' else "'%'"
        raise FilterPatternError(f"Unbalanced {what} in space-delimited filter pattern")
    parts.append("".join(current))
    return [part.strip() for part in parts]


def _field(text: str) -> Field | str:
    if text == ELLIPSIS:
        return ELLIPSIS
    if not text:
        raise FilterPatternError("Empty field in space-delimited filter pattern")
    items = list(tokens(text))
    name = items[0].text
    if items[0].kind != "word" or not NAME.fullmatch(name):
        raise FilterPatternError(f"Invalid field name '{name}'")
    groups: list[list[Comparison]] = [[]]
    position = 1
    while position < len(items):
        if position > 1:
            joiner = items[position]
            if joiner.kind not in ("&&", "||"):
                raise FilterPatternError(f"Unexpected '{joiner.text}' in field '{text}'")
            if joiner.kind == "||":
                groups.append([])
            position += 1
            if position < len(items) and items[position].kind == "word":
                if items[position].text != name:
                    raise FilterPatternError(f"Condition on '{items[position].text}' inside "
                                             f"field '{name}'")
                position += 1
        op, value = _pair(items, position, text)
        groups[-1].append(comparison(op.text, value))
        position += 2
    conditions = tuple(tuple(group) for group in groups if group)
    return Field(name, conditions)


def _pair(items: list[Token], position: int, text: str) -> tuple[Token, Token]:
    if position + 1 >= len(items) or items[position].kind != "op":
        raise FilterPatternError(f"Expected 'operator value' in field '{text}'")
    return items[position], items[position + 1]
