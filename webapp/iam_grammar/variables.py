"""Policy variables: `${key}` filled in with the request's value of a condition key.

IAM User Guide, "IAM policy elements: Variables and tags": `${key, 'default'}` gives a default
when the key is absent; a variable with neither leaves its value unable to match anything; and
`${*}`, `${?}`, `${$}` stand for those characters where they would otherwise have a special
meaning. A value filled in matches literally: its `*` and `?` are no wildcards.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from webapp.iam_grammar.wildcards import Pattern, plain

# What a request is evaluated against: lower-cased condition key -> its values (one for a
# single-valued key). A key that is not in the mapping is absent from the request.
RequestKeys = Mapping[str, tuple[str, ...]]

VARIABLE = re.compile(r"\$\{(?P<key>[^},]+?)\s*(?:,\s*'(?P<default>[^']*)'\s*)?\}")
ESCAPES = {"*": "*", "?": "?", "$": "$"}


def expand(text: str, keys: RequestKeys) -> Pattern | None:
    """`text` with its policy variables filled in, or None if one names an absent key."""
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in VARIABLE.finditer(text):
        parts.extend(plain(text[position:match.start()]))
        value = _value(match, keys)
        if value is None:
            return None
        parts.extend((char, True) for char in value)
        position = match.end()
    parts.extend(plain(text[position:]))
    return tuple(parts)


def required_keys(text: str) -> list[str]:
    """The condition keys `text`'s variables need (one with a default, or an escape, needs none)."""
    return [match["key"].strip() for match in VARIABLE.finditer(text)
            if match["default"] is None and match["key"].strip() not in ESCAPES]


def _value(match: re.Match[str], keys: RequestKeys) -> str | None:
    key = match["key"].strip()
    if key in ESCAPES:
        return ESCAPES[key]
    values = keys.get(key.lower())
    if values:
        return values[0]
    return match["default"]
