"""JSON filter patterns: `{ $.level = "ERROR" && ($.latency > 500 || $.user.id NOT EXISTS) }`.

Selectors are `$` followed by `.name` and `[index]` steps. A comparison is `selector op value`
(op one of = != < > <= >=; numbers compare only with JSON numbers, strings and `*` wildcards
only with JSON strings, `%regex%` searches a string), or `selector IS NULL / IS TRUE / IS FALSE`,
or `selector NOT EXISTS`. `&&` binds tighter than `||`; parentheses group. A comparison on a
field that is not there is false (NOT EXISTS aside), and a message that is not a JSON object
never matches.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from webapp.sandbox.logs.pattern_values import (Comparison, FilterPatternError, Token, comparison,
                                                tokens)

Test = Callable[[Any], bool]
MISSING = object()
SELECTOR = re.compile(r"\$((?:\.[^.\[\]\s]+|\[\d+\])*)")
STEP = re.compile(r"\.([^.\[\]\s]+)|\[(\d+)\]")


def compile_json(pattern: str) -> Callable[[str], bool]:
    """A matcher for `pattern`, which starts with `{`."""
    if not pattern.endswith("}"):
        raise FilterPatternError("Unbalanced braces in JSON filter pattern")
    parser = _Parser(list(tokens(pattern[1:-1])))
    test = parser.expression()
    if parser.position < len(parser.tokens):
        raise FilterPatternError(f"Unexpected '{parser.tokens[parser.position].text}' "
                                 "in JSON filter pattern")

    def matches(message: str) -> bool:
        text = message.lstrip()
        if not text.startswith("{"):  # only a JSON object can match
            return False
        try:
            document = json.loads(text)
        except ValueError:
            return False
        return test(document)

    return matches


def select(document: Any, steps: tuple[str | int, ...]) -> Any:
    """The value at `steps` inside `document`, or MISSING."""
    value = document
    for step in steps:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return MISSING
        elif not isinstance(value, dict) or step not in value:
            return MISSING
        value = value[step]
    return value


def _steps(selector: str) -> tuple[str | int, ...]:
    match = SELECTOR.fullmatch(selector)
    if match is None or not match.group(1):
        raise FilterPatternError(f"Invalid selector '{selector}'")
    return tuple(int(index) if index else name for name, index in STEP.findall(match.group(1)))


def _compare(steps: tuple[str | int, ...], test: Comparison) -> Test:
    def compared(document: Any) -> bool:
        value = select(document, steps)
        if isinstance(value, bool) or value is MISSING or value is None:
            return False
        if isinstance(value, (int, float)):
            return test.test_number(float(value))
        if isinstance(value, str):  # a JSON string never compares as a number
            return test.kind != "number" and test.test_string(value)
        return False

    return compared


def _is(steps: tuple[str | int, ...], expected: object) -> Test:
    return lambda document: select(document, steps) is expected


def _not_exists(steps: tuple[str | int, ...]) -> Test:
    return lambda document: select(document, steps) is MISSING


class _Parser:
    """Recursive descent over the tokens between the braces."""

    def __init__(self, items: list[Token]) -> None:
        self.tokens = items
        self.position = 0

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise FilterPatternError("Unexpected end of JSON filter pattern")
        self.position += 1
        return token

    def expression(self) -> Test:
        alternatives = [self.conjunction()]
        while (token := self.peek()) is not None and token.kind == "||":
            self.position += 1
            alternatives.append(self.conjunction())
        if len(alternatives) == 1:
            return alternatives[0]
        return lambda document: any(test(document) for test in alternatives)

    def conjunction(self) -> Test:
        parts = [self.term()]
        while (token := self.peek()) is not None and token.kind == "&&":
            self.position += 1
            parts.append(self.term())
        if len(parts) == 1:
            return parts[0]
        return lambda document: all(test(document) for test in parts)

    def term(self) -> Test:
        token = self.take()
        if token.kind == "(":
            inner = self.expression()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise FilterPatternError("Unbalanced parentheses in JSON filter pattern")
            self.position += 1
            return inner
        if token.kind == ")":
            raise FilterPatternError("Unbalanced parentheses in JSON filter pattern")
        if token.kind != "word" or not token.text.startswith("$"):
            raise FilterPatternError(f"Expected a selector such as $.key, found '{token.text}'")
        steps = _steps(token.text)
        follow = self.take()
        if follow.kind == "op":
            return _compare(steps, comparison(follow.text, self.take()))
        if follow.kind == "word" and follow.text == "IS":
            what = self.take().text
            if what not in {"NULL", "TRUE", "FALSE"}:
                raise FilterPatternError(f"Expected NULL, TRUE or FALSE after IS, found '{what}'")
            return _is(steps, {"NULL": None, "TRUE": True, "FALSE": False}[what])
        if follow.kind == "word" and follow.text == "NOT":
            what = self.take().text
            if what != "EXISTS":
                raise FilterPatternError(f"Expected EXISTS after NOT, found '{what}'")
            return _not_exists(steps)
        raise FilterPatternError(f"Expected an operator after '{token.text}', "
                                 f"found '{follow.text}'")
