"""ARNs: six colon-separated components, and how a policy's ARN patterns match them.

`arn:partition:service:region:account-id:resource` — the resource, the sixth component, may
itself hold colons, so an ARN splits on its first five colons only. Two readings of a pattern:

* a Resource element (IAM User Guide, "Using wildcards in resource ARNs"): wildcards stay in
  their colon-separated segment, except that a `*` ending a segment "can expand to match beyond
  the colon boundaries";
* an ArnLike/ArnEquals condition value: "each of the six colon-delimited components of the ARN
  is checked separately", and a text with fewer than six components is no ARN and matches
  nothing.
"""
from __future__ import annotations

import functools
import re

from webapp.iam_grammar.wildcards import COMPILED_CACHED, Pattern, plain, regex_of

SEPARATOR = ":"
COMPONENTS = 6
PREFIX = "arn"
MATCHES_NOTHING = re.compile(r"(?!)")


def split_arn(text: str) -> tuple[str, ...] | None:
    """The six components of an ARN (the last keeping its colons), or None if `text` has fewer."""
    parts = text.split(SEPARATOR, COMPONENTS - 1)
    return tuple(parts) if len(parts) == COMPONENTS else None


@functools.lru_cache(maxsize=COMPILED_CACHED)
def resource_glob(pattern: Pattern) -> re.Pattern[str]:
    """A Resource pattern as a regex: `*` and `?` within their segment, a segment-ending `*` beyond."""
    translated: list[str] = []
    for index, (char, literal) in enumerate(pattern):
        ends_segment = index + 1 == len(pattern) or pattern[index + 1][0] == SEPARATOR
        translated.append(regex_of(char, literal, ".*" if ends_segment else "[^:]*", "[^:]"))
    return re.compile("".join(translated), re.DOTALL)


@functools.lru_cache(maxsize=COMPILED_CACHED)
def arn_glob(pattern: Pattern) -> re.Pattern[str]:
    """An ArnLike value as a regex: each of the six components matched on its own."""
    translated: list[str] = []
    separators = 0
    for char, literal in pattern:
        in_resource = separators >= COMPONENTS - 1
        translated.append(regex_of(char, literal, ".*" if in_resource else "[^:]*",
                                   "." if in_resource else "[^:]"))
        separators += char == SEPARATOR
    if separators < COMPONENTS - 1:
        return MATCHES_NOTHING
    return re.compile("".join(translated), re.DOTALL)


def resource_matches(pattern: str, resource: str) -> bool:
    """Whether a Resource pattern, as written, covers `resource` ("*" covers everything)."""
    return pattern == "*" or _written_resource(pattern).fullmatch(resource) is not None


def arn_like(pattern: str, arn: str) -> bool:
    """Whether `arn` fits an ArnLike condition value written as `pattern`."""
    return arn_glob(plain(pattern)).fullmatch(arn) is not None


# Keyed by the pattern's text, which hashes once per string: the common, variable-free case.
@functools.lru_cache(maxsize=COMPILED_CACHED)
def _written_resource(pattern: str) -> re.Pattern[str]:
    return resource_glob(plain(pattern))
