"""UpdateMethod and UpdateIntegrationResponse, which moto does not implement (it answered 500).

AWS applies a PATCH's operations in order to the method or integration response and answers
200 with the whole updated object (API reference, "Response Syntax"). Paths are JSON Pointers:
a map entry's key is escaped, `~1` for `/` (`/requestModels/application~1json`).

* Method: `replace` on /authorizationType, /authorizerId, /apiKeyRequired, /operationName,
  /requestValidatorId; `add`, `remove` (and `replace`) on /requestParameters/<name> and
  /requestModels/<content type>; `add` and `remove` on /authorizationScopes.
* IntegrationResponse: `replace` on /selectionPattern and /contentHandling; `add`, `remove`,
  `replace` on /responseTemplates/<content type> and /responseParameters/<name>.

Any other path is refused with 400 BadRequestException, as AWS refuses an unsupported patch.
"""
import json
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from moto.apigateway.models import IntegrationResponse, Method
from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.apigateway.exceptions import BadRequestException, NotFoundException
from webapp.sandbox.apigateway.request_body import json_object
from webapp.sandbox.apigateway.snapshots import find_api
from webapp.sandbox.apigateway.unknown_api import missing_api
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

METHOD_PATH = re.compile(
    r"/restapis/(?P<api_id>[^/]+)/resources/(?P<resource_id>[^/]+)/methods/(?P<verb>[^/]+)/?")
INTEGRATION_RESPONSE_PATH = re.compile(
    r"/restapis/(?P<api_id>[^/]+)/resources/(?P<resource_id>[^/]+)/methods/(?P<verb>[^/]+)"
    r"/integration/responses/(?P<status_code>[^/]+)/?")
HANDLED_OPERATIONS = ("UpdateMethod", "UpdateIntegrationResponse")
SETTERS = ("add", "replace")
TRUE_WORDS = frozenset({"true"})
METHOD_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "/authorizationType": ("authorization_type", str),
    "/authorizerId": ("authorizer_id", str),
    "/apiKeyRequired": ("api_key_required", lambda value: str(value).lower() in TRUE_WORDS),
    "/operationName": ("operation_name", str),
    "/requestValidatorId": ("request_validator_id", str),
}
METHOD_MAPS = {"/requestParameters/": "request_parameters", "/requestModels/": "request_models"}
RESPONSE_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "/selectionPattern": ("selection_pattern", str),
    "/contentHandling": ("content_handling", str),
}
RESPONSE_MAPS = {"/responseTemplates/": "response_templates",
                 "/responseParameters/": "response_parameters"}
AUTHORIZATION_SCOPES = "/authorizationScopes"


def register(dispatcher: Dispatcher) -> None:
    """Answer UpdateMethod and UpdateIntegrationResponse with AWS's patch semantics."""

    @dispatcher.register("apigateway", "UpdateMethod")
    def update_method(request: Request, operation: AwsOperation) -> Response | None:
        found = METHOD_PATH.fullmatch(request.path)
        refusal = missing_api(request, operation)
        if found is None or refusal is not None:
            return refusal
        try:
            method = _method(operation, found.groupdict())
            for patch in _patches(request):
                _patch_method(method, patch)
        except (BadRequestException, NotFoundException) as err:
            return err.response()
        return _json(method.to_json())

    @dispatcher.register("apigateway", "UpdateIntegrationResponse")
    def update_integration_response(request: Request,
                                    operation: AwsOperation) -> Response | None:
        found = INTEGRATION_RESPONSE_PATH.fullmatch(request.path)
        refusal = missing_api(request, operation)
        if found is None or refusal is not None:
            return refusal
        try:
            method = _method(operation, found.groupdict())
            integration = method.method_integration
            response = (integration.integration_responses or {}).get(found["status_code"]) \
                if integration is not None else None
            if response is None:
                raise NotFoundException("Invalid Response status code specified")
            for patch in _patches(request):
                _patch_response(response, patch)
        except (BadRequestException, NotFoundException) as err:
            return err.response()
        return _json(response.to_json())


def _method(operation: AwsOperation, path: dict[str, str]) -> Method:
    api = find_api(get_account_id_from(operation.access_key_id), operation.region,
                   path["api_id"])
    resource = api.resources.get(path["resource_id"]) if api is not None else None
    if resource is None:
        raise NotFoundException("Invalid Resource identifier specified")
    method = resource.resource_methods.get(path["verb"].upper())
    if method is None:
        raise NotFoundException("Invalid Method identifier specified")
    return method


def _patches(request: Request) -> list[dict[str, Any]]:
    patches = json_object(request).get("patchOperations") or []
    if not isinstance(patches, list) or not all(isinstance(patch, dict) for patch in patches):
        raise BadRequestException("patchOperations must be a list of operations")
    return patches


def _patch_method(method: Method, patch: dict[str, Any]) -> None:
    op, path = str(patch.get("op")), str(patch.get("path", ""))
    if path == AUTHORIZATION_SCOPES and op in ("add", "remove"):
        scopes = list(method.authorization_scopes or [])
        value = str(patch.get("value"))
        if op == "add" and value not in scopes:
            scopes.append(value)
        elif op == "remove" and value in scopes:
            scopes.remove(value)
        method.authorization_scopes = scopes or None
        return
    _apply(method, op, path, patch.get("value"), METHOD_FIELDS, METHOD_MAPS)


def _patch_response(response: IntegrationResponse, patch: dict[str, Any]) -> None:
    _apply(response, str(patch.get("op")), str(patch.get("path", "")), patch.get("value"),
           RESPONSE_FIELDS, RESPONSE_MAPS)


def _apply(target: Any, op: str, path: str, value: Any,
           fields: dict[str, tuple[str, Callable[[Any], Any]]], maps: dict[str, str]) -> None:
    if path in fields and op == "replace":
        attribute, convert = fields[path]
        setattr(target, attribute, convert(value) if value is not None else None)
        return
    prefix = next((prefix for prefix in maps if path.startswith(prefix)), None)
    if prefix is not None and op in (*SETTERS, "remove"):
        key = _unescape(path.removeprefix(prefix))
        entries = dict(getattr(target, maps[prefix]) or {})
        if op == "remove":
            entries.pop(key, None)
        else:
            entries[key] = value
        setattr(target, maps[prefix], entries)
        return
    raise BadRequestException(f"Invalid patch path '{path}' specified for op '{op}'")


def _unescape(token: str) -> str:
    """A JSON Pointer reference token as the key it names (RFC 6901)."""
    return token.replace("~1", "/").replace("~0", "~")


def _json(document: dict[str, Any]) -> Response:
    return Response(json.dumps(document), status=HTTPStatus.OK, content_type="application/json")
