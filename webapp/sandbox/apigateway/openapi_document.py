"""An OpenAPI 3.0 or Swagger 2.0 definition read into what ImportRestApi and PutRestApi build.

AWS documents the import in its developer guide ("Develop REST APIs using OpenAPI in API
Gateway", "OpenAPI extensions to API Gateway"): paths become resources, their operations
methods (`parameters` the method's requestParameters, `requestBody` or a `body` parameter its
requestModels, `responses` its method responses, `security` its authorization),
`x-amazon-apigateway-integration` the method's integration and integration responses,
`components.schemas` (3.0) or `definitions` (2.0) the API's models, `info` its name, description
and version. Reading is separate from building so that a document AWS refuses ("Invalid OpenAPI
input.", 400 BadRequestException, as AWS answers a body that is not an OpenAPI 2.0 or 3.0 API)
changes nothing, as AWS documents ("Errors and warnings from importing your API").

Minor problems (a reference to a model the document does not define, a security scheme the
sandbox does not import) are warnings, returned with the API or refused when `failonwarnings`
is true. The body may be JSON or YAML: YAML is read with the parser moto itself imports, and
either is made plain JSON within API Gateway's 6 MB first (document_limits.py).
"""
import json
from dataclasses import dataclass, field
from typing import Any

from webapp.sandbox.apigateway.document_limits import (INVALID_INPUT, MAX_DEFINITION_BYTES,
                                                       TOO_LARGE, load_yaml, plain_json)
from webapp.sandbox.apigateway.exceptions import BadRequestException
from webapp.sandbox.apigateway.resource_quota import refuse_past_quota

SWAGGER_VERSION = "2.0"
OPENAPI_VERSION_PREFIX = "3.0"
VERBS = ("get", "put", "post", "delete", "options", "head", "patch")
ANY_METHOD = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"
DOCUMENTATION = "x-amazon-apigateway-documentation"
BINARY_MEDIA_TYPES = "x-amazon-apigateway-binary-media-types"
API_KEY_SOURCE = "x-amazon-apigateway-api-key-source"
AUTH_TYPE = "x-amazon-apigateway-authtype"
AUTHORIZER = "x-amazon-apigateway-authorizer"
SIGV4_AUTH_TYPES = frozenset({"awssigv4"})
API_KEY_HEADER = "x-api-key"
INTEGRATION_TYPES = frozenset({"AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"})
# Where each OpenAPI parameter location goes in a method's requestParameters.
PARAMETER_SOURCES = {"path": "path", "query": "querystring", "header": "header"}
DEFAULT_MEDIA_TYPE = "application/json"
DEFAULT_RESPONSE = "default"
MISSING_MODEL = "Reference to model '{name}' not found. Ignoring."
UNSUPPORTED_SCHEME = ("Security scheme '{name}' is neither AWS_IAM (awsSigv4) nor an API key: "
                      "its authorizer is not imported. Ignoring.")


@dataclass(frozen=True, slots=True)
class IntegrationResponsePlan:
    """One entry of the integration's `responses`: selected by `selection_pattern`."""

    status_code: str
    selection_pattern: str | None
    response_templates: dict[str, str]
    response_parameters: dict[str, str]
    content_handling: str | None


@dataclass(frozen=True, slots=True)
class IntegrationPlan:
    """A method's `x-amazon-apigateway-integration`."""

    integration_type: str
    uri: str
    http_method: str | None
    credentials: str | None
    passthrough_behavior: str | None
    request_templates: dict[str, str]
    request_parameters: dict[str, str]
    content_handling: str | None
    timeout_in_millis: int | None
    responses: tuple[IntegrationResponsePlan, ...]


@dataclass(frozen=True, slots=True)
class MethodResponsePlan:
    """A method response: its status code, headers and models by content type."""

    status_code: str
    response_parameters: dict[str, bool]
    response_models: dict[str, str]


@dataclass(frozen=True, slots=True)
class MethodPlan:
    """An operation of a path, as the method API Gateway makes of it."""

    http_method: str
    authorization_type: str
    api_key_required: bool
    operation_name: str | None
    request_parameters: dict[str, bool]
    request_models: dict[str, str]
    responses: tuple[MethodResponsePlan, ...]
    integration: IntegrationPlan | None


@dataclass(frozen=True, slots=True)
class ModelPlan:
    """A schema the document defines: its JSON Schema keeps the document's `$ref`s."""

    name: str
    schema: dict[str, Any]
    description: str | None


@dataclass(slots=True)
class ApiPlan:
    """Everything the document asks API Gateway to build, and the warnings it raised."""

    title: str
    description: str | None
    version: str | None
    binary_media_types: list[str] | None
    api_key_source: str | None
    models: list[ModelPlan]
    # By full path ("/pets/{petId}"), each path's methods.
    resources: dict[str, list[MethodPlan]]
    documentation: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)


