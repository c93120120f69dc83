"""How deep JSON may nest before the console reads it: a limit checked before parsing.

Python's json module, and everything that walks what it returns (json.dumps, the pages), recurse
once per level of nesting, and a request has well under Python's 1,000 frames to spare: an event
like `[[[[…]]]]` 100,000 levels deep (200 KB, far within Lambda's 6 MB) ended in RecursionError,
a 500. Lambda documents no nesting limit of its own, and no real event comes close to
MAX_NESTING, so text nested deeper is refused before it is parsed, with an error worded and
placed like any other JSON syntax error (json.JSONDecodeError, line and column included).

Pure stdlib, no Flask: the views and the log readers share it.
"""
from __future__ import annotations

import json
import re
from typing import Any

MAX_NESTING = 100
# A string (its escapes skipped, possibly unterminated), or one bracket. Strings are matched
# whole so a bracket inside one is not counted.
_TOKEN = re.compile(r'"(?:[^"\\]+|\\.)*"?|[\[\]{}]', re.DOTALL)
_OPENING = frozenset("[{")
_CLOSING = frozenset("]}")


def check_nesting(text: str, start: int = 0, limit: int = MAX_NESTING) -> None:
    """Raise json.JSONDecodeError at the first bracket nested deeper than `limit`.

    Only brackets are counted, from `start`: whether the text is otherwise JSON is left to the
    parser, which runs next and reports its own errors.
    """
    depth = 0
    for token in _TOKEN.finditer(text, start):
        mark = token.group()
        if mark in _OPENING:
            depth += 1
            if depth > limit:
                raise json.JSONDecodeError(f"nested deeper than {limit} levels", text,
                                           token.start())
        elif mark in _CLOSING:
            depth -= 1


def loads(text: str, **options: Any) -> Any:
    """json.loads, refusing text nested deeper than MAX_NESTING first (json.JSONDecodeError)."""
    check_nesting(text)
    return json.loads(text, **options)
