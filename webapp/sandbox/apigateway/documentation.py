"""API documentation: DocumentationParts and DocumentationVersions, which moto does not have.

moto answered every documentation call 404 with an HTML page. AWS's API reference
(CreateDocumentationPart, GetDocumentationPart(s), UpdateDocumentationPart,
DeleteDocumentationPart, ImportDocumentationParts and the DocumentationVersion calls) and the
developer guide ("Document an API using the API Gateway REST API") are the spec:

* a part's location has a `type` (API, AUTHORIZER, MODEL, RESOURCE, METHOD, PATH_PARAMETER,
  QUERY_PARAMETER, REQUEST_HEADER, REQUEST_BODY, RESPONSE, RESPONSE_HEADER, RESPONSE_BODY) and
  only the fields that type takes (DocumentationPartLocation): `path` defaults to "/", `method`
  and `statusCode` to "*", `name` is required where it is valid;
* CreateDocumentationPart answers 201, or 409 ConflictException "Documentation part already
  exists for the specified location: type 'API'." when the location has a part already;
* an unknown part id is 404 NotFoundException "Invalid Documentation part identifier specified";
* UpdateDocumentationPart replaces `/properties`; deletes answer 202;
* ImportDocumentationParts reads `x-amazon-apigateway-documentation` from an OpenAPI document,
  merging (a part at the same location gets the new properties) or overwriting, and answers
  200 {"ids", "warnings"}; ImportRestApi and PutRestApi import the same extension
  (openapi_import.py);
* a documentation version is named, dated and described; a stage named in
  CreateDocumentationVersion must exist.

The documentation of an API lives as long as moto's API object (a weak reference to it), so
deleting the API deletes it; ids come from moto's random generator, so the journal's replay
makes the same ones.
"""
import json
import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from moto.apigateway.models import RestAPI
from moto.iam.models import get_account_id_from
from moto.moto_api._internal import mock_random
from werkzeug.wrappers import Request, Response

from webapp.sandbox.apigateway.exceptions import (ApiGatewayError, BadRequestException,
                                                  ConflictException, NotFoundException)
from webapp.sandbox.apigateway.openapi_document import load_document
from webapp.sandbox.apigateway.patch_paths import existing, operation_of, patch_operations
from webapp.sandbox.apigateway.request_body import json_object
from webapp.sandbox.apigateway.snapshots import find_api
from webapp.sandbox.apigateway.unknown_api import missing_api
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

PARTS_PATH = re.compile(
    r"/restapis/(?P<api_id>[^/]+)/documentation/parts(?:/(?P<part_id>[^/]+))?/?")
VERSIONS_PATH = re.compile(
    r"/restapis/(?P<api_id>[^/]+)/documentation/versions(?:/(?P<version>[^/]+))?/?")
# The operations whose handler here answers unknown APIs too (unknown_api.py).
HANDLED_OPERATIONS = (
    "CreateDocumentationPart", "GetDocumentationPart", "GetDocumentationParts",
    "UpdateDocumentationPart", "DeleteDocumentationPart", "ImportDocumentationParts",
    "CreateDocumentationVersion", "GetDocumentationVersion", "GetDocumentationVersions",
    "UpdateDocumentationVersion", "DeleteDocumentationVersion")
LOCATION_FIELDS = ("path", "method", "name", "statusCode")
PARAMETER_TYPES = ("PATH_PARAMETER", "QUERY_PARAMETER", "REQUEST_HEADER", "REQUEST_BODY")
# Per type, the location fields it takes (DocumentationPartLocation), with their defaults;
# None for a field that has none and is required.
TYPE_FIELDS: dict[str, dict[str, str | None]] = {
    "API": {},
    "AUTHORIZER": {"name": None},
    "MODEL": {"name": None},
    "RESOURCE": {"path": "/"},
    "METHOD": {"path": "/", "method": "*"},
    **{kind: {"path": "/", "method": "*", "name": None} for kind in PARAMETER_TYPES},
    "RESPONSE": {"path": "/", "method": "*", "statusCode": "*"},
    "RESPONSE_HEADER": {"path": "/", "method": "*", "statusCode": "*", "name": None},
    "RESPONSE_BODY": {"path": "/", "method": "*", "statusCode": "*"},
}
BAD_TYPE = ("1 validation error detected: Value '{value}' at '{input}.location.type' failed to "
            "satisfy constraint: Member must satisfy enum value set: [{types}]")
