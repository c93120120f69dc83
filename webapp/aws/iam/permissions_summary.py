"""What a role may do, read from its policies: per service, which actions on which resources.

Pure: takes policy documents (name, dict) and returns a Summary; no Flask, no boto3. Wildcard
actions are expanded with AWS's action catalogue (webapp.aws.iam.catalogue), so `dynamodb:*` shows how
many actions it really grants. Deny statements and Allow statements with NotAction are listed as
written, since they cannot be read as a list of actions.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from webapp.aws.iam.catalogue import expand_action, service_name
from webapp.iam_grammar.wildcards import has_wildcard

# How many actions a row shows before "and N more".
ACTION_DISPLAY_CAP = 8
ALL_SERVICES = "*"


@dataclass(frozen=True, slots=True)
class Grant:
    """Actions of one service allowed on one set of resources, merged across statements."""

    actions: tuple[str, ...]
    written: tuple[str, ...]
    resources: tuple[str, ...]
    sources: tuple[str, ...]
    not_resource: bool = False
    conditional: bool = False

    @property
    def shown_actions(self) -> tuple[str, ...]:
        """The first actions, for a row of the summary."""
        return self.actions[:ACTION_DISPLAY_CAP]

    @property
    def more_actions(self) -> int:
        """How many actions the row does not show."""
        return max(0, len(self.actions) - ACTION_DISPLAY_CAP)

    @property
    def wildcards(self) -> tuple[str, ...]:
        """Patterns as written that hold a wildcard (they expand to many actions)."""
        return tuple(pattern for pattern in self.written if has_wildcard(pattern))


@dataclass(frozen=True, slots=True)
class ServiceSummary:
    """Everything one service's actions are allowed on."""

    prefix: str
    name: str
    grants: tuple[Grant, ...]

    @property
    def action_count(self) -> int:
        """Distinct actions allowed in this service, on any resource."""
        return len({action for grant in self.grants for action in grant.actions})


@dataclass(frozen=True, slots=True)
class StatementView:
    """A statement listed as written: a Deny, or an Allow of every action except some."""

    source: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_action: bool = False
    not_resource: bool = False
    conditional: bool = False


@dataclass(frozen=True, slots=True)
class Summary:
    """A role's permissions: allowed actions per service, denies, and broad allows."""

    services: tuple[ServiceSummary, ...] = ()
    denies: tuple[StatementView, ...] = ()
    allows_except: tuple[StatementView, ...] = ()
    all_actions: tuple[Grant, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        """True when the policies allow and deny nothing."""
        return not (self.services or self.denies or self.allows_except or self.all_actions)


def strings(value: object) -> tuple[str, ...]:
    """A policy field holding one string or a list of them, as a tuple (other values dropped)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def statements(document: object) -> list[dict]:
    """A policy document's statements (one or a list), the well-formed ones."""
    found = document.get("Statement", []) if isinstance(document, dict) else []
    found = found if isinstance(found, list) else [found]
    return [statement for statement in found if isinstance(statement, dict)]


def _expand(pattern: str) -> list[str]:
    """Known actions matching the pattern; the pattern itself when the catalogue knows none."""
    return list(expand_action(pattern)) or [pattern]


def service_label(prefix: str) -> str:
    """The service's human name (Amazon DynamoDB), or its prefix when the catalogue has none."""
    return service_name(prefix) or prefix


class _Merger:
    """Collects allowed actions keyed by service and resource set."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, tuple[str, ...], bool, bool], dict[str, dict[str, None]]] = {}

    def add(self, prefix: str, key_rest: tuple[tuple[str, ...], bool, bool], actions: Iterable[str],
            written: str, source: str) -> None:
        row = self.rows.setdefault((prefix, *key_rest),
                                   {"actions": {}, "written": {}, "sources": {}})
        row["actions"].update(dict.fromkeys(actions))
        row["written"][written] = None
        row["sources"][source] = None

    def grants(self, prefix: str) -> list[Grant]:
        found = []
        for (row_prefix, resources, not_resource, conditional), row in self.rows.items():
            if row_prefix == prefix:
                found.append(Grant(tuple(sorted(row["actions"], key=str.lower)),
                                   tuple(row["written"]), resources, tuple(row["sources"]),
                                   not_resource, conditional))
        return sorted(found, key=lambda grant: (grant.resources, grant.not_resource))

    def prefixes(self) -> list[str]:
        return list(dict.fromkeys(key[0] for key in self.rows))


def summarise(documents: list[tuple[str, dict]]) -> Summary:
    """Read every statement of every (policy name, document) into one Summary."""
    merger = _Merger()
    denies: list[StatementView] = []
    allows_except: list[StatementView] = []
    for source, document in documents:
        for statement in statements(document):
            effect = statement.get("Effect")
            not_action = "NotAction" in statement
            not_resource = "NotResource" in statement
            actions = strings(statement.get("NotAction" if not_action else "Action"))
            resources = strings(statement.get("NotResource" if not_resource else "Resource"))
            conditional = bool(statement.get("Condition"))
            view = StatementView(source, str(effect), actions, resources, not_action,
                                 not_resource, conditional)
            if effect == "Deny":
                denies.append(view)
            elif effect != "Allow":
                continue
            elif not_action:
                allows_except.append(view)
            else:
                key_rest = (tuple(sorted(resources)), not_resource, conditional)
                for pattern in actions:
                    if pattern == "*":
                        merger.add(ALL_SERVICES, key_rest, (), pattern, source)
                        continue
                    prefix = pattern.split(":", 1)[0].lower()
                    merger.add(prefix, key_rest, _expand(pattern), pattern, source)
    services = tuple(sorted(
        (ServiceSummary(prefix, service_label(prefix), tuple(merger.grants(prefix)))
         for prefix in merger.prefixes() if prefix != ALL_SERVICES),
        key=lambda service: service.name.lower()))
    return Summary(services, tuple(denies), tuple(allows_except),
                   tuple(merger.grants(ALL_SERVICES)))
