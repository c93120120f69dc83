"""UpdateRestApi as AWS applies it (moto answered 200 to any path, stored `[""]` for an added
binary media type and read "false" as true).

Paths an API takes (API reference, "Patch Operations"; Developer Guide, "Binary media types",
"Enable payload compression", "Change a public or private API endpoint type"):
* `replace` on /name, /apiKeySource (HEADER or AUTHORIZER), /policy (a JSON resource policy,
  empty to remove it), /disableExecuteApiEndpoint (true or false); `replace` and `remove` on
  /description.
* /minimumCompressionSize: `replace` only, 0 to 10485760 bytes, an empty or absent value turns
  compression off.
* /binaryMediaTypes/<type, `/` as ~1>: the list is patched like a map whose keys are the types.
  `add` puts the path's type last (its value is not read), `remove` takes it out, `replace` takes
  it out and puts the value last. The bare /binaryMediaTypes is refused.
* /endpointConfiguration/types/<type or index>: `replace` with EDGE, REGIONAL or PRIVATE (an API
  has one endpoint type; a private API cannot become edge-optimized);
  /endpointConfiguration/vpcEndpointIds: `add` and `remove` one VPC endpoint id.

A stage sees binary media types from its next deployment on (snapshots.py), and then hands a
matching request body to a Lambda proxy base64-encoded (events.py). Every operation is checked
before any is applied. Refusals are 400 BadRequestException. Their texts: compression's and the
bare binary path's are AWS's as LocalStack's tests recorded them against AWS; a bad policy's is
the one the Developer Guide quotes ("Troubleshooting resource policies"); a bad endpoint type's
is LocalStack's wording; a private API made edge-optimized is the sandbox's own; unknown paths,
unsupported ops and bad values share patch_paths.py's.
"""
import json
import re
from typing import Any

from moto.apigateway.models import RestAPI

from webapp.sandbox.apigateway.exceptions import BadRequestException
from webapp.sandbox.apigateway.patch_paths import (
    MAP_OPS, UNKNOWN_PATH, UNSUPPORTED_OP, Field, PatchOperation, PatchRules, as_bool,
    operation_of, register_update, unescape)
from webapp.sandbox.dispatch import Dispatcher

REST_API_PATH = re.compile(r"/restapis/(?P<api_id>[^/]+)/?")
HANDLED_OPERATIONS = ("UpdateRestApi",)
API_KEY_SOURCES = frozenset({"HEADER", "AUTHORIZER"})
BOOLEAN_WORDS = frozenset({"true", "false"})
ENDPOINT_TYPES = ("REGIONAL", "EDGE", "PRIVATE")
MAX_COMPRESSION_SIZE = 10_485_760
COMPRESSION_PATH = "/minimumCompressionSize"
BINARY_TYPES_PATH = "/binaryMediaTypes"
BINARY_TYPE_PREFIX = BINARY_TYPES_PATH + "/"
ENDPOINT_TYPE_PREFIX = "/endpointConfiguration/types/"
VPC_ENDPOINTS_PATH = "/endpointConfiguration/vpcEndpointIds"
VPC_ENDPOINT_OPS = frozenset({"add", "remove"})
BAD_COMPRESSION = f"Invalid minimum compression size, must be between 0 and {MAX_COMPRESSION_SIZE}"
COMPRESSION_OP = "Invalid patch operation specified. Must be one of: [replace]"
BARE_BINARY_PATH = "Invalid patch path " + BINARY_TYPES_PATH
BAD_ENDPOINT_TYPE = ("Invalid EndpointTypes specified. Valid options are "
                     + ",".join(ENDPOINT_TYPES))
PRIVATE_TO_EDGE = "A private API cannot be changed to an edge-optimized API."
BAD_POLICY = ("Invalid policy document. Please check the policy syntax and ensure that "
              "Principals are valid.")


def _api_key_source(value: Any) -> str:
    if str(value) not in API_KEY_SOURCES:
        raise ValueError(value)
    return str(value)


def _switch(value: Any) -> bool:
    if str(value).lower() not in BOOLEAN_WORDS:
        raise ValueError(value)
    return as_bool(value)


def _policy(value: Any) -> str | None:
    """The resource policy as stored; None when the value removes it."""
    text = str(value)
    if not text:
        return None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        raise BadRequestException(BAD_POLICY) from None
    if not isinstance(document, dict):
        raise BadRequestException(BAD_POLICY)
    return text


