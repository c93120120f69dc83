"""ARN formats of AWS's Service Authorization Reference, and whether a policy resource fits one.

A format spells a resource type with ${...} placeholders
("arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"); a policy resource may use
`*` and `?`. The resource fits the format when some ARN matches both: each is read as a list of
tokens and the two lists are walked together like two small automata. A placeholder stands for
one or more characters — within one path segment (no "/") when `single_segment`, else any.
"""
from __future__ import annotations

import functools
import re

from webapp.iam_grammar.wildcards import ANY_ONE, ANY_RUN

PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
PATH_SEPARATOR = "/"
TOKENS_CACHED = 8192

# A token: (LITERAL, char), (ONE, class) one character, (RUN, class) zero or more characters.
Token = tuple[str, str]
LITERAL, ONE, RUN = "c", "1", "*"
ANY_CHAR = "any"
IN_SEGMENT = "seg"  # any character but "/"


def fits(resource: str, arn_format: str, *, single_segment: bool) -> bool:
    """Whether some ARN matches both the policy resource `resource` and `arn_format`."""
    return _intersects(_tokens(resource, False, False), _tokens(arn_format, True, single_segment))


def literal_weight(arn_format: str) -> int:
    """How many letters and digits a format spells out besides its ${...} placeholders."""
    return sum(char.isalnum() for char in PLACEHOLDER.sub("", arn_format))


@functools.lru_cache(maxsize=TOKENS_CACHED)
def _tokens(text: str, placeholders: bool, single_segment: bool) -> tuple[Token, ...]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if placeholders and text.startswith("${", position) and "}" in text[position:]:
            position = text.index("}", position) + 1
            kind = IN_SEGMENT if single_segment else ANY_CHAR
            tokens += [(ONE, kind), (RUN, kind)]
            continue
        char = text[position]
        if char == ANY_RUN:
            tokens.append((RUN, ANY_CHAR))
        elif char == ANY_ONE and not placeholders:
            tokens.append((ONE, ANY_CHAR))
        else:
            tokens.append((LITERAL, char))
        position += 1
    return tuple(tokens)


def _meet(left: Token, right: Token) -> bool:
    """Whether one character can match both tokens."""
    if left[0] == LITERAL and right[0] == LITERAL:
        return left[1] == right[1]
    if left[0] == LITERAL:
        return right[1] == ANY_CHAR or left[1] != PATH_SEPARATOR
    if right[0] == LITERAL:
        return left[1] == ANY_CHAR or right[1] != PATH_SEPARATOR
    return True


def _intersects(left: tuple[Token, ...], right: tuple[Token, ...]) -> bool:
    """Whether some string matches both token lists."""
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(left) and j == len(right):
            return True
        if i < len(left) and left[i][0] == RUN:
            stack.append((i + 1, j))
        if j < len(right) and right[j][0] == RUN:
            stack.append((i, j + 1))
        if i < len(left) and j < len(right) and _meet(left[i], right[j]):
            stack.append((i if left[i][0] == RUN else i + 1, j if right[j][0] == RUN else j + 1))
    return False