BAD_FIELD = "Invalid location: '{field}' is not a valid field for type '{kind}'."
MISSING_FIELD = "Invalid location: '{field}' is required for type '{kind}'."
PART_EXISTS = "Documentation part already exists for the specified location: {location}."
UNKNOWN_PART = "Invalid Documentation part identifier specified"
UNKNOWN_VERSION = "Invalid Documentation version identifier specified"
VERSION_EXISTS = "Documentation version already exists: {version}"
UNKNOWN_STAGE = "Invalid Stage identifier specified"
BAD_PATCH = "Invalid patch path '{path}' specified for op '{op}'"
MISSING_PARAMETER = "{name} must be specified"
BAD_PARTS = "Invalid documentation parts: documentationParts must be a list of parts"
PART_ID_LENGTH = 6
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
DEFAULT_LIMIT = 25
MAX_LIMIT = 500
OVERWRITE = "overwrite"


@dataclass(slots=True)
class DocumentationPart:
    """A part's content (`properties`, a JSON string) for one API entity."""

    part_id: str
    location: dict[str, str]
    properties: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.part_id, "location": self.location, "properties": self.properties}


@dataclass(slots=True)
class DocumentationVersion:
    """A named version of the API's documentation."""

    version: str
    created_date: int
    description: str | None

    def to_json(self) -> dict[str, Any]:
        shape: dict[str, Any] = {"version": self.version, "createdDate": self.created_date}
        if self.description is not None:
            shape["description"] = self.description
        return shape


@dataclass(slots=True)
class ApiDocumentation:
    """One API's documentation parts (in creation order) and versions."""

    parts: dict[str, DocumentationPart] = field(default_factory=dict)
    versions: dict[str, DocumentationVersion] = field(default_factory=dict)

    def part(self, part_id: str) -> DocumentationPart:
        return existing(self.parts, part_id, UNKNOWN_PART)

    def at(self, location: dict[str, str]) -> DocumentationPart | None:
        return next((part for part in self.parts.values() if part.location == location), None)

    def version(self, name: str) -> DocumentationVersion:
        return existing(self.versions, name, UNKNOWN_VERSION)


_documentation: weakref.WeakKeyDictionary[RestAPI, ApiDocumentation] = \
    weakref.WeakKeyDictionary()
_lock = threading.Lock()


def normalized_location(location: Any, input_name: str) -> dict[str, str]:
    """The location as AWS stores it (defaults filled in); BadRequestException if the type is
    unknown or a field is not the type's."""
    location = location if isinstance(location, dict) else {}
    kind = location.get("type")
    if kind not in TYPE_FIELDS:
        raise BadRequestException(BAD_TYPE.format(value=kind, input=input_name,
                                                  types=", ".join(TYPE_FIELDS)))
    fields = TYPE_FIELDS[kind]
    normalized = {"type": kind}
    for name in LOCATION_FIELDS:
        value = location.get(name)
        if name not in fields:
            if value is not None:
                raise BadRequestException(BAD_FIELD.format(field=name, kind=kind))
            continue
        value = value if value is not None else fields[name]
        if value is None:
            raise BadRequestException(MISSING_FIELD.format(field=name, kind=kind))
        normalized[name] = str(value)
    return normalized


def import_parts(api: RestAPI, extension: dict[str, Any], mode: str) -> list[str]:
    """Import `x-amazon-apigateway-documentation`'s parts into the API; the new or updated
    parts' ids are not needed here, only the warnings (parts that could not be read)."""
    with _lock:
        return _import(_documentation.setdefault(api, ApiDocumentation()), extension, mode)[1]


def register(dispatcher: Dispatcher) -> None:
    """Answer the documentation part and version calls."""
    for name in HANDLED_OPERATIONS:
        dispatcher.register("apigateway", name)(_handler(_OPERATIONS[name]))


# An operation's own work: given the API's documentation, the path's variables, the request
# and the API, its answer's status and body (None for no body).
Operation = Callable[[ApiDocumentation, dict[str, str], Request, RestAPI],
                     tuple[HTTPStatus, Any]]


