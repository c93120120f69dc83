"""Regexes from requests, run by RE2: time linear in the text, whatever the pattern.

Used by CloudWatch Logs filter patterns and API Gateway's selectionPattern.

Python's re backtracks: `%a*a*a*a*a*a*a*b%` took a second on a 40-character message, doubling
with each character more, and FilterLogEvents runs a pattern over every event of a log group.
The `*` wildcards of quoted strings ("*a*a*a*b", matched against a whole JSON or delimited
field) backtrack the same way once they are a regex. RE2 (google-re2) never backtracks.
CloudWatch's regex syntax has no parentheses, so no groups, lookarounds or backreferences, the
constructs where the two engines part ways.

A regex is still compiled by Python's re first, so what it refused before, and the message
saying why, stays the same; RE2 refuses a little more (repeat counts over 1000, regexes whose
automaton would need more than RE2's memory budget) and its reason is passed on.

One difference is bridged: Python's `$` also matches just before a final newline, RE2's only at
the very end, and Lambda's log lines end with one. A message ending in a newline is therefore
also searched without it, which is what Python's `$` amounts to.
"""
from __future__ import annotations

import re

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused regex is the caller's error, not the sandbox's log line
_OPTIONS.never_capture = True  # only "does it match" is asked


class RegexError(ValueError):
    """A regex one of the engines refuses; str() says why."""


class LinearRegex:
    """A compiled regex: `found_in(text)` runs in time linear in `text`."""

    __slots__ = ("pattern", "_compiled", "_dollar_before_newline")

    def __init__(self, pattern: str, *, dollar_before_newline: bool) -> None:
        """Compile `pattern` with RE2 (RegexError if it refuses); see `term` and `wildcard`.

        `dollar_before_newline`: let `$` match before a final newline too, as Python's does.
        """
        try:
            self._compiled = re2.compile(pattern, _OPTIONS)
        except re2.error as error:
            reason = error.args[0] if error.args else ""
            raise RegexError(reason.decode(errors="replace") if isinstance(reason, bytes)
                             else str(reason)) from None
        self.pattern = pattern
        self._dollar_before_newline = dollar_before_newline

    @classmethod
    def term(cls, pattern: str) -> LinearRegex:
        """A `%regex%` term's pattern, refused (RegexError) if Python's re or RE2 refuses it."""
        try:
            re.compile(pattern)
        except re.error as error:
            raise RegexError(str(error)) from None
        return cls(pattern, dollar_before_newline=True)

    @classmethod
    def whole(cls, pattern: str) -> LinearRegex:
        """Matches texts that `pattern` matches whole, `.` crossing newlines (Java's
        String.matches with DOTALL, as API Gateway's selectionPattern is applied)."""
        return cls(rf"(?s)\A(?:{pattern})\z", dollar_before_newline=False)

    @classmethod
    def wildcard(cls, text: str) -> LinearRegex:
        """Matches the whole of a text that is `text` with each `*` standing for any run."""
        body = ".*".join(re2.escape(part) for part in text.split("*"))
        return cls(rf"(?s)\A{body}\z", dollar_before_newline=False)

    def found_in(self, text: str) -> bool:
        """Whether the regex matches anywhere in `text`, as re.search would say."""
        if self._compiled.search(text) is not None:
            return True
        return (self._dollar_before_newline and text.endswith("\n")
                and self._compiled.search(text[:-1]) is not None)

    def __repr__(self) -> str:
        return f"LinearRegex({self.pattern!r})"
