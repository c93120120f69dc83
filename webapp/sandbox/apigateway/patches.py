"""A method's updates, which moto does not implement (it answered 500): UpdateMethod,
UpdateMethodResponse, UpdateIntegration and UpdateIntegrationResponse.

Paths each takes (API reference, "Patch Operations"); map entries take add, replace and remove:
* Method: `replace` on /authorizationType, /authorizerId, /apiKeyRequired, /operationName,
  /requestValidatorId; the maps /requestParameters/<name>, /requestModels/<content type>; `add`
  and `remove` on /authorizationScopes.
* MethodResponse: the maps /responseParameters/<name> and /responseModels/<content type>.
* Integration: `replace` on /type, /uri, /httpMethod, /credentials, /passthroughBehavior,
  /contentHandling, /timeoutInMillis, /cacheNamespace, /connectionType,
  /tlsConfig/insecureSkipVerification; the maps /requestParameters/<name>,
  /requestTemplates/<content type>.
* IntegrationResponse: `replace` on /selectionPattern and /contentHandling; the maps
  /responseTemplates/<content type> and /responseParameters/<name>.

What the URL names must exist: 404 NotFoundException "Invalid Resource identifier specified",
"Invalid Method identifier specified", "Invalid Integration identifier specified" or "Invalid
Response status code specified", AWS's texts.
"""
import re
from typing import Any

from moto.apigateway.models import Integration, Method, RestAPI

from webapp.sandbox.apigateway.exceptions import NotFoundException
from webapp.sandbox.apigateway.patch_paths import (
    REPLACE_ONLY, Field, PatchOperation, PatchRules, Special, Updater, as_bool, existing,
    register_update)
from webapp.sandbox.dispatch import Dispatcher

METHOD_URL = (r"/restapis/(?P<api_id>[^/]+)/resources/(?P<resource_id>[^/]+)"
              r"/methods/(?P<verb>[^/]+)")
METHOD_PATH = re.compile(METHOD_URL + "/?")
METHOD_RESPONSE_PATH = re.compile(METHOD_URL + r"/responses/(?P<status_code>[^/]+)/?")
INTEGRATION_PATH = re.compile(METHOD_URL + "/integration/?")
INTEGRATION_RESPONSE_PATH = re.compile(
    METHOD_URL + r"/integration/responses/(?P<status_code>[^/]+)/?")
UNKNOWN_STATUS = "Invalid Response status code specified"


def _patch_scopes(method: Method, patch: PatchOperation) -> None:
    """/authorizationScopes: `add` and `remove` name one scope in the value."""
    scopes = list(method.authorization_scopes or [])
    value = str(patch.get("value"))
    if patch.get("op") == "add" and value not in scopes:
        scopes.append(value)
    elif patch.get("op") == "remove" and value in scopes:
        scopes.remove(value)
    method.authorization_scopes = scopes or None


def _patch_tls(integration: Integration, patch: PatchOperation) -> None:
    """/tlsConfig/insecureSkipVerification sets one field of the integration's tlsConfig."""
    integration.tls_config = {**(integration.tls_config or {}),
                              "insecureSkipVerification": as_bool(patch.get("value"))}


METHOD_RULES = PatchRules(
    fields={"/authorizationType": Field("authorization_type"),
            "/authorizerId": Field("authorizer_id"),
            "/apiKeyRequired": Field("api_key_required", as_bool),
            "/operationName": Field("operation_name"),
            "/requestValidatorId": Field("request_validator_id")},
    maps={"/requestParameters/": "request_parameters", "/requestModels/": "request_models"},
    map_values={"/requestParameters/": as_bool},
    specials={"/authorizationScopes": Special(frozenset({"add", "remove"}), _patch_scopes)})
METHOD_RESPONSE_RULES = PatchRules(
    maps={"/responseParameters/": "response_parameters", "/responseModels/": "response_models"},
    map_values={"/responseParameters/": as_bool})
INTEGRATION_RULES = PatchRules(
    fields={"/type": Field("integration_type"), "/uri": Field("uri"),
            "/httpMethod": Field("http_method"), "/credentials": Field("credentials"),
            "/passthroughBehavior": Field("passthrough_behaviour"),
            "/contentHandling": Field("content_handling"),
            "/timeoutInMillis": Field("timeout_in_millis", int),
            "/cacheNamespace": Field("cache_namespace"),
            "/connectionType": Field("connection_type")},
    maps={"/requestParameters/": "request_parameters", "/requestTemplates/": "request_templates"},
    specials={"/tlsConfig/insecureSkipVerification": Special(REPLACE_ONLY, _patch_tls)})
INTEGRATION_RESPONSE_RULES = PatchRules(
    fields={"/selectionPattern": Field("selection_pattern"),
            "/contentHandling": Field("content_handling")},
    maps={"/responseTemplates/": "response_templates",
          "/responseParameters/": "response_parameters"})


def update_method(api: RestAPI, names: dict[str, str],
                  patches: list[PatchOperation]) -> dict[str, Any]:
    method = _method(api, names)
    METHOD_RULES.patch(method, patches)
    return method.to_json()


def update_method_response(api: RestAPI, names: dict[str, str],
                           patches: list[PatchOperation]) -> dict[str, Any]:
    response = existing(_method(api, names).method_responses, names["status_code"],
                        UNKNOWN_STATUS)
    METHOD_RESPONSE_RULES.patch(response, patches)
    return response.to_json()


def update_integration(api: RestAPI, names: dict[str, str],
                       patches: list[PatchOperation]) -> dict[str, Any]:
    integration = _integration(api, names)
    INTEGRATION_RULES.patch(integration, patches)
    return integration.to_json()


def update_integration_response(api: RestAPI, names: dict[str, str],
                                patches: list[PatchOperation]) -> dict[str, Any]:
    response = existing(_integration(api, names).integration_responses or {},
                        names["status_code"], UNKNOWN_STATUS)
    INTEGRATION_RESPONSE_RULES.patch(response, patches)
    return response.to_json()


def _method(api: RestAPI, names: dict[str, str]) -> Method:
    resource = existing(api.resources, names["resource_id"],
                        "Invalid Resource identifier specified")
    return existing(resource.resource_methods, names["verb"].upper(),
                    "Invalid Method identifier specified")


def _integration(api: RestAPI, names: dict[str, str]) -> Integration:
    integration = _method(api, names).method_integration
    if integration is None:
        raise NotFoundException("Invalid Integration identifier specified")
    return integration


# Each operation answered here: the URL it is sent to, and its update.
UPDATES: dict[str, tuple[re.Pattern[str], Updater]] = {
    "UpdateMethod": (METHOD_PATH, update_method),
    "UpdateMethodResponse": (METHOD_RESPONSE_PATH, update_method_response),
    "UpdateIntegration": (INTEGRATION_PATH, update_integration),
    "UpdateIntegrationResponse": (INTEGRATION_RESPONSE_PATH, update_integration_response)}
HANDLED_OPERATIONS = tuple(UPDATES)


def register(dispatcher: Dispatcher) -> None:
    """Answer a method's Update* operations with AWS's patch semantics."""
    for name, (url, update) in UPDATES.items():
        register_update(dispatcher, name, url, update)