FIELD_RULES = PatchRules(fields={
    "/name": Field("name"),
    "/description": Field("description", ops=frozenset({"replace", "remove"})),
    "/apiKeySource": Field("api_key_source", _api_key_source),
    "/policy": Field("policy", _policy),
    "/disableExecuteApiEndpoint": Field("disableExecuteApiEndpoint", _switch),
})
KNOWN_PATHS = ", ".join(sorted([
    *FIELD_RULES.fields, COMPRESSION_PATH, BINARY_TYPE_PREFIX + "{type}",
    ENDPOINT_TYPE_PREFIX + "{type}", VPC_ENDPOINTS_PATH]))


def register(dispatcher: Dispatcher) -> None:
    """Answer UpdateRestApi with AWS's patch semantics."""
    register_update(dispatcher, "UpdateRestApi", REST_API_PATH, update_rest_api)


def update_rest_api(api: RestAPI, names: dict[str, str],
                    patches: list[PatchOperation]) -> dict[str, Any]:
    for patch in patches:
        _check(api, patch)
    for patch in patches:
        _apply(api, patch)
    return api.to_dict()


def _check(api: RestAPI, patch: PatchOperation) -> None:
    """BadRequestException if AWS would refuse the operation on this API."""
    op, path = operation_of(patch)
    if path == COMPRESSION_PATH:
        if op != "replace":
            raise BadRequestException(COMPRESSION_OP)
        _compression_size(patch.get("value"))
    elif path == BINARY_TYPES_PATH:
        raise BadRequestException(BARE_BINARY_PATH)
    elif path.startswith(BINARY_TYPE_PREFIX):
        _require(op, path, MAP_OPS)
    elif path.startswith(ENDPOINT_TYPE_PREFIX):
        _require(op, path, frozenset({"replace"}))
        _check_endpoint_type(api, patch.get("value"))
    elif path == VPC_ENDPOINTS_PATH:
        _require(op, path, VPC_ENDPOINT_OPS)
    elif path in FIELD_RULES.fields:
        FIELD_RULES.check(patch)
    else:
        raise BadRequestException(UNKNOWN_PATH.format(path=path, op=op, known=KNOWN_PATHS))


def _require(op: str, path: str, supported: frozenset[str]) -> None:
    if op not in supported:
        raise BadRequestException(UNSUPPORTED_OP.format(path=path, op=op))


def _compression_size(value: Any) -> int | None:
    """The threshold in bytes, or None (compression off) for an empty or absent value."""
    if value is None or value == "":
        return None
    try:
        size = int(str(value))
    except ValueError:
        raise BadRequestException(BAD_COMPRESSION) from None
    if not 0 <= size <= MAX_COMPRESSION_SIZE:
        raise BadRequestException(BAD_COMPRESSION)
    return size


def _check_endpoint_type(api: RestAPI, value: Any) -> None:
    if value not in ENDPOINT_TYPES:
        raise BadRequestException(BAD_ENDPOINT_TYPE)
    if value == "EDGE" and "PRIVATE" in _endpoint_types(api):
        raise BadRequestException(PRIVATE_TO_EDGE)


def _endpoint_types(api: RestAPI) -> list[str]:
    return list((api.endpoint_configuration or {}).get("types") or [])


def _apply(api: RestAPI, patch: PatchOperation) -> None:
    op, path = operation_of(patch)
    if path == COMPRESSION_PATH:
        api.minimum_compression_size = _compression_size(patch.get("value"))
    elif path.startswith(BINARY_TYPE_PREFIX):
        api.binaryMediaTypes = _patched_types(list(api.binaryMediaTypes or []), op,
                                              unescape(path.removeprefix(BINARY_TYPE_PREFIX)),
                                              patch.get("value"))
    elif path.startswith(ENDPOINT_TYPE_PREFIX):
        api.endpoint_configuration = {**(api.endpoint_configuration or {}),
                                      "types": [str(patch["value"])]}
    elif path == VPC_ENDPOINTS_PATH:
        _patch_vpc_endpoints(api, op, str(patch.get("value")))
    else:
        FIELD_RULES.apply(api, patch)


def _patched_types(types: list[str], op: str, named: str, value: Any) -> list[str]:
    """The binary media types after one operation on the type the path names."""
    if op == "add":
        return types if named in types else [*types, named]
    kept = [media_type for media_type in types if media_type != named]
    if op == "replace" and value is not None and str(value) not in kept:
        kept.append(str(value))
    return kept


def _patch_vpc_endpoints(api: RestAPI, op: str, endpoint_id: str) -> None:
    configuration = dict(api.endpoint_configuration or {})
    ids = [known for known in configuration.get("vpcEndpointIds") or [] if known != endpoint_id]
    if op == "add":
        ids.append(endpoint_id)
    configuration["vpcEndpointIds"] = ids
    api.endpoint_configuration = configuration