def _handler(work: Operation) -> Callable[[Request, AwsOperation], Response | None]:
    def handle(request: Request, operation: AwsOperation) -> Response | None:
        found = PARTS_PATH.fullmatch(request.path) or VERSIONS_PATH.fullmatch(request.path)
        refusal = missing_api(request, operation)
        if found is None or refusal is not None:
            return refusal
        api = find_api(get_account_id_from(operation.access_key_id), operation.region,
                       found["api_id"])
        if api is None:  # deleted meanwhile
            return missing_api(request, operation)
        try:
            with _lock:
                docs = _documentation.setdefault(api, ApiDocumentation())
                status, body = work(docs, found.groupdict(), request, api)
        except ApiGatewayError as err:
            return err.response()
        if body is None:
            return Response(status=status)
        return Response(json.dumps(body), status=status, content_type="application/json")

    return handle


def _create_part(docs: ApiDocumentation, _path: dict[str, str], request: Request,
                 _api: RestAPI) -> tuple[HTTPStatus, Any]:
    body = json_object(request)
    location = normalized_location(body.get("location"), "createDocumentationPartInput")
    properties = body.get("properties")
    if not isinstance(properties, str):
        raise BadRequestException(MISSING_PARAMETER.format(name="properties"))
    if docs.at(location) is not None:
        raise ConflictException(PART_EXISTS.format(location=_described(location)))
    part = DocumentationPart(_new_id(docs), location, properties)
    docs.parts[part.part_id] = part
    return HTTPStatus.CREATED, part.to_json()


def _get_part(docs: ApiDocumentation, path: dict[str, str], _request: Request,
              _api: RestAPI) -> tuple[HTTPStatus, Any]:
    return HTTPStatus.OK, docs.part(path["part_id"]).to_json()


def _get_parts(docs: ApiDocumentation, _path: dict[str, str], request: Request,
               _api: RestAPI) -> tuple[HTTPStatus, Any]:
    wanted = {key: request.args.get(key) for key in ("type", "path")}
    name = request.args.get("name")
    parts = [part.to_json() for part in docs.parts.values()
             if all(value is None or part.location.get(key) == value
                    for key, value in wanted.items())
             and (name is None or name in part.location.get("name", ""))]
    return HTTPStatus.OK, _page(parts, request)


def _update_part(docs: ApiDocumentation, path: dict[str, str], request: Request,
                 _api: RestAPI) -> tuple[HTTPStatus, Any]:
    part = docs.part(path["part_id"])
    for op, target, value in _patches(request):
        if op != "replace" or target != "/properties" or not isinstance(value, str):
            raise BadRequestException(BAD_PATCH.format(path=target, op=op))
        part.properties = value
    return HTTPStatus.OK, part.to_json()


def _delete_part(docs: ApiDocumentation, path: dict[str, str], _request: Request,
                 _api: RestAPI) -> tuple[HTTPStatus, Any]:
    docs.parts.pop(docs.part(path["part_id"]).part_id)
    return HTTPStatus.ACCEPTED, None


def _import_parts(docs: ApiDocumentation, _path: dict[str, str], request: Request,
                  _api: RestAPI) -> tuple[HTTPStatus, Any]:
    document = load_document(request.get_data())
    extension = document.get("x-amazon-apigateway-documentation", document)
    ids, warnings = _import(docs, extension if isinstance(extension, dict) else {},
                            request.args.get("mode", "merge"))
    if warnings and request.args.get("failonwarnings", "").lower() == "true":
        raise BadRequestException("Warnings found during import:\n\t" + "\n\t".join(warnings))
    answer: dict[str, Any] = {"ids": ids}
    if warnings:
        answer["warnings"] = warnings
    return HTTPStatus.OK, answer