def load_document(body: bytes) -> dict[str, Any]:
    """The body as a JSON or YAML object; BadRequestException if it is neither."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRequestException(INVALID_INPUT) from err
    if len(body) > MAX_DEFINITION_BYTES:
        raise BadRequestException(TOO_LARGE)
    try:
        document = json.loads(text)
    except RecursionError as err:
        raise BadRequestException(INVALID_INPUT) from err
    except ValueError:
        document = load_yaml(text)
    document = plain_json(document)
    if not isinstance(document, dict):
        raise BadRequestException(INVALID_INPUT)
    return document


def read_plan(document: dict[str, Any]) -> ApiPlan:
    """What the document builds; BadRequestException if it is no OpenAPI 2.0 or 3.0 API."""
    swagger = document.get("swagger") == SWAGGER_VERSION
    openapi = str(document.get("openapi", "")).startswith(OPENAPI_VERSION_PREFIX)
    info, paths = document.get("info"), document.get("paths")
    if not (swagger or openapi) or not isinstance(info, dict) or not isinstance(paths, dict) \
            or not isinstance(info.get("title"), str) or not info["title"]:
        raise BadRequestException(INVALID_INPUT)
    reader = _Reader(document, swagger)
    plan = ApiPlan(
        title=info["title"], description=_text(info.get("description")),
        version=_text(info.get("version")),
        binary_media_types=_strings(document.get(BINARY_MEDIA_TYPES)),
        api_key_source=_text(document.get(API_KEY_SOURCE)),
        models=reader.models(), resources={}, documentation=None, warnings=reader.warnings)
    for path, item in paths.items():
        if not isinstance(path, str) or not path.startswith("/") or not isinstance(item, dict):
            raise BadRequestException(INVALID_INPUT)
        plan.resources[path.rstrip("/") or "/"] = reader.methods(item)
    _check_resource_count(plan.resources)
    documentation = document.get(DOCUMENTATION)
    plan.documentation = documentation if isinstance(documentation, dict) else None
    return plan


def _check_resource_count(paths: dict[str, Any]) -> None:
    """LimitExceededException if the paths make more resources (each path, its ancestors and
    the root) than an API may have, before anything is built (a path thousands deep would
    overflow moto's recursive resource paths); stops counting as soon as they do."""
    made = {"/"}
    for path in paths:
        prefix = ""
        for part in filter(None, path.split("/")):
            prefix += "/" + part
            made.add(prefix)
            refuse_past_quota(len(made))


class _Reader:
    """Reads one document's paths and schemas, collecting warnings as it goes."""

    def __init__(self, document: dict[str, Any], swagger: bool) -> None:
        self._document = document
        self._swagger = swagger
        components = document.get("components") if isinstance(document.get("components"),
                                                               dict) else {}
        self._schemas = _mapping(document.get("definitions") if swagger
                                 else components.get("schemas"))
        self._schemes = _mapping(document.get("securityDefinitions") if swagger
                                 else components.get("securitySchemes"))
        self._consumes = _strings(document.get("consumes")) or [DEFAULT_MEDIA_TYPE]
        self._produces = _strings(document.get("produces")) or [DEFAULT_MEDIA_TYPE]
        self.warnings: list[str] = []

    def models(self) -> list[ModelPlan]:
        return [ModelPlan(name=str(name), schema=schema,
                          description=_text(schema.get("description")))
                for name, schema in self._schemas.items() if isinstance(schema, dict)]

    def methods(self, item: dict[str, Any]) -> list[MethodPlan]:
        shared = item.get("parameters") if isinstance(item.get("parameters"), list) else []
        methods = []
        for key, operation in item.items():
            verb = "ANY" if key == ANY_METHOD else key.upper() if key in VERBS else None
            if verb is None:
                continue
            if not isinstance(operation, dict):
                raise BadRequestException(INVALID_INPUT)
            methods.append(self._method(verb, operation, shared))
        return methods

    def _method(self, verb: str, operation: dict[str, Any],
                shared: list[Any]) -> MethodPlan:
        parameters: dict[str, bool] = {}
        models: dict[str, str] = {}
        for parameter in [*shared, *(operation.get("parameters") or [])]:
            parameter = self._resolve(parameter)
            place = PARAMETER_SOURCES.get(parameter.get("in", ""))
            if place is not None and parameter.get("name"):
                parameters[f"method.request.{place}.{parameter['name']}"] = \
                    bool(parameter.get("required", place == "path"))
            elif parameter.get("in") == "body":
                consumes = _strings(operation.get("consumes")) or self._consumes
                self._add_model(models, consumes[0], parameter.get("schema"))
        body = self._resolve(operation.get("requestBody"))
        for media_type, content in _mapping(body.get("content")).items():
            self._add_model(models, media_type, _mapping(content).get("schema"))
        authorization, api_key_required = self._security(operation)
        return MethodPlan(
            http_method=verb, authorization_type=authorization,
            api_key_required=api_key_required,
            operation_name=_text(operation.get("operationId")),
            request_parameters=parameters, request_models=models,
            responses=self._responses(operation),
            integration=_integration(operation.get(INTEGRATION)))

    def _responses(self, operation: dict[str, Any]) -> tuple[MethodResponsePlan, ...]:
        responses = []
        for code, response in _mapping(operation.get("responses")).items():
            if str(code) == DEFAULT_RESPONSE:
                continue
            response = self._resolve(response)
            headers = {f"method.response.header.{name}": False
                       for name in _mapping(response.get("headers"))}
            models: dict[str, str] = {}
            if self._swagger:
                produces = _strings(operation.get("produces")) or self._produces
                self._add_model(models, produces[0], response.get("schema"))
            for media_type, content in _mapping(response.get("content")).items():
                self._add_model(models, media_type, _mapping(content).get("schema"))
            responses.append(MethodResponsePlan(str(code), headers, models))
        return tuple(responses)

    def _security(self, operation: dict[str, Any]) -> tuple[str, bool]:
        requirements = operation.get("security", self._document.get("security")) or []
        authorization, api_key_required = "NONE", False
        for requirement in requirements if isinstance(requirements, list) else []:
            for name in _mapping(requirement):
                scheme = _mapping(self._schemes.get(name))
                if str(scheme.get(AUTH_TYPE, "")).lower() in SIGV4_AUTH_TYPES:
                    authorization = "AWS_IAM"
                elif scheme.get("type") == "apiKey" and AUTHORIZER not in scheme \
                        and str(scheme.get("name", "")).lower() == API_KEY_HEADER:
                    api_key_required = True
                else:
                    self._warn(UNSUPPORTED_SCHEME.format(name=name))
        return authorization, api_key_required

    def _add_model(self, models: dict[str, str], media_type: str, schema: Any) -> None:
        """Name the schema's model for `media_type`, if the schema is a reference to one."""
        reference = _mapping(schema).get("$ref")
        if not isinstance(reference, str):
            return
        name = reference.rpartition("/")[2]
        if name in self._schemas:
            models[media_type] = name
        else:
            self._warn(MISSING_MODEL.format(name=name))

    def _resolve(self, value: Any) -> dict[str, Any]:
        """A parameter, request body or response, following a local `$ref` to it."""
        value = _mapping(value)
        reference = value.get("$ref")
        if not isinstance(reference, str) or not reference.startswith("#/"):
            return value
        target: Any = self._document
        for part in reference[2:].split("/"):
            target = _mapping(target).get(part.replace("~1", "/").replace("~0", "~"))
        return _mapping(target)

    def _warn(self, warning: str) -> None:
        if warning not in self.warnings:
            self.warnings.append(warning)


def _integration(extension: Any) -> IntegrationPlan | None:
    if extension is None:
        return None
    if not isinstance(extension, dict):
        raise BadRequestException(INVALID_INPUT)
    integration_type = str(extension.get("type", "")).upper()
    if integration_type not in INTEGRATION_TYPES:
        raise BadRequestException(INVALID_INPUT)
    responses = []
    for pattern, response in _mapping(extension.get("responses")).items():
        response = _mapping(response)
        responses.append(IntegrationResponsePlan(
            status_code=str(response.get("statusCode", "")),
            selection_pattern=None if pattern == DEFAULT_RESPONSE else str(pattern),
            response_templates=_mapping(response.get("responseTemplates")),
            response_parameters=_mapping(response.get("responseParameters")),
            content_handling=_text(response.get("contentHandling"))))
    http_method = _text(extension.get("httpMethod"))
    timeout = extension.get("timeoutInMillis")
    return IntegrationPlan(
        integration_type=integration_type, uri=str(extension.get("uri", "")),
        http_method=http_method.upper() if http_method else None,
        credentials=_text(extension.get("credentials")),
        passthrough_behavior=(_text(extension.get("passthroughBehavior")) or "").upper() or None,
        request_templates=_mapping(extension.get("requestTemplates")),
        request_parameters=_mapping(extension.get("requestParameters")),
        content_handling=_text(extension.get("contentHandling")),
        timeout_in_millis=int(timeout) if isinstance(timeout, int) else None,
        responses=tuple(responses))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str] | None:
    return [str(item) for item in value] if isinstance(value, list) else None


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None
