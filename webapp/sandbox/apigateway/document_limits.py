"""An imported API definition made plain JSON, within the size API Gateway imports.

ImportRestApi and PutRestApi take "OpenAPI definition JSON/YAML files" and "the maximum size of
the API definition file is 6MB" (API reference, ImportRestApi and PutRestApi `body`). YAML can
say more than its bytes: an alias repeats a whole node, so a few hundred bytes of nested
aliases stand for billions of nodes (a "billion laughs" document), which the importer would
walk, copy into models and write out again at every GetExport. YAML also has values JSON has
not (timestamps, binary, sets) that the API's models and methods would keep, and that its
JSON answers then fail on, and a document nested thousands deep exhausts the parsers' stack.

So a loaded document is copied here into plain JSON values before anything reads it:
* aliases are expanded while the copy is measured, and a copy whose JSON would pass 6 MB is
  refused ("... over 6 MB ...", 400 BadRequestException) as soon as it does, so the expansion
  itself never grows past the limit;
* unquoted YAML timestamps stay the text they were (the loader here does not resolve them, as
  a JSON reader would not); mapping keys become the text JSON would write for them; any other
  non-JSON value, and nesting deeper than MAX_NESTING, is AWS's "Invalid OpenAPI input.".
The copy walks with its own stack, so no document depth can exhaust Python's.
"""
import json
from typing import Any

from moto.apigateway import utils as moto_apigateway_utils

from webapp.sandbox.apigateway.exceptions import BadRequestException

INVALID_INPUT = "Invalid OpenAPI input."
# API reference, ImportRestApi / PutRestApi `body`: "The maximum size of the API definition
# file is 6MB."
MAX_DEFINITION_BYTES = 6 * 1024 * 1024
TOO_LARGE = ("Invalid OpenAPI input: the API definition is over 6 MB once its YAML aliases are "
             "expanded, more than API Gateway imports (the maximum size of the API definition "
             "file is 6MB).")
# Far deeper than any schema needs, and shallow enough for the importer's and moto's recursive
# readers and writers (models, documentation, GetExport) to stay well within Python's stack.
MAX_NESTING = 100
# What each container or scalar adds to the JSON text besides its own characters: brackets,
# quotes, a comma, a colon.
CONTAINER_BYTES = 2
ENTRY_BYTES = 2
_yaml = moto_apigateway_utils.yaml


class _JsonLikeLoader(_yaml.SafeLoader):
    """YAML's safe loader without the implicit timestamp: `2024-01-01` stays a string."""


_JsonLikeLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers
            if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load_yaml(text: str) -> Any:
    """The YAML text as Python values; BadRequestException if it is not YAML or too deep."""
    try:
        return _yaml.load(text, Loader=_JsonLikeLoader)
    except (_yaml.YAMLError, RecursionError, ValueError) as err:  # ValueError: an integer
        raise BadRequestException(INVALID_INPUT) from err              # of 5,000 digits


def plain_json(document: Any) -> Any:
    """A copy of `document` made only of JSON values, refused as the module docstring says."""
    size = 0
    root: list[Any] = [None]
    # Each entry: (value to copy, the container to put its copy in, the key or index, depth).
    pending: list[tuple[Any, Any, Any, int]] = [(document, root, 0, 0)]
    while pending:
        value, into, at, depth = pending.pop()
        if depth > MAX_NESTING:
            raise BadRequestException(INVALID_INPUT)
        size += ENTRY_BYTES
        if isinstance(value, dict):
            copy: Any = {}
            size += CONTAINER_BYTES
            for key, item in value.items():
                name = _key(key)
                size += len(name) + ENTRY_BYTES
                copy[name] = None
                pending.append((item, copy, name, depth + 1))
        elif isinstance(value, list):
            copy = [None] * len(value)
            size += CONTAINER_BYTES
            pending.extend((item, copy, index, depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str):
            copy = value
            size += len(value)
        elif value is None or isinstance(value, (bool, int, float)):
            copy = value
            size += len(json.dumps(value))
        else:  # a timestamp, binary, set or other YAML type JSON has no value for
            raise BadRequestException(INVALID_INPUT)
        if size > MAX_DEFINITION_BYTES:
            raise BadRequestException(TOO_LARGE)
        into[at] = copy
    return root[0]


def _key(key: Any) -> str:
    """The text JSON writes for a mapping key (YAML's `200:` is the number 200)."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    raise BadRequestException(INVALID_INPUT)
