"""Updates of an API's parts that moto does not implement (it answered 500) or applies wrongly:
UpdateModel, UpdateRequestValidator, UpdateDeployment and UpdateGatewayResponse.

Paths each takes (API reference, "Patch Operations"), `replace` unless said:
* Model: /schema, /description.
* RequestValidator: /name, /validateRequestBody, /validateRequestParameters (moto took any path
  containing a field's name, and answered 500 for an unknown validator).
* Deployment: /description.
* GatewayResponse: /statusCode; add, replace and remove on /responseParameters/<name> and
  /responseTemplates/<content type>. A response type the API has not customised yet starts from
  API Gateway's default for it (Developer Guide, "Gateway response types": its status code),
  and is customised from then on (`defaultResponse` false).

Each answers 200 with the whole updated object; what the URL names must exist (404
NotFoundException with AWS's text).
"""
import re
from typing import Any

from moto.apigateway.models import GatewayResponse, RestAPI

from webapp.sandbox.apigateway.exceptions import BadRequestException
from webapp.sandbox.apigateway.patch_paths import (
    Field, PatchOperation, PatchRules, Updater, as_bool, existing, register_update)
from webapp.sandbox.dispatch import Dispatcher

API = r"/restapis/(?P<api_id>[^/]+)"
MODEL_PATH = re.compile(API + r"/models/(?P<model_name>[^/]+)/?")
VALIDATOR_PATH = re.compile(API + r"/requestvalidators/(?P<validator_id>[^/]+)/?")
DEPLOYMENT_PATH = re.compile(API + r"/deployments/(?P<deployment_id>[^/]+)/?")
GATEWAY_RESPONSE_PATH = re.compile(API + r"/gatewayresponses/(?P<response_type>[^/]+)/?")
MODEL_RULES = PatchRules(fields={"/schema": Field("schema"),
                                 "/description": Field("description")})
VALIDATOR_RULES = PatchRules(fields={
    "/name": Field("name"),
    "/validateRequestBody": Field("validate_request_body", as_bool),
    "/validateRequestParameters": Field("validate_request_parameters", as_bool)})
DEPLOYMENT_RULES = PatchRules(fields={"/description": Field("description")})
GATEWAY_RESPONSE_RULES = PatchRules(
    fields={"/statusCode": Field("status_code")},
    maps={"/responseParameters/": "response_parameters",
          "/responseTemplates/": "response_templates"})
# Developer Guide, "Gateway response types for API Gateway": each type's default status code
# (the two DEFAULT_* types have none of their own).
DEFAULT_STATUS: dict[str, str | None] = {
    "ACCESS_DENIED": "403", "API_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_CONFIGURATION_ERROR": "500", "AUTHORIZER_FAILURE": "500",
    "BAD_REQUEST_PARAMETERS": "400", "BAD_REQUEST_BODY": "400", "DEFAULT_4XX": None,
    "DEFAULT_5XX": None, "EXPIRED_TOKEN": "403", "INTEGRATION_FAILURE": "504",
    "INTEGRATION_TIMEOUT": "504", "INVALID_API_KEY": "403", "INVALID_SIGNATURE": "403",
    "MISSING_AUTHENTICATION_TOKEN": "403", "QUOTA_EXCEEDED": "429", "REQUEST_TOO_LARGE": "413",
    "RESOURCE_NOT_FOUND": "404", "THROTTLED": "429", "UNAUTHORIZED": "401",
    "UNSUPPORTED_MEDIA_TYPE": "415", "WAF_FILTERED": "403",
}


def update_model(api: RestAPI, names: dict[str, str],
                 patches: list[PatchOperation]) -> dict[str, Any]:
    model = existing(api.models, names["model_name"],
                     f"Invalid model name specified: {names['model_name']}")
    MODEL_RULES.patch(model, patches)
    return model.to_json()


def update_request_validator(api: RestAPI, names: dict[str, str],
                             patches: list[PatchOperation]) -> dict[str, Any]:
    validator = existing(api.request_validators, names["validator_id"],
                         "Invalid Request Validator identifier specified")
    VALIDATOR_RULES.patch(validator, patches)
    return validator.to_dict()


def update_deployment(api: RestAPI, names: dict[str, str],
                      patches: list[PatchOperation]) -> dict[str, Any]:
    deployment = existing(api.deployments, names["deployment_id"],
                          "Invalid Deployment identifier specified")
    DEPLOYMENT_RULES.patch(deployment, patches)
    return {key: value for key, value in deployment.to_json().items() if key != "stageName"}


def update_gateway_response(api: RestAPI, names: dict[str, str],
                            patches: list[PatchOperation]) -> dict[str, Any]:
    response_type = names["response_type"]
    if response_type not in DEFAULT_STATUS:
        raise BadRequestException(f"Invalid gateway response type specified: {response_type}")
    response = api.gateway_responses.get(response_type) or GatewayResponse(
        response_type=response_type, status_code=None,  # type: ignore[arg-type]
        response_parameters={}, response_templates={})
    if response_type not in api.gateway_responses:
        response.status_code = DEFAULT_STATUS[response_type]
    GATEWAY_RESPONSE_RULES.patch(response, patches)
    api.gateway_responses[response_type] = response
    return response.to_json()


# Each operation answered here: the URL it is sent to, and its update.
UPDATES: dict[str, tuple[re.Pattern[str], Updater]] = {
    "UpdateModel": (MODEL_PATH, update_model),
    "UpdateRequestValidator": (VALIDATOR_PATH, update_request_validator),
    "UpdateDeployment": (DEPLOYMENT_PATH, update_deployment),
    "UpdateGatewayResponse": (GATEWAY_RESPONSE_PATH, update_gateway_response)}
HANDLED_OPERATIONS = tuple(UPDATES)


def register(dispatcher: Dispatcher) -> None:
    """Answer the Update* operations of models, validators, deployments, gateway responses."""
    for name, (url, update) in UPDATES.items():
        register_update(dispatcher, name, url, update)
