"""An API's resource tree: list, read, check a new path part, create, delete with what is under it."""
from __future__ import annotations

import re
from dataclasses import dataclass

from webapp.aws.apigateway.rest_apis import LARGEST_PAGE
from webapp.aws.clients import client
from webapp.aws.errors import N_, aws_errors

# A path part as API Gateway accepts it: plain, {param} or a greedy {param+}.
PATH_PART = re.compile(r"^(?:[A-Za-z0-9._:-]+|\{[A-Za-z0-9._-]+\+?\})$")
_PATH_PARAM = re.compile(r"\{([^}+]+)\+?\}")


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource of an API's tree: its path and the methods defined on it."""

    resource_id: str
    parent_id: str | None
    path_part: str
    path: str
    methods: tuple[str, ...]

    @property
    def depth(self) -> int:
        """0 for the root "/", 1 for /items, 2 for /items/{id}…"""
        return 0 if self.path == "/" else self.path.count("/")

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """The names of the {param} and {param+} parts along the path."""
        return tuple(_PATH_PARAM.findall(self.path))


def _resource(raw: dict) -> Resource:
    return Resource(raw["id"], raw.get("parentId"), raw.get("pathPart", ""), raw.get("path", "/"),
                    tuple(sorted(raw.get("resourceMethods", {}) or {})))


def list_resources(api_id: str) -> list[Resource]:
    """Every resource of the API, parents before children (sorted by path, like folders)."""
    with aws_errors(N_("list the API's resources"), f"REST API {api_id}"):
        pages = client("apigateway").get_paginator("get_resources").paginate(
            restApiId=api_id, PaginationConfig={"PageSize": LARGEST_PAGE})
        found = [_resource(raw) for page in pages for raw in page.get("items", [])]
    return sorted(found, key=lambda resource: resource.path.split("/"))


def get_resource(api_id: str, resource_id: str) -> Resource:
    """One resource by id."""
    with aws_errors(N_("read the resource"), f"resource {resource_id} of REST API {api_id}"):
        return _resource(client("apigateway").get_resource(restApiId=api_id,
                                                           resourceId=resource_id))


def path_part_problem(path_part: str, siblings: list[Resource]) -> str | None:
    """What API Gateway would refuse in a new path part under a parent with these children."""
    if not PATH_PART.match(path_part):
        return N_("Use letters, digits and . _ - : only, or one {name} or {name+} parameter.")
    if any(sibling.path_part == path_part for sibling in siblings):
        return N_("The parent already has a resource with this path part.")
    if path_part.startswith("{") and any(sibling.path_part.startswith("{") for sibling in siblings):
        return N_("A parent may have only one parameter resource ({name} or {name+}).")
    return None


def create_resource(api_id: str, parent_id: str, path_part: str) -> Resource:
    """A child resource under `parent_id`."""
    with aws_errors(N_("create the resource"), f"REST API {api_id}"):
        raw = client("apigateway").create_resource(restApiId=api_id, parentId=parent_id,
                                                   pathPart=path_part)
    return _resource(raw)


def subtree(resources: list[Resource], resource_id: str) -> list[Resource]:
    """The resource and everything under it, deepest first."""
    by_parent: dict[str | None, list[Resource]] = {}
    for resource in resources:
        by_parent.setdefault(resource.parent_id, []).append(resource)
    found: list[Resource] = []
    pending = [resource for resource in resources if resource.resource_id == resource_id]
    while pending:
        resource = pending.pop()
        found.append(resource)
        pending.extend(by_parent.get(resource.resource_id, []))
    return sorted(found, key=lambda resource: resource.depth, reverse=True)


def delete_resource_tree(api_id: str, resource_id: str) -> list[Resource]:
    """Delete a resource and every resource under it; the deleted ones, deepest first.

    AWS deletes the children with their parent; deleting leaves first does the same on
    endpoints that would leave them orphaned.
    """
    doomed = subtree(list_resources(api_id), resource_id)
    apigateway = client("apigateway")
    for resource in doomed:
        with aws_errors(N_("delete the resource"), f"resource {resource.path}"):
            try:
                apigateway.delete_resource(restApiId=api_id, resourceId=resource.resource_id)
            except apigateway.exceptions.NotFoundException:
                if resource.resource_id == resource_id:
                    raise
    return doomed
