"""What the wizard was asked to build (Plan) and what it has made so far (Made).

Both are plain data kept as JSON (to_dict / from_dict) in the wizard's record on the server
(record.py), so they stay small: names, ARNs and ids, never documents or item data beyond the few
test items.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from types import UnionType
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

R = TypeVar("R", bound="SessionRecord")

# The API the items function serves (lambda_code/items), as resource path -> methods.
API_ROUTES: dict[str, tuple[str, ...]] = {
    "/items": ("GET", "POST"),
    "/items/{id}": ("GET", "PUT", "DELETE"),
}
DEFAULT_TEST_ITEMS = (
    {"id": "1", "name": "Notebook", "price": 3},
    {"id": "2", "name": "Pencil", "price": 1},
    {"id": "3", "name": "Eraser", "price": 1},
)
BASIC_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
PUSH_TO_CLOUDWATCH_POLICY = (
    "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")


class SessionRecord:
    """A dataclass kept as JSON: unknown keys, and values of the wrong type, are dropped on the
    way back and missing ones take their defaults, so an old or tampered record still loads."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the record."""
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[R], data: object) -> R:
        """Back from the record."""
        if not isinstance(data, dict):
            return cls()
        hints = get_type_hints(cls)
        return cls(**{item.name: data[item.name] for item in fields(cls)  # type: ignore[arg-type]
                      if item.name in data and _fits(data[item.name], hints[item.name])})


def _fits(value: object, hint: object) -> bool:
    """Whether a value read back has the field's type (str, int, bool, their `| None`, a list of
    str or a str-to-str dict: the only shapes Plan and Made hold)."""
    if get_origin(hint) is UnionType:
        return any(_fits(value, option) for option in get_args(hint))
    if hint is type(None):
        return value is None
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if get_origin(hint) is list:
        return isinstance(value, list) and all(isinstance(entry, str) for entry in value)
    if get_origin(hint) is dict:
        return isinstance(value, dict) and all(isinstance(key, str) and isinstance(entry, str)
                                               for key, entry in value.items())
    return isinstance(hint, type) and isinstance(value, hint)


@dataclass
class Plan(SessionRecord):
    """The names and choices of every step, pre-filled; the user may change any of them."""

    table_name: str = "wizard-items"
    partition_key: str = "id"
    test_items: str = "\n".join(json.dumps(item) for item in DEFAULT_TEST_ITEMS)  # JSON lines
    policy_name: str = "wizard-items-table-access"
    role_name: str = "wizard-items-function-role"
    tutorial_way: bool = False  # first only the basic role, see the call fail, then attach
    function_name: str = "wizard-items-function"
    runtime: str = "python3.12"
    memory_mb: int = 128
    timeout_s: int = 10
    api_name: str = "wizard-items-api"
    endpoint_type: str = "REGIONAL"
    stage_name: str = "prod"
    logging_level: str = "INFO"  # the stage's execution logging: OFF, ERROR or INFO



@dataclass
class Made(SessionRecord):
    """What the wizard created (or adopted), by step; None or empty until that step ran."""

    table_name: str | None = None
    table_arn: str | None = None
    items_written: int = 0
    policy_arn: str | None = None
    role_name: str | None = None
    role_arn: str | None = None
    table_policy_attached: bool = False
    function_name: str | None = None
    function_arn: str | None = None
    api_id: str | None = None
    resource_ids: dict[str, str] = field(default_factory=dict)  # path -> resource id
    permission_sid: str | None = None
    stage_name: str | None = None
    deployment_id: str | None = None
    logging_role_name: str | None = None  # only when the wizard made the account's role
    logging_role_arn: str | None = None
    # The run whose tag (ownership.TAG_KEY) marks what the wizard makes; "" until it makes one.
    run_id: str = ""
    # What the wizard made itself, as "kind:identity" (table name, policy ARN, role name,
    # function name, API id, permission Sid, logging role name): kept across renames, so
    # tear down also finds what an earlier answer made.
    identities: list[str] = field(default_factory=list)

    @property
    def created(self) -> list[str]:
        """The kinds the wizard made itself (not adopted), in the order it first made each."""
        return list(dict.fromkeys(entry.split(":", 1)[0] for entry in self.identities))

    def record(self, kind: str, identity: str) -> None:
        """Note that the wizard itself made this (tear down deletes only such things)."""
        entry = f"{kind}:{identity}"
        if entry not in self.identities:
            self.identities.append(entry)

    def made_it(self, kind: str, identity: str | None) -> bool:
        """True when the wizard made this very resource (not one of that name it adopted)."""
        return identity is not None and f"{kind}:{identity}" in self.identities

    def made_of_kind(self, kind: str) -> list[str]:
        """The identities of everything of this kind the wizard made, oldest first."""
        prefix = f"{kind}:"
        return [entry[len(prefix):] for entry in self.identities if entry.startswith(prefix)]
