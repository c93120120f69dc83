"""What GetExport describes of a deployment: the API's definition, copied when it is deployed.

AWS exports "a deployed version of a RestApi" (API reference, GetExport), so later edits to the
live API must not show in a stage's export until it is redeployed. The deployment snapshot
(snapshots.py) keeps what the stage serves; this keeps, beside it, what an OpenAPI document
says of the API: its name and description, its resources' methods as GetResources shows them
(`embed=methods`), its models, authorizers and request validators, each a deep copy of
moto's own JSON shapes, which are AWS's.
"""
import copy
import json
from dataclasses import dataclass
from typing import Any

from moto.apigateway.models import RestAPI


@dataclass(frozen=True, slots=True)
class ModelDefinition:
    """A model: its JSON Schema (None if it does not parse) and content type."""

    schema: dict[str, Any] | None
    content_type: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class ApiDefinition:
    """The API as an export describes it."""

    name: str
    description: str | None
    binary_media_types: tuple[str, ...]
    # By full path ("/pets/{petId}"), the resource's methods by verb, as GetMethod answers.
    methods: dict[str, dict[str, dict[str, Any]]]
    models: dict[str, ModelDefinition]
    # By authorizer id, as GetAuthorizer answers.
    authorizers: dict[str, dict[str, Any]]
    # By request validator id, as GetRequestValidator answers.
    request_validators: dict[str, dict[str, Any]]


def describe(api: RestAPI) -> ApiDefinition:
    """A value copy of what an export of `api` says, as it is now."""
    methods = {}
    for resource in list(api.resources.values()):
        methods[resource.get_path()] = {
            verb: copy.deepcopy(method.to_json())
            for verb, method in list(resource.resource_methods.items())}
    return ApiDefinition(
        name=api.name, description=api.description or None,
        binary_media_types=tuple(api.binaryMediaTypes or ()), methods=methods,
        models={name: ModelDefinition(_schema(model.schema), model.content_type,
                                      model.description or None)
                for name, model in list(api.models.items())},
        authorizers={authorizer_id: copy.deepcopy(authorizer.to_json())
                     for authorizer_id, authorizer in list(api.authorizers.items())},
        request_validators={validator_id: copy.deepcopy(validator.to_dict())
                            for validator_id, validator in list(api.request_validators.items())})


def _schema(text: Any) -> dict[str, Any] | None:
    if isinstance(text, dict):
        return copy.deepcopy(text)
    try:
        schema = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return schema if isinstance(schema, dict) else None
