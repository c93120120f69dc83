"""What a stage serves: a value copy of an API's resources, methods and integrations, and
what GetExport writes of it (api_definition.py).

moto keeps only the live API, but AWS serves each stage from the deployment it points at, so
edits reach callers only after CreateDeployment. The sandbox copies the API when the deployment
is made and keeps the copy by deployment id; TestInvokeMethod copies the live API instead.
"""
import copy
import threading
from dataclasses import dataclass
from typing import Any

from moto.apigateway.models import Integration, Method, Resource, RestAPI, apigateway_backends
from moto.core.exceptions import ServiceException

from webapp.sandbox.apigateway.api_definition import ApiDefinition, describe


@dataclass(frozen=True, slots=True)
class IntegrationResponseSnapshot:
    """An integration response: which backend answers it selects and how they are mapped."""

    status_code: str
    selection_pattern: str | None
    response_templates: dict[str, str | None]
    response_parameters: dict[str, str]


@dataclass(frozen=True, slots=True)
class IntegrationSnapshot:
    """A method's integration request and responses."""

    integration_type: str
    uri: str
    http_method: str | None
    request_templates: dict[str, str | None]
    passthrough_behavior: str
    responses: tuple[IntegrationResponseSnapshot, ...]
    # The role API Gateway assumes to call the backend, if the integration names one.
    credentials: str | None = None


@dataclass(frozen=True, slots=True)
class MethodSnapshot:
    """A method of a resource and its integration (None if it has none yet)."""

    http_method: str
    authorization_type: str | None
    integration: IntegrationSnapshot | None
    response_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResourceSnapshot:
    """A resource: its full path template and its methods by HTTP verb (ANY included)."""

    resource_id: str
    path: str
    methods: dict[str, MethodSnapshot]

    @property
    def parts(self) -> tuple[str, ...]:
        """The path's parts, "" for none: "/items/{id}" -> ("items", "{id}")."""
        return tuple(part for part in self.path.split("/") if part)


@dataclass(frozen=True, slots=True)
class ApiSnapshot:
    """An API as one deployment (or TestInvokeMethod, live) sees it."""

    api_id: str
    resources: tuple[ResourceSnapshot, ...]
    binary_media_types: tuple[str, ...]
    # What GetExport writes of this deployment (api_definition.py).
    definition: ApiDefinition | None = None

    def resource(self, resource_id: str) -> ResourceSnapshot | None:
        """The resource with this id, or None."""
        return next((found for found in self.resources if found.resource_id == resource_id), None)


class SnapshotStore:
    """Deployment snapshots by (account, region, api id, deployment id)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshots: dict[tuple[str, str, str, str], ApiSnapshot] = {}

    def keep(self, account_id: str, region: str, deployment_id: str,
             snapshot: ApiSnapshot) -> None:
        """Remember what deployment `deployment_id` of the API serves."""
        with self._lock:
            self._snapshots[(account_id, region, snapshot.api_id, deployment_id)] = snapshot

    def get(self, account_id: str, region: str, api_id: str,
            deployment_id: str) -> ApiSnapshot | None:
        """The deployment's snapshot, or None if it was not made through this sandbox."""
        with self._lock:
            return self._snapshots.get((account_id, region, api_id, deployment_id))


def locate_api(account_id: str, api_id: str) -> tuple[str, RestAPI] | None:
    """(region, moto's live API) for an API id, whichever region holds it; None if none does.

    API ids are unique across regions, and a stage URL names no region, so every region moto
    has a backend for is searched.
    """
    # list(): another request thread may make a region's backend meanwhile.
    for region, backend in list(apigateway_backends[account_id].items()):
        api = backend.apis.get(api_id)
        if api is not None:
            return region, api
    return None


def find_api(account_id: str, region: str, api_id: str) -> RestAPI | None:
    """moto's live API, or None."""
    try:
        return apigateway_backends[account_id][region].apis.get(api_id)
    except (KeyError, ServiceException):
        return None


def capture(api: RestAPI) -> ApiSnapshot:
    """A deep copy of what the API serves now."""
    resources = tuple(_resource(resource) for resource in list(api.resources.values()))
    return ApiSnapshot(api_id=api.id, resources=resources,
                       binary_media_types=tuple(api.binaryMediaTypes or ()),
                       definition=describe(api))


def _resource(resource: Resource) -> ResourceSnapshot:
    methods = {verb: _method(method) for verb, method in list(resource.resource_methods.items())}
    return ResourceSnapshot(resource_id=resource.id, path=resource.get_path(), methods=methods)


def _method(method: Method) -> MethodSnapshot:
    integration = method.method_integration
    return MethodSnapshot(
        http_method=method.http_method, authorization_type=method.authorization_type,
        integration=_integration(integration) if integration is not None else None,
        response_codes=tuple(method.method_responses))


def _integration(integration: Integration) -> IntegrationSnapshot:
    responses = tuple(
        IntegrationResponseSnapshot(
            status_code=str(response.status_code),
            selection_pattern=response.selection_pattern or None,
            response_templates=_copied(response.response_templates),
            response_parameters=_copied(response.response_parameters))
        for response in list((integration.integration_responses or {}).values()))
    return IntegrationSnapshot(
        integration_type=integration.integration_type, uri=integration.uri or "",
        http_method=integration.http_method,
        request_templates=_copied(integration.request_templates),
        passthrough_behavior=integration.passthrough_behaviour or "WHEN_NO_MATCH",
        responses=responses, credentials=integration.credentials or None)


def _copied(mapping: dict[str, Any] | None) -> dict[str, Any]:
    return copy.deepcopy(mapping) if mapping else {}
