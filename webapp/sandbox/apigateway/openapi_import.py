"""ImportRestApi and PutRestApi: an OpenAPI 3.0 or Swagger 2.0 definition built into an API.

moto reads only part of OpenAPI 3 (a document without `description` or with an integration
answered 500) and refuses Swagger 2.0, which its own GetExport writes. AWS takes both, JSON or
YAML (API reference: ImportRestApi, PutRestApi), so the sandbox answers these calls itself:

* ImportRestApi (`POST /restapis?mode=import`) makes a new API from the document: 201 and the
  RestApi, with `warnings` when there were any (openapi_document.py says what they are);
* PutRestApi (`PUT /restapis/{id}?mode=overwrite|merge`, merge by default) rebuilds the API
  (overwrite: everything but the root resource's id goes) or merges the document into it
  (merge: its paths' methods and its models replace those of the same name): 200 and the
  RestApi;
* `failonwarnings=true` refuses a document with warnings, 400 BadRequestException naming them,
  and a refused document changes nothing, as AWS documents ("Errors and warnings from importing
  your API into API Gateway");
* `x-amazon-apigateway-documentation` becomes the API's documentation parts (documentation.py)
  unless the call's parameters say `ignore=documentation`; ImportRestApi's
  `endpointConfigurationTypes` parameter sets the endpoint type (EDGE by default).
"""
import copy
import json
import re
from http import HTTPStatus
from typing import Any

from moto.apigateway.exceptions import ApiGatewayException
from moto.apigateway.models import APIGatewayBackend, Resource, RestAPI, apigateway_backends
from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.apigateway import documentation
from webapp.sandbox.apigateway.exceptions import ApiGatewayError, BadRequestException
from webapp.sandbox.apigateway.openapi_document import (ApiPlan, MethodPlan, load_document,
                                                        read_plan)
from webapp.sandbox.apigateway.resource_quota import refuse_past_quota
from webapp.sandbox.apigateway.unknown_api import missing_api
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

# The operations whose handler here answers unknown APIs too (unknown_api.py).
HANDLED_OPERATIONS = ("PutRestApi",)
REST_API_PATH = re.compile(r"/restapis/(?P<api_id>[^/]+)/?")
MERGE, OVERWRITE = "merge", "overwrite"
BAD_MODE = 'Enumeration value of OpenAPI import mode must be "overwrite" or "merge"'
WARNINGS_FOUND = "Warnings found during import:\n\t{warnings}"
IGNORE_DOCUMENTATION = "documentation"
MODEL_CONTENT_TYPE = "application/json"
# Where a schema's `$ref` to another model points once it is an API Gateway model.
LOCAL_SCHEMA_REFERENCE = re.compile(r"#/(?:definitions|components/schemas)/(?P<name>[^/]+)")
MODEL_URL = "https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}"


def register(dispatcher: Dispatcher) -> None:
    """Answer ImportRestApi and PutRestApi for OpenAPI 3.0 and Swagger 2.0 documents."""

    @dispatcher.register("apigateway", "ImportRestApi")
    def import_rest_api(request: Request, operation: AwsOperation) -> Response:
        backend = apigateway_backends[get_account_id_from(operation.access_key_id)][
            operation.region]
        try:
            plan = _plan(request)
            endpoint_types = request.args.get("endpointConfigurationTypes")
            api = backend.create_rest_api(
                name=plan.title, description=plan.description,
                endpoint_configuration={"types": [endpoint_types]} if endpoint_types else None)
            try:
                _build(backend, api, plan, MERGE, request)
            except ApiGatewayError:
                backend.apis.pop(api.id, None)
                raise
        except ApiGatewayError as err:
            return err.response()
        return _answer(api, plan.warnings, HTTPStatus.CREATED)

    @dispatcher.register("apigateway", "PutRestApi")
    def put_rest_api(request: Request, operation: AwsOperation) -> Response | None:
        found = REST_API_PATH.fullmatch(request.path)
        refusal = missing_api(request, operation)
        if found is None or refusal is not None:
            return refusal
        backend = apigateway_backends[get_account_id_from(operation.access_key_id)][
            operation.region]
        api = backend.apis[found["api_id"]]
        mode = request.args.get("mode", MERGE)
        try:
            if mode not in (MERGE, OVERWRITE):
                raise BadRequestException(BAD_MODE)
            plan = _plan(request)
            kept = copy.deepcopy((api.resources, api.models, api.name, api.description,
                                  api.version, api.binaryMediaTypes, api.api_key_source))
            try:
                _build(backend, api, plan, mode, request)
            except ApiGatewayError:
                (api.resources, api.models, api.name, api.description, api.version,
                 api.binaryMediaTypes, api.api_key_source) = kept
                raise
        except ApiGatewayError as err:
            return err.response()
        return _answer(api, plan.warnings, HTTPStatus.OK)


