"""CloudWatch Logs filter patterns (AWS_FACTS §7): which messages a pattern matches.

    compile_pattern("ERROR -DEBUG")          # both rules below, as one callable
    compile_pattern('?ERROR ?"Task timed out"')("... Task timed out after 3.00 seconds")  # True

The form is chosen by the first character, as AWS does:

* empty, blank or `" "`: every message;
* `{ ... }`: a JSON pattern (json_pattern.py); never matches a message that is not JSON;
* `[ ... ]`: a space-delimited pattern (delimited_pattern.py);
* anything else: terms, separated by spaces. A term is a bare word (letters, digits, `_`, `.`
  and `-` inside it), a "quoted phrase" (any text, `\\"` for a quote) or a %regex%; terms are
  case-sensitive and found anywhere in the message. Plain terms must all be present, `-term`s
  must all be absent, and of the `?term`s at least one must be present.

A pattern AWS would refuse raises FilterPatternError with AWS's kind of message ("Invalid
character(s) in term '!('", "Unbalanced quotes in term ..."). That includes more than two
%regex%es in one pattern, AWS's quota for every form ("There is a limit of 2 regex for each
filter pattern", CloudWatch Logs' filter pattern syntax page).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from webapp.sandbox.logs.delimited_pattern import compile_delimited
from webapp.sandbox.logs.json_pattern import compile_json
from webapp.sandbox.logs.pattern_values import FilterPatternError, compile_regex, quoted

__all__ = ["FilterPatternError", "Matcher", "compile_pattern"]

Matcher = Callable[[str], bool]
BARE_TERM = re.compile(r"\w[\w.\-]*")
MAX_REGEXES = 2


def match_all(_message: str) -> bool:
    """The empty pattern's matcher."""
    return True


@lru_cache(maxsize=256)
def compile_pattern(pattern: str | None) -> Matcher:
    """The matcher for a filter pattern; FilterPatternError if AWS would refuse it."""
    text = (pattern or "").strip()
    if not text or (text.startswith('"') and text.endswith('"') and len(text) > 2
                    and not text[1:-1].strip()):
        return match_all
    regexes = regex_count(text)
    if regexes > MAX_REGEXES:
        raise FilterPatternError(f"Too many regexes in filter pattern: {regexes} (at most "
                                 f"{MAX_REGEXES} are allowed)")
    if text.startswith("{"):
        return compile_json(text)
    if text.startswith("["):
        return compile_delimited(text)
    return _compile_terms(text)


def regex_count(text: str) -> int:
    """How many %regex%es a pattern holds; a % inside a "quoted string" is not one."""
    count = 0
    position = 0
    while position < len(text):
        char = text[position]
        if char == '"':
            try:
                position = quoted(text, position)[1]
            except FilterPatternError:
                return count  # unbalanced quotes: the parser says so
            continue
        if char == "%":
            close = text.find("%", position + 1)
            if close < 0:
                return count  # unbalanced %: the parser says so
            count += 1
            position = close
        position += 1
    return count


def _compile_terms(text: str) -> Matcher:
    required: list[Matcher] = []
    excluded: list[Matcher] = []
    optional: list[Matcher] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        start = position
        kind = text[position] if text[position] in "-?" else ""
        position += len(kind)
        term, position = _term(text, start, position)
        {"": required, "-": excluded, "?": optional}[kind].append(term)

    def matches(message: str) -> bool:
        return (all(term(message) for term in required)
                and not any(term(message) for term in excluded)
                and (not optional or any(term(message) for term in optional)))

    if len(required) == 1 and not excluded and not optional:
        return required[0]
    return matches


def _term(text: str, start: int, position: int) -> tuple[Matcher, int]:
    """The term at text[position] (after its - or ?), and where it ends."""
    if position < len(text) and text[position] == '"':
        phrase, end = quoted(text, position)
        if not phrase or (end < len(text) and not text[end].isspace()):
            raise FilterPatternError(f"Invalid character(s) in term '{_word_at(text, start)}'")
        return _contains(phrase), end
    if position < len(text) and text[position] == "%":
        close = text.find("%", position + 1)
        if close < 0:
            raise FilterPatternError(f"Unbalanced '%' in regex '{text[start:]}'")
        regex = compile_regex(text[position + 1:close])
        return regex.found_in, close + 1
    word = _word_at(text, position)
    end = position + len(word)
    if not BARE_TERM.fullmatch(word):
        raise FilterPatternError(f"Invalid character(s) in term '{text[start:end]}'")
    return _contains(word), end


def _contains(term: str) -> Matcher:
    return lambda message: term in message


def _word_at(text: str, position: int) -> str:
    end = position
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[position:end]
