"""Names in the console's URLs that AWS could never have given a resource: the console's 404.

A function or role name AWS refuses (65 characters, a space, a NUL, `..`, an ARN of another
region) used to be sent on, and what came back (a ValidationException, the endpoint's own 404
page, an answer botocore could not read) showed as a 502 "AWS request failed". No such resource
can exist, so the page says so before anything is asked of AWS.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus

from flask import abort

# Enough to recognise a name on the page; a 3,000-character one is cut.
SHOWN_CHARACTERS = 80


def shown(name: str) -> str:
    """The name as a page shows it: control characters replaced (a NUL), a long one cut short."""
    visible = "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}"
                      for c in name[:SHOWN_CHARACTERS])
    return visible + ("…" if len(name) > SHOWN_CHARACTERS else "")


def require_possible(name: str | None, pattern: re.Pattern[str],
                     message: Callable[[str], str]) -> None:
    """404 with `message(shown name)` unless `name` (when given) is whole a `pattern` match."""
    if name is not None and pattern.fullmatch(name) is None:
        abort(HTTPStatus.NOT_FOUND, message(shown(name)))