def _plan(request: Request) -> ApiPlan:
    plan = read_plan(load_document(request.get_data()))
    if plan.warnings and request.args.get("failonwarnings", "").lower() == "true":
        raise BadRequestException(WARNINGS_FOUND.format(warnings="\n\t".join(plan.warnings)))
    return plan


def _build(backend: APIGatewayBackend, api: RestAPI, plan: ApiPlan, mode: str,
           request: Request) -> None:
    """Build the plan into `api`; moto's refusals (a bad integration URI) as AWS's errors."""
    if mode == OVERWRITE:
        root = api.resources[api.root_resource_id]
        root.resource_methods = {}
        api.resources = {root.id: root}
        api.models = {}
        api.name = plan.title
        api.description = plan.description
    api.version = plan.version or api.version
    api.binaryMediaTypes = plan.binary_media_types or api.binaryMediaTypes
    api.api_key_source = plan.api_key_source or api.api_key_source
    try:
        for model in plan.models:
            backend.create_model(api.id, model.name, MODEL_CONTENT_TYPE, model.description or "",
                                 json.dumps(_model_schema(model.schema, api.id)))
        for path in sorted(plan.resources):
            resource = _resource(backend, api, path)
            for method in plan.resources[path]:
                _put_method(backend, api.id, resource.id, method)
    except ApiGatewayException as err:
        raise BadRequestException(err.message) from err
    refuse_past_quota(len(api.resources))  # a merge adds to what the API holds
    if plan.documentation is not None and \
            request.args.get("ignore") != IGNORE_DOCUMENTATION:
        plan.warnings.extend(documentation.import_parts(api, plan.documentation, mode))


def _resource(backend: APIGatewayBackend, api: RestAPI, path: str) -> Resource:
    """The resource at `path`, made with any missing ancestors."""
    resource = api.resources[api.root_resource_id]
    for part in filter(None, path.split("/")):
        child = next((candidate for candidate in api.resources.values()
                      if candidate.parent_id == resource.id and candidate.path_part == part),
                     None)
        resource = child or backend.create_resource(api.id, resource.id, part)
    return resource


def _put_method(backend: APIGatewayBackend, api_id: str, resource_id: str,
                method: MethodPlan) -> None:
    verb = method.http_method
    backend.put_method(api_id, resource_id, verb, method.authorization_type,
                       api_key_required=method.api_key_required,
                       request_parameters=method.request_parameters or None,
                       request_models=method.request_models or None,
                       operation_name=method.operation_name)
    for response in method.responses:
        backend.put_method_response(api_id, resource_id, verb, response.status_code,
                                    response.response_models or None,
                                    response.response_parameters or None)
    integration = method.integration
    if integration is None:
        return
    backend.put_integration(
        api_id, resource_id, verb, integration.integration_type, integration.uri,
        integration.http_method, credentials=integration.credentials,
        request_templates=integration.request_templates or None,
        passthrough_behavior=integration.passthrough_behavior,
        timeout_in_millis=integration.timeout_in_millis,
        request_parameters=integration.request_parameters or None,
        content_handling=integration.content_handling)
    for response in integration.responses:
        backend.put_integration_response(
            api_id, resource_id, verb, response.status_code, response.selection_pattern,
            response.response_templates, response.response_parameters,
            content_handling=response.content_handling)


def _model_schema(schema: Any, api_id: str) -> Any:
    """The schema with its references to the document's schemas made model URLs, as AWS
    stores them."""
    if isinstance(schema, dict):
        return {key: _reference(value, api_id) if key == "$ref" else _model_schema(value, api_id)
                for key, value in schema.items()}
    if isinstance(schema, list):
        return [_model_schema(item, api_id) for item in schema]
    return schema


def _reference(value: Any, api_id: str) -> Any:
    found = LOCAL_SCHEMA_REFERENCE.fullmatch(value) if isinstance(value, str) else None
    return MODEL_URL.format(api_id=api_id, name=found["name"]) if found else value


def _answer(api: RestAPI, warnings: list[str], status: HTTPStatus) -> Response:
    shape = {key: value for key, value in api.to_dict().items() if value is not None}
    if warnings:
        shape["warnings"] = warnings
    return Response(json.dumps(shape), status=status, content_type="application/json")
