"""`*` and `?` in policies: `*` any run of characters (none included), `?` exactly one.

IAM User Guide, "IAM JSON policy elements: Action": action prefixes and names are
case-insensitive; Resource values and String/Arn condition values are case-sensitive. A pattern
is kept as its characters, each marked literal or not, so that characters filled in from a
policy variable (see variables.py) match only themselves even when they are `*` or `?`.
"""
from __future__ import annotations

import functools
import re

# Each character of a pattern, and whether it is literal (never a wildcard).
Pattern = tuple[tuple[str, bool], ...]

ANY_RUN = "*"
ANY_ONE = "?"
WILDCARDS = (ANY_RUN, ANY_ONE)
COMPILED_CACHED = 4096


def plain(text: str) -> Pattern:
    """A pattern as written in a policy, wildcards and all."""
    return tuple((char, False) for char in text)


def text_of(pattern: Pattern) -> str:
    """The pattern's characters as a string."""
    return "".join(char for char, _ in pattern)


def has_wildcard(text: str) -> bool:
    """Whether `text`, as written in a policy, holds a `*` or `?`."""
    return any(wildcard in text for wildcard in WILDCARDS)


@functools.lru_cache(maxsize=COMPILED_CACHED)
def glob(pattern: Pattern, ignore_case: bool = False) -> re.Pattern[str]:
    """`*` any characters, `?` any one character; use with `fullmatch`."""
    translated = "".join(regex_of(char, literal, ".*", ".") for char, literal in pattern)
    return re.compile(translated, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def matches(pattern: str, value: str) -> bool:
    """Whether `value` fits `pattern` as written (StringLike: case-sensitive)."""
    return _written(pattern, False).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """Whether an Action pattern ("dynamodb:Get*") covers `action`, in any casing."""
    return _written(pattern, True).fullmatch(action) is not None


# Keyed by the pattern's text, which hashes once per string: the common, variable-free case.
@functools.lru_cache(maxsize=COMPILED_CACHED)
def _written(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return glob(plain(pattern), ignore_case)


def regex_of(char: str, literal: bool, any_run: str, any_one: str) -> str:
    """One pattern character as a regex: a wildcard as `any_run`/`any_one`, else itself."""
    if not literal and char == ANY_RUN:
        return any_run
    if not literal and char == ANY_ONE:
        return any_one
    return re.escape(char)
