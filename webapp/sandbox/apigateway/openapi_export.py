"""GetExport: a stage's deployment written as OpenAPI 3.0.1 or Swagger 2.0, as AWS writes it.

moto wrote Swagger 2.0 whatever type was asked, from the live API, without models, parameters
or integrations, and answered for stages that do not exist. AWS's API reference (GetExport)
and developer guide ("Export a REST API from API Gateway", "OpenAPI extensions to API
Gateway") are the spec:

* `GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger}` answers 200 with the document as
  the body, `Content-Type` the `Accept` asked for (application/json, the default, or
  application/yaml) and `Content-Disposition: attachment; filename="…"`; an unknown stage is
  404 NotFoundException "Invalid stage identifier specified", another export type 400
  BadRequestException "No API exporter for type '…'";
* the document describes the stage's deployment (api_definition.py, kept with the deployment's
  snapshot), not the live API: `info` (title, description, and as version the deployment's
  date, as AWS's exports show it), the stage's invoke URL (OpenAPI 3: `servers` with a
  `basePath` variable; Swagger: `host`, `basePath`, `schemes`), each method's parameters,
  request body, responses (headers, and models as `$ref`s to `components/schemas` or
  `definitions`, which hold the models the methods use), `operationId` and `security`
  (AWS_IAM as the `sigv4` scheme, a required API key as `api_key`, an authorizer by name);
* `extensions=integrations` or `apigateway` adds each method's `x-amazon-apigateway-integration`
  (type and passthrough behaviour in lower case, integration responses keyed by selection
  pattern, "default" for none) and the API's binary media types; `authorizers` or `apigateway`
  adds the authorizers' `x-amazon-apigateway-authorizer`; `apigateway` adds the request
  validators (`x-amazon-apigateway-request-validators`, and each method's
  `x-amazon-apigateway-request-validator`). `postman` adds nothing here.

ImportRestApi (openapi_import.py) reads the document back, so an export with its integrations
rebuilds an API that answers the same.
"""
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from moto.apigateway import utils as moto_apigateway_utils
from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.apigateway.api_definition import ApiDefinition, describe
from webapp.sandbox.apigateway.exceptions import (ApiGatewayError, BadRequestException,
                                                  NotFoundException)
from webapp.sandbox.apigateway.openapi_document import (ANY_METHOD, AUTH_TYPE, AUTHORIZER,
                                                        BINARY_MEDIA_TYPES, DEFAULT_MEDIA_TYPE,
                                                        DEFAULT_RESPONSE, INTEGRATION)
from webapp.sandbox.apigateway.snapshots import SnapshotStore, find_api
from webapp.sandbox.apigateway.unknown_api import missing_api
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

# The operations whose handler here answers unknown APIs too (unknown_api.py).
HANDLED_OPERATIONS = ("GetExport",)
EXPORT_PATH = re.compile(r"/restapis/(?P<api_id>[^/]+)/stages/(?P<stage>[^/]+)"
                         r"/exports/(?P<export_type>[^/]+)/?")
OAS30, SWAGGER = "oas30", "swagger"
OPENAPI_VERSION = "3.0.1"
SWAGGER_VERSION = "2.0"
UNKNOWN_STAGE = "Invalid stage identifier specified"
UNKNOWN_TYPE = "No API exporter for type '{export_type}'"
YAML_TYPE = "application/yaml"
FILE_EXTENSIONS = {DEFAULT_MEDIA_TYPE: "json", YAML_TYPE: "yaml"}
DISPOSITION = 'attachment; filename="{export_type}_{version}.{extension}"'
# The `extensions` parameter's values (comma-separated) and what each adds.
INTEGRATION_EXTENSIONS = frozenset({"integrations", "apigateway"})
AUTHORIZER_EXTENSIONS = frozenset({"authorizers", "apigateway"})
ALL_EXTENSIONS = "apigateway"
REQUEST_VALIDATORS = "x-amazon-apigateway-request-validators"
REQUEST_VALIDATOR = "x-amazon-apigateway-request-validator"
VALIDATOR_FIELDS = ("validateRequestBody", "validateRequestParameters")
VERSION_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
INVOKE_HOST = "{api_id}.execute-api.{region}.amazonaws.com"
SERVER_URL = "https://{host}/{{basePath}}"
BASE_PATH = "basePath"
MODEL_URL = re.compile(r"https://apigateway\.amazonaws\.com/restapis/[^/]+/models/(?P<name>[^/]+)")
REQUEST_PARAMETER = re.compile(r"method\.request\.(?P<place>[a-z]+)\.(?P<name>.+)")
RESPONSE_HEADER = re.compile(r"method\.response\.header\.(?P<name>.+)")
# Where each kind of method request parameter sits in an OpenAPI operation.
PARAMETER_PLACES = {"path": "path", "querystring": "query", "multivaluequerystring": "query",
                    "header": "header", "multivalueheader": "header"}