def _import(docs: ApiDocumentation, extension: dict[str, Any],
            mode: str) -> tuple[list[str], list[str]]:
    parts = extension.get("documentationParts", [])
    if not isinstance(parts, list):
        raise BadRequestException(BAD_PARTS)
    read: list[tuple[dict[str, str], str]] = []
    warnings = []
    for entry in parts:
        entry = entry if isinstance(entry, dict) else {}
        try:
            location = normalized_location(entry.get("location"), "importDocumentationParts")
        except BadRequestException as err:
            warnings.append(err.message)
            continue
        properties = entry.get("properties", {})
        read.append((location, properties if isinstance(properties, str)
                     else json.dumps(properties)))
    if mode == OVERWRITE:
        docs.parts.clear()
    ids = []
    for location, properties in read:
        part = docs.at(location)
        if part is None:
            part = DocumentationPart(_new_id(docs), location, properties)
            docs.parts[part.part_id] = part
        part.properties = properties
        ids.append(part.part_id)
    return ids, warnings


def _create_version(docs: ApiDocumentation, _path: dict[str, str], request: Request,
                    api: RestAPI) -> tuple[HTTPStatus, Any]:
    body = json_object(request)
    name = body.get("documentationVersion")
    if not isinstance(name, str) or not name:
        raise BadRequestException(MISSING_PARAMETER.format(name="documentationVersion"))
    if name in docs.versions:
        raise ConflictException(VERSION_EXISTS.format(version=name))
    stage_name = body.get("stageName")
    if stage_name is not None and stage_name not in api.stages:
        raise NotFoundException(UNKNOWN_STAGE)
    version = DocumentationVersion(name, int(time.time()), body.get("description"))
    docs.versions[name] = version
    return HTTPStatus.CREATED, version.to_json()


def _get_version(docs: ApiDocumentation, path: dict[str, str], _request: Request,
                 _api: RestAPI) -> tuple[HTTPStatus, Any]:
    return HTTPStatus.OK, docs.version(path["version"]).to_json()


def _get_versions(docs: ApiDocumentation, _path: dict[str, str], request: Request,
                  _api: RestAPI) -> tuple[HTTPStatus, Any]:
    return HTTPStatus.OK, _page([version.to_json() for version in docs.versions.values()],
                                request)


def _update_version(docs: ApiDocumentation, path: dict[str, str], request: Request,
                    _api: RestAPI) -> tuple[HTTPStatus, Any]:
    version = docs.version(path["version"])
    for op, target, value in _patches(request):
        if op != "replace" or target != "/description":
            raise BadRequestException(BAD_PATCH.format(path=target, op=op))
        version.description = None if value is None else str(value)
    return HTTPStatus.OK, version.to_json()


def _delete_version(docs: ApiDocumentation, path: dict[str, str], _request: Request,
                    _api: RestAPI) -> tuple[HTTPStatus, Any]:
    docs.versions.pop(docs.version(path["version"]).version)
    return HTTPStatus.ACCEPTED, None


_OPERATIONS: dict[str, Operation] = {
    "CreateDocumentationPart": _create_part, "GetDocumentationPart": _get_part,
    "GetDocumentationParts": _get_parts, "UpdateDocumentationPart": _update_part,
    "DeleteDocumentationPart": _delete_part, "ImportDocumentationParts": _import_parts,
    "CreateDocumentationVersion": _create_version, "GetDocumentationVersion": _get_version,
    "GetDocumentationVersions": _get_versions, "UpdateDocumentationVersion": _update_version,
    "DeleteDocumentationVersion": _delete_version,
}


def _described(location: dict[str, str]) -> str:
    """A location as AWS's conflict message names it: "type 'API'", then its other fields."""
    return ", ".join(f"{key} '{location[key]}'" for key in ("type", *LOCATION_FIELDS)
                     if key in location)


def _new_id(docs: ApiDocumentation) -> str:
    while True:
        part_id = "".join(mock_random.choice(ID_ALPHABET) for _ in range(PART_ID_LENGTH))
        if part_id not in docs.parts:
            return part_id


def _patches(request: Request) -> list[tuple[str, str, Any]]:
    return [(*operation_of(patch), patch.get("value")) for patch in patch_operations(request)]


def _page(items: list[dict[str, Any]], request: Request) -> dict[str, Any]:
    """One page of `items`, from `position` (an index) for `limit` items (25, at most 500)."""
    try:
        start = int(request.args.get("position") or 0)
        limit = min(int(request.args.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    except ValueError as err:
        raise BadRequestException("Invalid position or limit") from err
    page: dict[str, Any] = {"item": items[start:start + limit]}
    if start + limit < len(items):
        page["position"] = str(start + limit)
    return page
