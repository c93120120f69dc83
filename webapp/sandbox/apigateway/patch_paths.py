"""API Gateway's PATCH semantics, shared by every Update* operation the sandbox answers.

An update's body is `{"patchOperations": [{"op", "path", "value"}, ...]}`; AWS applies the
operations in order and answers 200 with the whole updated object (API reference, "Response
Syntax" of each Update* operation). Paths are JSON Pointers: a map entry's key is escaped, `~1`
for `/` (`/responseModels/application~1json`; API reference, "PatchOperation").

Each kind of object states which paths it takes (API reference, "Patch Operations"): plain
fields, mostly `replace` only, and maps whose entries take `add`, `replace` and `remove`. Every
operation of a request is checked before any is applied, so a refused request changes nothing.
AWS refuses a path it does not know, and one it knows under an op it does not support, with
400 BadRequestException; the texts (their double space included) are AWS's.
"""
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar

from moto.apigateway.models import RestAPI
from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.apigateway.exceptions import (ApiGatewayError, BadRequestException,
                                                  NotFoundException)
from webapp.sandbox.apigateway.request_body import json_object
from webapp.sandbox.apigateway.snapshots import find_api
from webapp.sandbox.apigateway.unknown_api import missing_api
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

SERVICE = "apigateway"
REPLACE_ONLY = frozenset({"replace"})
MAP_OPS = frozenset({"add", "replace", "remove"})
TRUE_WORDS = frozenset({"true"})
UNKNOWN_PATH = "Invalid patch path  '{path}' specified for op '{op}'. Must be one of: [{known}]"
BAD_VALUE = "Invalid patch value  '{value}' specified for op '{op}'"
UNSUPPORTED_OP = ("Invalid patch path  '{path}' specified for op '{op}'. "
                  "Please choose supported operations")

# One patch operation as the request states it: "op", "path" and, for add and replace, "value".
PatchOperation = dict[str, Any]
# Applies one operation on a path whose meaning is its own (a list, a nested field).
Applier = Callable[[Any, "PatchOperation"], None]
# Finds the object an update names (in the API, by the URL's variables), applies the
# operations to it and returns the whole updated object as AWS states it.
Updater = Callable[[RestAPI, dict[str, str], list[PatchOperation]], dict[str, Any]]
# Whatever an API keeps by name or id: a model, a validator, a method's response, ...
Part = TypeVar("Part")


def as_bool(value: Any) -> bool:
    """A patch value ("true"/"false", as AWS takes them) as a boolean."""
    return str(value).lower() in TRUE_WORDS


@dataclass(frozen=True, slots=True)
class Field:
    """A plain field: the attribute of moto's object it sets, how a value converts, which ops."""

    attribute: str
    convert: Callable[[Any], Any] = str
    ops: frozenset[str] = REPLACE_ONLY


@dataclass(frozen=True, slots=True)
class Special:
    """A path applied by its own function, under the ops it supports."""

    ops: frozenset[str]
    apply: Applier


@dataclass(frozen=True, slots=True)
class PatchRules:
    """The paths one kind of object takes: fields by path, maps by prefix ("/requestModels/")."""

    fields: Mapping[str, Field] = field(default_factory=dict)
    maps: Mapping[str, str] = field(default_factory=dict)
    # How a map entry's value converts (method and method response parameters are booleans).
    map_values: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    specials: Mapping[str, Special] = field(default_factory=dict)

    def check(self, patch: PatchOperation) -> None:
        """BadRequestException if this kind of object does not take the operation."""
        op, path = operation_of(patch)
        prefix = self._map_prefix(path)
        if prefix is not None:
            supported = MAP_OPS
        elif path in self.fields:
            supported = self.fields[path].ops
        elif path in self.specials:
            supported = self.specials[path].ops
        else:
            known = ", ".join(sorted([*self.fields, *self.specials,
                                      *(f"{p}{{key}}" for p in self.maps)]))
            raise BadRequestException(UNKNOWN_PATH.format(path=path, op=op, known=known))
        if op not in supported:
            raise BadRequestException(UNSUPPORTED_OP.format(path=path, op=op))
        if path in self.fields and op != "remove" and patch.get("value") is not None:
            try:
                self.fields[path].convert(patch["value"])
            except (TypeError, ValueError):
                raise BadRequestException(BAD_VALUE.format(value=patch["value"], op=op)) from None

    def apply(self, target: Any, patch: PatchOperation) -> None:
        """Apply one checked operation to moto's object."""
        op, path = operation_of(patch)
        value = patch.get("value")
        prefix = self._map_prefix(path)
        if prefix is None and path in self.specials:
            self.specials[path].apply(target, patch)
            return
        if prefix is None:
            found = self.fields[path]
            setattr(target, found.attribute,
                    found.convert(value) if value is not None and op != "remove" else None)
            return
        attribute = self.maps[prefix]
        entries = dict(getattr(target, attribute) or {})
        key = unescape(path.removeprefix(prefix))
        if op == "remove":
            entries.pop(key, None)
        else:
            entries[key] = self.map_values.get(prefix, _same)(value)
        setattr(target, attribute, entries)

    def patch(self, target: Any, patches: list[PatchOperation]) -> None:
        """Check every operation, then apply them in order."""
        for patch in patches:
            self.check(patch)
        for patch in patches:
            self.apply(target, patch)

    def _map_prefix(self, path: str) -> str | None:
        return next((prefix for prefix in self.maps
                     if path.startswith(prefix) and len(path) > len(prefix)), None)


def _same(value: Any) -> Any:
    return value


def existing(parts: Mapping[str, Part | None], key: str, message: str) -> Part:
    """`parts[key]`, the part a call's URL names; AWS's 404 NotFoundException `message` if there
    is none."""
    part = parts.get(key)
    if part is None:
        raise NotFoundException(message)
    return part


def operation_of(patch: PatchOperation) -> tuple[str, str]:
    """(op, path) of a patch operation."""
    return str(patch.get("op")), str(patch.get("path", ""))


def unescape(token: str) -> str:
    """A JSON Pointer reference token as the key it names (RFC 6901)."""
    return token.replace("~1", "/").replace("~0", "~")


def patch_operations(request: Request) -> list[PatchOperation]:
    """The request's patch operations; BadRequestException if they are not a list of objects."""
    patches = json_object(request).get("patchOperations") or []
    if not isinstance(patches, list) or not all(isinstance(patch, dict) for patch in patches):
        raise BadRequestException("patchOperations must be a list of operations")
    return patches


def ok(document: dict[str, Any]) -> Response:
    """AWS's 200 with the updated object."""
    return Response(json.dumps(document), status=HTTPStatus.OK, content_type="application/json")


def register_update(dispatcher: Dispatcher, operation_name: str, url: re.Pattern[str],
                    update: Updater) -> None:
    """Answer `operation_name` on URLs matching `url` with `update`'s object or its error."""

    @dispatcher.register(SERVICE, operation_name)
    def handle(request: Request, operation: AwsOperation) -> Response | None:
        found = url.fullmatch(request.path)
        refusal = missing_api(request, operation)
        if found is None or refusal is not None:
            return refusal
        api = find_api(get_account_id_from(operation.access_key_id), operation.region,
                       found["api_id"])
        if api is None:  # deleted since missing_api looked
            return missing_api(request, operation)
        try:
            return ok(update(api, found.groupdict(), patch_operations(request)))
        except ApiGatewayError as err:
            return err.response()