STRING_SCHEMA = {"type": "string"}
SIGV4, API_KEY = "sigv4", "api_key"
SECURITY_SCHEMES = {
    SIGV4: {"type": "apiKey", "name": "Authorization", "in": "header", AUTH_TYPE: "awsSigv4"},
    API_KEY: {"type": "apiKey", "name": "x-api-key", "in": "header"},
}
AUTHORIZER_AUTH_TYPES = {"TOKEN": "custom", "REQUEST": "custom",
                         "COGNITO_USER_POOLS": "cognito_user_pools"}
AUTHORIZER_FIELDS = ("authorizerUri", "authorizerCredentials", "identitySource",
                     "identityValidationExpression", "authorizerResultTtlInSeconds",
                     "providerARNs")
HEADER_SOURCE = re.compile(r"method\.request\.header\.(?P<name>[^,\s]+)")
# A Lambda REQUEST authorizer names no single header; AWS's exports say "Unused".
UNUSED_HEADER = "Unused"
INTEGRATION_FIELDS = ("credentials", "requestParameters", "requestTemplates",
                      "contentHandling", "timeoutInMillis", "cacheNamespace",
                      "cacheKeyParameters")
INTEGRATION_RESPONSE_FIELDS = ("responseParameters", "responseTemplates", "contentHandling")


@dataclass(frozen=True, slots=True)
class StagePlace:
    """Where the exported stage answers, and the date its document is versioned by."""

    api_id: str
    region: str
    stage: str
    version: str


def register(dispatcher: Dispatcher, store: SnapshotStore) -> None:
    """Answer GetExport from the deployments' snapshots kept in `store`."""

    @dispatcher.register("apigateway", "GetExport")
    def get_export(request: Request, operation: AwsOperation) -> Response | None:
        found = EXPORT_PATH.fullmatch(request.path)
        account_id = get_account_id_from(operation.access_key_id)
        api = find_api(account_id, operation.region, found["api_id"]) if found else None
        if found is None or api is None:
            return missing_api(request, operation)
        export_type = found["export_type"]
        try:
            if export_type not in (OAS30, SWAGGER):
                raise BadRequestException(UNKNOWN_TYPE.format(export_type=export_type))
            stage = api.stages.get(found["stage"])
            if stage is None:
                raise NotFoundException(UNKNOWN_STAGE)
        except ApiGatewayError as err:
            return err.response()
        snapshot = store.get(account_id, operation.region, api.id, stage.deployment_id)
        # A deployment the sandbox kept no snapshot of is described as the API is now, as
        # responses.py serves it.
        definition = snapshot.definition if snapshot is not None and \
            snapshot.definition is not None else describe(api)
        deployment = api.deployments.get(stage.deployment_id)
        created = deployment.created_date if deployment is not None else time.time()
        place = StagePlace(api.id, operation.region, stage.name,
                           time.strftime(VERSION_FORMAT, time.gmtime(created)))
        extensions = frozenset(filter(None, request.args.get("extensions", "").split(",")))
        document = export_document(definition, place, export_type == SWAGGER, extensions)
        content_type = YAML_TYPE if YAML_TYPE in request.headers.get("Accept", "") \
            else DEFAULT_MEDIA_TYPE
        body = moto_apigateway_utils.yaml.safe_dump(document, sort_keys=False) \
            if content_type == YAML_TYPE else json.dumps(document, indent=2)
        disposition = DISPOSITION.format(export_type=export_type, version=place.version,
                                         extension=FILE_EXTENSIONS[content_type])
        return Response(body, status=200, content_type=content_type,
                        headers={"Content-Disposition": disposition})


def export_document(definition: ApiDefinition, place: StagePlace, swagger: bool,
                    extensions: frozenset[str]) -> dict[str, Any]:
    """The OpenAPI 3.0.1 (or, if `swagger`, 2.0) document of a deployed API."""
    return _Writer(definition, swagger, extensions).document(place)


