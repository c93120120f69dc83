"""What JSON and space-delimited filter patterns compare with: strings, numbers, regexes, and
the lexer that reads them.

A value in a pattern is a quoted string ("*html*", `*` matching any run of characters), a bare
word (the same, unquoted: 4*, UpdateTrail), a number (200, -1.5, 1e3) or a regex (%ERR[0-9]+%).
Strings must match the whole field (with `*` as the only wildcard); a regex matches anywhere in
it, as AWS's `%...%` does, in time linear in the field (../linear_regex.py); numbers compare as
numbers and only with numeric fields.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from webapp.sandbox.linear_regex import LinearRegex, RegexError

NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# AWS: regexes may hold alphanumerics, the symbols _ # = @ / ; , - : and the operators
# ^ $ ? [ ] { } | \ * + . ; not ( or ), and no multi-byte characters.
REGEX_CHARACTERS = re.compile(r"[A-Za-z0-9_#=@/;,\-:^$?\[\]{}|\\*+. ]*")
NUMERIC_OPERATORS = frozenset({"<", ">", "<=", ">="})
OPERATORS = ("!=", "<=", ">=", "=", "<", ">")


class FilterPatternError(ValueError):
    """A filter pattern CloudWatch Logs would refuse; str() is AWS's kind of message."""


@dataclass(frozen=True, slots=True)
class Token:
    """One lexeme: kind is op, (, ), &&, ||, string, regex or word; text is what it says."""

    kind: str
    text: str


def compile_regex(body: str) -> LinearRegex:
    """The regex between a `%...%` pair, checked against what AWS allows."""
    if not body or not REGEX_CHARACTERS.fullmatch(body):
        raise FilterPatternError(f"Invalid character(s) in regex '%{body}%'")
    try:
        return LinearRegex.term(body)
    except RegexError as error:
        raise FilterPatternError(f"Invalid regex '%{body}%': {error}") from None


@lru_cache(maxsize=512)
def wildcard(text: str) -> LinearRegex:
    """A regex matching the whole of a string where `*` stands for any run of characters."""
    return LinearRegex.wildcard(text)


@dataclass(frozen=True, slots=True)
class Comparison:
    """`op value`: kind "number" (value a float), "string" (a wildcard text) or "regex"."""

    op: str
    kind: str
    value: float | str | LinearRegex

    def test_string(self, field: str) -> bool:
        """Compare a text field (a JSON string, or a space-delimited field)."""
        if self.kind == "number":
            number = as_number(field)
            return number is not None and self.test_number(number)
        if self.kind == "regex":
            found = self.value.found_in(field)  # type: ignore[union-attr]
        else:
            found = wildcard(self.value).found_in(field)  # type: ignore[arg-type]
        return found if self.op == "=" else not found

    def test_number(self, field: float) -> bool:
        """Compare a numeric field."""
        if self.kind != "number":
            return self.op == "!="
        value = float(self.value)  # type: ignore[arg-type]
        return {"=": field == value, "!=": field != value, "<": field < value,
                ">": field > value, "<=": field <= value, ">=": field >= value}[self.op]


def as_number(text: str) -> float | None:
    """The number a field spells, or None."""
    return float(text) if NUMBER.fullmatch(text.strip()) else None


def comparison(op: str, token: Token) -> Comparison:
    """`op` applied to the value `token`; numeric operators need a number."""
    if token.kind == "regex":
        kind, value = "regex", compile_regex(token.text)
    elif token.kind == "word" and NUMBER.fullmatch(token.text):
        kind, value = "number", float(token.text)
    elif token.kind in ("word", "string"):
        kind, value = "string", token.text
    else:
        raise FilterPatternError(f"Expected a value after '{op}', found '{token.text}'")
    if op in NUMERIC_OPERATORS and kind != "number":
        raise FilterPatternError(f"Operator '{op}' needs a number, found '{token.text}'")
    if kind != "number" and op not in ("=", "!="):
        raise FilterPatternError(f"Invalid operator '{op}'")
    return Comparison(op, kind, value)


WORD_END = set(" \t\r\n(){}[]\"&|=!<>,%")
SELECTOR_END = WORD_END - set("[]")  # $.a[0].b is one word


def tokens(text: str) -> Iterator[Token]:
    """The lexemes of a JSON or space-delimited pattern's inside."""
    position, end = 0, len(text)
    while position < end:
        char = text[position]
        if char.isspace():
            position += 1
        elif text.startswith(("&&", "||"), position):
            yield Token(text[position:position + 2], text[position:position + 2])
            position += 2
        elif char in "()":
            yield Token(char, char)
            position += 1
        elif char in "=!<>":
            op = next((op for op in OPERATORS if text.startswith(op, position)), None)
            if op is None:
                raise FilterPatternError(f"Invalid operator '{char}'")
            yield Token("op", op)
            position += len(op)
        elif char == '"':
            text_value, position = quoted(text, position)
            yield Token("string", text_value)
        elif char == "%":
            close = text.find("%", position + 1)
            if close < 0:
                raise FilterPatternError(f"Unbalanced '%' in regex '{text[position:]}'")
            yield Token("regex", text[position + 1:close])
            position = close + 1
        else:
            start = position
            stops = SELECTOR_END if char == "$" else WORD_END
            while position < end and text[position] not in stops:
                position += 1
            if position == start:
                raise FilterPatternError(f"Invalid character(s) in term '{char}'")
            yield Token("word", text[start:position])


def quoted(text: str, start: int) -> tuple[str, int]:
    """The string in double quotes at text[start] (\\" and \\\\ escape), and where it ends."""
    out: list[str] = []
    position = start + 1
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            out.append(text[position + 1])
            position += 2
        elif char == '"':
            return "".join(out), position + 1
        else:
            out.append(char)
            position += 1
    raise FilterPatternError(f"Unbalanced quotes in term '{text[start:]}'")
