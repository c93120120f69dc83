"""UpdateResource, which moto does not implement (it answered 500): rename or move a resource.

AWS takes `replace` on /pathPart and /parentId only (API reference, "Patch Operations") and
answers 200 with the whole Resource. A resource's path is its parents' paths and its own part,
so its children's paths follow it; what a stage serves stays as deployed (snapshots.py) until the
next CreateDeployment. AWS's refusals, each checked before anything changes:
* a path part outside AWS's characters: 400 BadRequestException;
* a parent that does not exist: 404 NotFoundException "Invalid Resource identifier specified";
* a parent that is the resource or one of its descendants: 400 "Resources cannot be cyclical.";
* a sibling already using the part: 409 ConflictException "Another resource with the same parent
  already has this name: <part>";
* the root resource, which has no path part to change: 400 BadRequestException.
"""
import re
from typing import Any

from moto.apigateway.models import Resource, RestAPI

from webapp.sandbox.apigateway.exceptions import (
    BadRequestException, ConflictException, NotFoundException)
from webapp.sandbox.apigateway.patch_paths import (
    Field, PatchOperation, PatchRules, operation_of, register_update)
from webapp.sandbox.dispatch import Dispatcher

RESOURCE_PATH = re.compile(r"/restapis/(?P<api_id>[^/]+)/resources/(?P<resource_id>[^/]+)/?")
HANDLED_OPERATIONS = ("UpdateResource",)
PATH_PART_FIELD = "/pathPart"
PARENT_FIELD = "/parentId"
RESOURCE_RULES = PatchRules(fields={PATH_PART_FIELD: Field("path_part"),
                                    PARENT_FIELD: Field("parent_id")})
# AWS's rule for a path part, as CreateResource applies it.
PATH_PART = re.compile(r"\{?[a-zA-Z0-9._\-:]+\+?\}?")
BAD_PATH_PART = ("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning "
                 "and the end and an optional plus sign before the closing brace.")
UNKNOWN_RESOURCE = "Invalid Resource identifier specified"
CYCLICAL = "Resources cannot be cyclical."
TAKEN = "Another resource with the same parent already has this name: {path_part}"
ROOT = "The root resource cannot be renamed or moved."


def register(dispatcher: Dispatcher) -> None:
    """Answer UpdateResource with AWS's patch semantics."""
    register_update(dispatcher, "UpdateResource", RESOURCE_PATH, update_resource)


def update_resource(api: RestAPI, names: dict[str, str],
                    patches: list[PatchOperation]) -> dict[str, Any]:
    resource = api.resources.get(names["resource_id"])
    if resource is None:
        raise NotFoundException(UNKNOWN_RESOURCE)
    for patch in patches:
        RESOURCE_RULES.check(patch)
    if patches and resource.parent_id is None:
        raise BadRequestException(ROOT)
    path_part, parent_id = resource.path_part, resource.parent_id
    for patch in patches:
        value = str(patch.get("value"))
        if operation_of(patch)[1] == PATH_PART_FIELD:
            if not PATH_PART.fullmatch(value):
                raise BadRequestException(BAD_PATH_PART)
            path_part = value
        else:
            _check_parent(api, resource, value)
            parent_id = value
    if any(other is not resource and other.parent_id == parent_id
           and other.path_part == path_part for other in list(api.resources.values())):
        raise ConflictException(TAKEN.format(path_part=path_part))
    resource.path_part, resource.parent_id = path_part, parent_id
    return resource.to_dict()


def _check_parent(api: RestAPI, resource: Resource, parent_id: str) -> None:
    """NotFoundException if the parent does not exist, BadRequestException if it is the
    resource itself or lies under it."""
    ancestor: Resource | None = api.resources.get(parent_id)
    if ancestor is None:
        raise NotFoundException(UNKNOWN_RESOURCE)
    while ancestor is not None:
        if ancestor is resource:
            raise BadRequestException(CYCLICAL)
        ancestor = api.resources.get(ancestor.parent_id) if ancestor.parent_id else None