class _Writer:
    """Writes one API's document, gathering the models and security schemes it uses."""

    def __init__(self, definition: ApiDefinition, swagger: bool,
                 extensions: frozenset[str]) -> None:
        self._api = definition
        self._swagger = swagger
        self._integrations = bool(extensions & INTEGRATION_EXTENSIONS)
        self._authorizers = bool(extensions & AUTHORIZER_EXTENSIONS)
        self._validators = ALL_EXTENSIONS in extensions
        self._models: set[str] = set()
        self._schemes: dict[str, dict[str, Any]] = {}

    def document(self, place: StagePlace) -> dict[str, Any]:
        info: dict[str, Any] = {"title": self._api.name}
        if self._api.description:
            info["description"] = self._api.description
        info["version"] = place.version
        host = INVOKE_HOST.format(api_id=place.api_id, region=place.region)
        paths = {path: self._path_item(methods)
                 for path, methods in sorted(self._api.methods.items()) if methods}
        schemas = self._schemas()
        if self._swagger:
            document: dict[str, Any] = {
                "swagger": SWAGGER_VERSION, "info": info, "host": host,
                "basePath": f"/{place.stage}", "schemes": ["https"], "paths": paths}
            if self._schemes:
                document["securityDefinitions"] = self._schemes
            if schemas:
                document["definitions"] = schemas
        else:
            document = {
                "openapi": OPENAPI_VERSION, "info": info,
                "servers": [{"url": SERVER_URL.format(host=host),
                             "variables": {BASE_PATH: {"default": f"/{place.stage}"}}}],
                "paths": paths}
            components = {key: value for key, value in (("schemas", schemas),
                                                         ("securitySchemes", self._schemes))
                          if value}
            if components:
                document["components"] = components
        if self._integrations and self._api.binary_media_types:
            document[BINARY_MEDIA_TYPES] = list(self._api.binary_media_types)
        if self._validators and self._api.request_validators:
            document[REQUEST_VALIDATORS] = {
                validator["name"]: {key: bool(validator.get(key)) for key in VALIDATOR_FIELDS}
                for validator in self._api.request_validators.values()}
        return document

    def _path_item(self, methods: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return {ANY_METHOD if verb == "ANY" else verb.lower(): self._operation(method)
                for verb, method in sorted(methods.items())}

    def _operation(self, method: dict[str, Any]) -> dict[str, Any]:
        operation: dict[str, Any] = {}
        request_models = method.get("requestModels") or {}
        responses = method.get("methodResponses") or {}
        if method.get("operationName"):
            operation["operationId"] = method["operationName"]
        if self._swagger:
            if request_models:
                operation["consumes"] = sorted(request_models)
            produced = sorted({media_type for response in responses.values()
                               for media_type in response.get("responseModels") or {}})
            if produced:
                operation["produces"] = produced
        parameters = [self._parameter(match["place"], match["name"], bool(required))
                      for key, required in (method.get("requestParameters") or {}).items()
                      if (match := REQUEST_PARAMETER.fullmatch(key))
                      and match["place"] in PARAMETER_PLACES]
        if request_models and self._swagger:
            name = _preferred(request_models)
            parameters.append({"in": "body", "name": name, "required": True,
                               "schema": self._reference(name)})
        if parameters:
            operation["parameters"] = parameters
        if request_models and not self._swagger:
            operation["requestBody"] = {"content": self._content(request_models),
                                        "required": True}
        operation["responses"] = {code: self._response(code, response)
                                  for code, response in sorted(responses.items())}
        security = self._security(method)
        if security:
            operation["security"] = security
        validator = self._api.request_validators.get(method.get("requestValidatorId") or "")
        if self._validators and validator is not None:
            operation[REQUEST_VALIDATOR] = validator["name"]
        integration = method.get("methodIntegration")
        if self._integrations and integration:
            operation[INTEGRATION] = _integration(integration)
        return operation

    def _parameter(self, place: str, name: str, required: bool) -> dict[str, Any]:
        parameter: dict[str, Any] = {"name": name, "in": PARAMETER_PLACES[place]}
        if self._swagger:
            return {**parameter, "required": required, **STRING_SCHEMA}
        if required:
            parameter["required"] = True
        return {**parameter, "schema": dict(STRING_SCHEMA)}

    def _response(self, code: str, response: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = {"description": f"{code} response"}
        models = response.get("responseModels") or {}
        if self._swagger and models:
            answer["schema"] = self._reference(_preferred(models))
        headers = {match["name"]: dict(STRING_SCHEMA) if self._swagger
                   else {"schema": dict(STRING_SCHEMA)}
                   for key in response.get("responseParameters") or {}
                   if (match := RESPONSE_HEADER.fullmatch(key))}
        if headers:
            answer["headers"] = headers
        if models and not self._swagger:
            answer["content"] = self._content(models)
        return answer

    def _content(self, models: dict[str, str]) -> dict[str, Any]:
        return {media_type: {"schema": self._reference(name)}
                for media_type, name in models.items()}

    def _reference(self, name: str) -> dict[str, str]:
        self._models.add(name)
        return {"$ref": self._local(name)}

    def _local(self, name: str) -> str:
        return f"#/definitions/{name}" if self._swagger else f"#/components/schemas/{name}"

    def _security(self, method: dict[str, Any]) -> list[dict[str, list[str]]]:
        requirement: dict[str, list[str]] = {}
        authorization = method.get("authorizationType")
        authorizer = self._api.authorizers.get(method.get("authorizerId") or "")
        if authorization == "AWS_IAM":
            requirement[SIGV4] = []
            self._schemes[SIGV4] = SECURITY_SCHEMES[SIGV4]
        elif authorization in ("CUSTOM", "COGNITO_USER_POOLS") and authorizer is not None:
            requirement[authorizer["name"]] = list(method.get("authorizationScopes") or [])
            self._schemes[authorizer["name"]] = self._authorizer_scheme(authorizer)
        if method.get("apiKeyRequired"):
            requirement[API_KEY] = []
            self._schemes[API_KEY] = SECURITY_SCHEMES[API_KEY]
        return [requirement] if requirement else []

    def _authorizer_scheme(self, authorizer: dict[str, Any]) -> dict[str, Any]:
        header = HEADER_SOURCE.match(authorizer.get("identitySource") or "")
        kind = str(authorizer.get("type", ""))
        scheme: dict[str, Any] = {
            "type": "apiKey",
            "name": header["name"] if header and kind != "REQUEST" else UNUSED_HEADER,
            "in": "header", AUTH_TYPE: AUTHORIZER_AUTH_TYPES.get(kind, "custom")}
        if self._authorizers:
            scheme[AUTHORIZER] = {"type": kind.lower(), **{
                key: authorizer[key] for key in AUTHORIZER_FIELDS
                if authorizer.get(key) not in (None, "", [])}}
        return scheme

    def _schemas(self) -> dict[str, Any]:
        """The models the methods use, and those their schemas refer to, by name."""
        schemas: dict[str, Any] = {}
        pending = sorted(self._models)
        while pending:
            name = pending.pop(0)
            model = self._api.models.get(name)
            if name in schemas or model is None or model.schema is None:
                continue
            schema = {key: value for key, value in model.schema.items() if key != "$schema"}
            schemas[name] = self._localized(schema, pending)
        return dict(sorted(schemas.items()))

    def _localized(self, schema: Any, pending: list[str]) -> Any:
        """The schema with model URLs made local references; their models join `pending`."""
        if isinstance(schema, dict):
            return {key: self._localized_reference(value, pending) if key == "$ref"
                    else self._localized(value, pending) for key, value in schema.items()}
        if isinstance(schema, list):
            return [self._localized(item, pending) for item in schema]
        return schema

    def _localized_reference(self, value: Any, pending: list[str]) -> Any:
        found = MODEL_URL.fullmatch(value) if isinstance(value, str) else None
        if found is None:
            return value
        pending.append(found["name"])
        return self._local(found["name"])


def _preferred(models: dict[str, str]) -> str:
    """The model for application/json if there is one, else the first."""
    return models.get(DEFAULT_MEDIA_TYPE) or next(iter(models.values()))


def _integration(integration: dict[str, Any]) -> dict[str, Any]:
    kind = str(integration.get("type") or "")
    extension: dict[str, Any] = {"type": kind.lower()}
    if integration.get("uri"):
        extension["uri"] = integration["uri"]
    if integration.get("httpMethod") and kind != "MOCK":
        extension["httpMethod"] = integration["httpMethod"]
    extension.update({key: integration[key] for key in INTEGRATION_FIELDS
                      if integration.get(key) not in (None, "", [], {})})
    responses = {}
    for response in (integration.get("integrationResponses") or {}).values():
        entry = {"statusCode": str(response.get("statusCode"))}
        entry.update({key: response[key] for key in INTEGRATION_RESPONSE_FIELDS
                      if response.get(key)})
        responses[response.get("selectionPattern") or DEFAULT_RESPONSE] = entry
    if responses:
        extension["responses"] = responses
    if integration.get("passthroughBehavior"):
        extension["passthroughBehavior"] = str(integration["passthroughBehavior"]).lower()
    return extension
