"""Which resource and method answer a request path, by API Gateway's precedence rules.

At each level a literal path part is tried before a `{param}`, and both before a greedy
`{proxy+}`; a branch that leads nowhere gives way to the next one. Of the resources that fit the
path, the first with the request's verb (or ANY) answers; none → Missing Authentication Token.
"""
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from webapp.sandbox.apigateway.snapshots import ApiSnapshot, MethodSnapshot, ResourceSnapshot

ANY = "ANY"


@dataclass(frozen=True, slots=True)
class Match:
    """The resource and method a request reached and its path parameters (decoded)."""

    resource: ResourceSnapshot
    method: MethodSnapshot
    path_parameters: dict[str, str]


def match_request(api: ApiSnapshot, http_method: str, path: str) -> Match | None:
    """The method answering `http_method path` (path without the stage), or None."""
    parts = tuple(part for part in path.split("/") if part)
    tree = _children(api.resources)
    for resource, parameters in _candidates(tree, (), parts):
        method = resource.methods.get(http_method.upper()) or resource.methods.get(ANY)
        if method is not None:
            return Match(resource, method, parameters)
    return None


def path_parameters(resource: ResourceSnapshot, path: str) -> dict[str, str]:
    """The parameters `path` gives the resource's template (TestInvokeMethod names the resource)."""
    parts = [part for part in path.split("/") if part]
    parameters: dict[str, str] = {}
    for index, template in enumerate(resource.parts):
        if template.endswith("+}"):
            parameters[template[1:-2]] = unquote("/".join(parts[index:]))
            break
        if template.startswith("{") and index < len(parts):
            parameters[template[1:-1]] = unquote(parts[index])
    return parameters


def _children(resources: tuple[ResourceSnapshot, ...]) -> dict[tuple[str, ...],
                                                             list[ResourceSnapshot]]:
    """Resources by their parent's parts, each list in precedence order."""
    tree: dict[tuple[str, ...], list[ResourceSnapshot]] = {}
    for resource in resources:
        tree.setdefault(resource.parts[:-1], []).append(resource)
    for siblings in tree.values():
        siblings.sort(key=_precedence)
    return tree


def _precedence(resource: ResourceSnapshot) -> int:
    if not resource.parts:
        return 0
    last = resource.parts[-1]
    if last.endswith("+}"):
        return 2
    return 1 if last.startswith("{") else 0


def _candidates(tree: dict[tuple[str, ...], list[ResourceSnapshot]], parent: tuple[str, ...],
                remaining: tuple[str, ...],
                found: dict[str, str] | None = None) -> Iterator[tuple[ResourceSnapshot,
                                                                       dict[str, str]]]:
    """Resources under `parent` that fit `remaining`, best first, with their parameters."""
    parameters = found or {}
    if not remaining:
        root = [resource for resource in tree.get((), []) if not resource.parts]
        if not parent:
            yield from ((resource, parameters) for resource in root)
        return
    for child in tree.get(parent, []):
        if not child.parts:
            continue  # the root is its own parent's child in this layout
        template = child.parts[-1]
        if template.endswith("+}"):
            yield child, {**parameters, template[1:-2]: unquote("/".join(remaining))}
        elif template.startswith("{"):
            bound = {**parameters, template[1:-1]: unquote(remaining[0])}
            yield from _descend(tree, child, remaining, bound)
        elif template == unquote(remaining[0]):
            yield from _descend(tree, child, remaining, parameters)


def _descend(tree: dict[tuple[str, ...], list[ResourceSnapshot]], child: ResourceSnapshot,
             remaining: tuple[str, ...],
             parameters: dict[str, str]) -> Iterator[tuple[ResourceSnapshot, dict[str, str]]]:
    if len(remaining) == 1:
        yield child, parameters
        return
    yield from _candidates(tree, child.parts, remaining[1:], parameters)
