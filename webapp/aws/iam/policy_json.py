"""JSON with positions: where each value and object key of a document starts (line and column).

Pure stdlib. `parse_with_positions(text)` first decodes with `json.loads` (so syntax errors carry
the standard library's message, line and column), then walks the same text once more with a small
recursive scanner built on `json.decoder.scanstring` and `json.scanner.NUMBER_RE` to note where
every value starts. Positions are keyed by path: ("Statement", 0, "Action", 1).
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from json.scanner import NUMBER_RE

Path = tuple[str | int, ...]

_WHITESPACE = re.compile(r"[ \t\n\r]*")


class InvalidJSON(ValueError):
    """The text is not JSON; `message` is the standard library's English wording."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Positions:
    """Offsets of values and keys by path, with line/column lookup."""

    text: str
    values: dict[Path, int] = field(default_factory=dict)
    keys: dict[Path, int] = field(default_factory=dict)
    duplicate_keys: list[Path] = field(default_factory=list)
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\n", self.text)]

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def of_value(self, path: Path) -> tuple[int, int] | None:
        """Line and column where the value at `path` starts, or None if there is no such value."""
        offset = self.values.get(tuple(path))
        return self.line_column(offset) if offset is not None else None

    def of_key(self, path: Path) -> tuple[int, int] | None:
        """Line and column of the object key naming `path` (falls back to the value's position)."""
        offset = self.keys.get(tuple(path))
        if offset is None:
            return self.of_value(path)
        return self.line_column(offset)


def _reject_constant(name: str) -> None:
    raise ValueError(name)


def parse_with_positions(text: str) -> tuple[object, Positions]:
    """Decode `text` as strict JSON and note where each value starts.

    Raises InvalidJSON (message, 1-based line and column) when the text is not JSON, including
    NaN/Infinity, which JSON does not allow.
    """
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InvalidJSON(exc.msg, exc.lineno, exc.colno) from None
    except ValueError as exc:
        offset = text.find(str(exc))
        line, column = Positions(text).line_column(max(offset, 0))
        raise InvalidJSON(f"{exc} is not allowed in JSON", line, column) from None
    except RecursionError:
        raise InvalidJSON("Nested too deeply", 1, 1) from None
    positions = Positions(text)
    try:
        _scan(text, 0, (), positions)
    except RecursionError:
        raise InvalidJSON("Nested too deeply", 1, 1) from None
    return value, positions


def _skip(text: str, pos: int) -> int:
    return _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]


def _scan(text: str, pos: int, path: Path, out: Positions) -> int:
    """Record positions of the value starting at or after `pos`; return the offset after it."""
    pos = _skip(text, pos)
    out.values[path] = pos
    char = text[pos]
    if char == "{":
        pos = _skip(text, pos + 1)
        if text[pos] == "}":
            return pos + 1
        seen: set[str] = set()
        while True:
            key_start = _skip(text, pos)
            key, pos = scanstring(text, key_start + 1)
            child = (*path, key)
            if key in seen:
                out.duplicate_keys.append(child)
            seen.add(key)
            out.keys[child] = key_start
            pos = _skip(text, pos) + 1  # the colon
            pos = _skip(text, _scan(text, pos, child, out))
            if text[pos] == "}":
                return pos + 1
            pos += 1  # the comma
    if char == "[":
        pos = _skip(text, pos + 1)
        if text[pos] == "]":
            return pos + 1
        index = 0
        while True:
            pos = _skip(text, _scan(text, pos, (*path, index), out))
            index += 1
            if text[pos] == "]":
                return pos + 1
            pos += 1
    if char == '"':
        return scanstring(text, pos + 1)[1]
    for literal in ("true", "false", "null"):
        if text.startswith(literal, pos):
            return pos + len(literal)
    match = NUMBER_RE.match(text, pos)
    if match is None:  # json.loads accepted it, so this cannot happen
        raise InvalidJSON("Unexpected value", *out.line_column(pos))
    return match.end()
