"""Wildcard patterns of policies, with policy variables filled in as literal text.

A pattern is kept as its characters, each marked literal or not: `*` and `?` written in the policy
are wildcards, but the same characters coming from a policy variable's value — including the
escapes `${*}` and `${?}`, which exist for exactly this — match only themselves.

Policy variables (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):
`${key}` takes the request's value of a condition key, `${key, 'default'}` a default when the key
is absent; a variable with neither leaves the pattern unable to match anything.
"""
import functools
import re
from collections.abc import Mapping

# What a request is evaluated against: lower-cased condition key -> its values (one for a
# single-valued key). A key that is not in the mapping is absent from the request.
RequestKeys = Mapping[str, tuple[str, ...]]
# Each character of a pattern, and whether it is literal (never a wildcard).
Pattern = tuple[tuple[str, bool], ...]

VARIABLE = re.compile(r"\$\{(?P<key>[^},]+?)\s*(?:,\s*'(?P<default>[^']*)'\s*)?\}")
ESCAPES = {"*": "*", "?": "?", "$": "$"}
COMPILED_CACHED = 4096
SEGMENT_SEPARATOR = ":"
# An ARN has six colon-separated components; the last one (the resource) may hold colons.
ARN_COMPONENTS = 6


def plain(text: str) -> Pattern:
    """A pattern as written in a policy, wildcards and all."""
    return tuple((char, False) for char in text)


def text_of(pattern: Pattern) -> str:
    """The pattern's characters as a string."""
    return "".join(char for char, _ in pattern)


def expand(text: str, keys: RequestKeys) -> Pattern | None:
    """`text` with its policy variables filled in, or None if one names an absent key."""
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in VARIABLE.finditer(text):
        parts.extend(plain(text[position:match.start()]))
        value = _variable_value(match, keys)
        if value is None:
            return None
        parts.extend((char, True) for char in value)
        position = match.end()
    parts.extend(plain(text[position:]))
    return tuple(parts)


@functools.lru_cache(maxsize=COMPILED_CACHED)
def glob(pattern: Pattern, ignore_case: bool = False) -> re.Pattern[str]:
    """`*` any characters, `?` any one character, over the whole string."""
    translated = "".join(_literal_or(char, literal, ".*", ".") for char, literal in pattern)
    return re.compile(translated, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


@functools.lru_cache(maxsize=COMPILED_CACHED)
def resource_glob(pattern: Pattern) -> re.Pattern[str]:
    """A Resource pattern: wildcards stay in their colon-separated segment, but a `*` that ends
    a segment may run past colons (IAM User Guide, "Using wildcards in resource ARNs")."""
    translated: list[str] = []
    for index, (char, literal) in enumerate(pattern):
        ends_segment = index + 1 == len(pattern) or pattern[index + 1][0] == SEGMENT_SEPARATOR
        many = ".*" if ends_segment else "[^:]*"
        translated.append(_literal_or(char, literal, many, "[^:]"))
    return re.compile("".join(translated), re.DOTALL)


@functools.lru_cache(maxsize=COMPILED_CACHED)
def arn_glob(pattern: Pattern) -> re.Pattern[str]:
    """An ArnLike/ArnEquals value: each of the six components matched on its own."""
    translated: list[str] = []
    separators = 0
    for char, literal in pattern:
        in_resource = separators >= ARN_COMPONENTS - 1
        translated.append(_literal_or(char, literal, ".*" if in_resource else "[^:]*",
                                      "." if in_resource else "[^:]"))
        separators += char == SEGMENT_SEPARATOR
    if separators < ARN_COMPONENTS - 1:
        return re.compile(r"(?!)")  # not an ARN: matches nothing
    return re.compile("".join(translated), re.DOTALL)


def _literal_or(char: str, literal: bool, many: str, one: str) -> str:
    if not literal and char == "*":
        return many
    if not literal and char == "?":
        return one
    return re.escape(char)


def _variable_value(match: re.Match[str], keys: RequestKeys) -> str | None:
    key = match["key"].strip()
    if key in ESCAPES:
        return ESCAPES[key]
    values = keys.get(key.lower())
    if values:
        return values[0]
    return match["default"]
