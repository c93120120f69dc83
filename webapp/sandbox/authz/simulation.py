"""The policy simulator's model: a principal's policies as IAM holds them, and their verdicts.

Decisions come from `roles.decide`, the function the guard calls, over the same documents the
guard reads (inline policies plus attached managed ones at their default versions, and the
permissions boundary), so a simulation agrees with what the guard does with the same keys.

What differs from the guard is the request context, as on AWS: the simulator knows only the
context keys it is given (`ContextEntries`), never the principal's tags, the time or the caller's
address. A condition on a key it is not given behaves as on a missing key, and the key is listed
as missing.

Results follow the current EvaluationResult contract (botocore 1.44 documents it): one result per
action, its decision the most restrictive over the requested resources, and the decision for
each resource in its resource-specific results.
"""
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import unquote

from moto.iam.models import Group, ManagedPolicy, User

from webapp.iam_grammar import variables
from webapp.iam_grammar.variables import RequestKeys
from webapp.iam_grammar.wildcards import action_matches
from webapp.sandbox.authz.policy import (VARIABLES_VERSION, Decision, Effect, Policy, PolicyError,
                                         Statement, applies, evaluate, parse_policy)
from webapp.sandbox.authz.roles import (RolePolicies, boundary_policy, decide, default_document,
                                        find_role, iam_backend, partition_of)

logger = logging.getLogger(__name__)

ANY_RESOURCE = "*"
# An IAM user, group or role ARN: arn:PARTITION:iam::ACCOUNT:KIND/PATH/NAME.
ENTITY_ARN = re.compile(r"arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}):"
                        r"(?P<kind>role|user|group)(?P<path>/(?:[^/]+/)*)(?P<name>[^/]+)")
# AWS-managed policies live in the pseudo-account "aws": arn:aws:iam::aws:policy/NAME.
AWS_MANAGED_ACCOUNT = "aws"
ARN_ACCOUNT_PART = 4
POLICY_INPUTS = "PolicyInputList"
BOUNDARY_INPUTS = "PermissionsBoundaryPolicyInputList"
# EvalDecision's spellings of the evaluator's decisions, and how restrictive each one is.
DECISION_NAMES = {Decision.ALLOWED: "allowed", Decision.IMPLICIT_DENY: "implicitDeny",
                  Decision.EXPLICIT_DENY: "explicitDeny"}
RESTRICTIVENESS = {Decision.ALLOWED: 0, Decision.IMPLICIT_DENY: 1, Decision.EXPLICIT_DENY: 2}
# The Service Authorization Reference's ARN formats for the resource types the sandbox authorizes
# by ARN, by service and by the resource part of an ARN of that type.
RESOURCE_TYPES: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "dynamodb": (
        (re.compile(r"table/[^/]+/index/[^/]+"),
         "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/index/${IndexName}"),
        (re.compile(r"table/[^/]+/stream/[^/]+"),
         "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/stream/${StreamLabel}"),
        (re.compile(r"table/[^/]+"),
         "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"),
    ),
    "logs": (
        (re.compile(r"log-group:[^:]*:log-stream:.+"),
         "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:"
         "${LogStreamName}"),
        (re.compile(r"log-group:[^:]+(?::\*|:log-stream:)?"),
         "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}"),
    ),
    "lambda": (
        (re.compile(r"function:[^:]+(?::[^:]+)?"),
         "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}"),
    ),
}
ARN_SERVICE_PART = 2
ARN_RESOURCE_PART = 5
_JSON = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
T = TypeVar("T")


class SourceType(Enum):
    """Statement.SourcePolicyType: where a simulated policy comes from."""

    USER = "user"
    GROUP = "group"
    ROLE = "role"
    AWS_MANAGED = "aws-managed"
    USER_MANAGED = "user-managed"


class SimulationError(Exception):
    """A request IAM refuses, by its error code (NoSuchEntity, InvalidInput)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a policy document: 1-based line and column."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class StatementSource:
    """A statement that made a decision: its policy and, when found, where it sits in the text."""

    policy_id: str
    policy_type: SourceType | None
    start: Position | None
    end: Position | None


@dataclass(frozen=True, slots=True)
class SimulatedPolicy:
    """One identity policy of a simulation, with what the answer says about each statement."""

    policy: Policy
    statements: tuple[StatementSource, ...]
    # The context keys each statement reads (conditions, policy variables), as written.
    statement_keys: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Principal:
    """What IAM weighs for the simulated principal: identity policies and a boundary, if any."""

    identity: tuple[SimulatedPolicy, ...]
    boundary: Policy | None

    @property
    def policies(self) -> RolePolicies:
        """The policies as the guard's `decide` takes them."""
        return RolePolicies(identity=tuple(simulated.policy for simulated in self.identity),
                            boundary=self.boundary)


@dataclass(frozen=True, slots=True)
class ResourceResult:
    """The verdict for one action on one resource."""

    resource: str
    decision: Decision
    matched: tuple[StatementSource, ...]
    missing_keys: tuple[str, ...]
    # None when no permissions boundary takes part in the simulation.
    allowed_by_boundary: bool | None


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The verdict for one action over every requested resource."""

    action: str
    resource_type: str
    resources: tuple[ResourceResult, ...]

    @property
    def decision(self) -> Decision:
        """The most restrictive decision over the resources."""
        return max((result.decision for result in self.resources), key=RESTRICTIVENESS.get)

    @property
    def matched(self) -> tuple[StatementSource, ...]:
        """The statements behind that decision, over every resource that had it."""
        deciding = (result.matched for result in self.resources
                    if result.decision is self.decision)
        return _unique(source for matched in deciding for source in matched)

    @property
    def missing_keys(self) -> tuple[str, ...]:
        """Context keys the policies read but were not given, over every resource."""
        return _unique(key for result in self.resources for key in result.missing_keys)

    @property
    def allowed_by_boundary(self) -> bool | None:
        """Whether the boundary allows the action on every resource; None without a boundary."""
        verdicts = [result.allowed_by_boundary for result in self.resources]
        if any(verdict is None for verdict in verdicts):
            return None
        return all(verdicts)


def principal(account_id: str, source_arn: str) -> Principal:
    """The user, group or role `source_arn` names, with its policies; SimulationError if none."""
    match = ENTITY_ARN.fullmatch(source_arn)
    if match is None:
        raise SimulationError("InvalidInput", f"Invalid Entity Arn: {source_arn} does not "
                                              "clearly define entity type and name.")
    kind, name = match["kind"], match["name"]
    if kind == "role":
        role = find_role(account_id, source_arn)
        if role is not None:
            return Principal(identity=_entity_policies(role.policies, role.managed_policies,
                                                       SourceType.ROLE),
                             boundary=boundary_policy(role))
    elif kind == "user":
        user = _find_user(account_id, source_arn)
        if user is not None:
            return Principal(identity=_user_policies(account_id, user),
                             boundary=boundary_policy(user))
    else:
        group = _find_group(account_id, source_arn)
        if group is not None:
            return Principal(identity=_entity_policies(group.policies, group.managed_policies,
                                                       SourceType.GROUP), boundary=None)
    raise SimulationError("NoSuchEntity", f"The {kind} with name {name} cannot be found.")


def with_inputs(simulated: Principal, policy_inputs: list[str],
                boundary_inputs: list[str]) -> Principal:
    """The principal with PolicyInputList added and PermissionsBoundaryPolicyInputList in force."""
    extra = tuple(_input_policy(document, number)
                  for number, document in enumerate(policy_inputs, start=1))
    boundary = simulated.boundary
    if len(boundary_inputs) > 1:
        raise SimulationError("InvalidInput", f"{BOUNDARY_INPUTS} takes one permissions "
                                              f"boundary policy, not {len(boundary_inputs)}.")
    if boundary_inputs:
        boundary = _input_policy(boundary_inputs[0], 1, BOUNDARY_INPUTS).policy
    return Principal(identity=simulated.identity + extra, boundary=boundary)


def simulate(simulated: Principal, action: str, resources: list[str],
             keys: RequestKeys) -> ActionResult:
    """The verdict for `action` on each of `resources`, with only the context keys given."""
    return ActionResult(action=action, resource_type=resource_type(resources),
                        resources=tuple(_simulate_one(simulated, action, resource, keys)
                                        for resource in resources))


def resource_type(resources: list[str]) -> str:
    """EvalResourceName: the ARN format the requested resources share, else `*`."""
    formats = {_arn_format(resource) for resource in resources}
    if len(formats) != 1:
        return ANY_RESOURCE
    return formats.pop() or ANY_RESOURCE


def decision_name(decision: Decision) -> str:
    """EvalDecision's spelling: allowed, implicitDeny or explicitDeny."""
    return DECISION_NAMES[decision]


def _simulate_one(simulated: Principal, action: str, resource: str,
                  keys: RequestKeys) -> ResourceResult:
    verdict = decide(simulated.policies, action, resource, keys)
    allowed_by_boundary = None
    if simulated.boundary is not None:
        allowed_by_boundary = evaluate((simulated.boundary,), action, resource,
                                       keys) is Decision.ALLOWED
    return ResourceResult(resource=resource, decision=verdict.decision,
                          matched=_matched(simulated, verdict.decision, action, resource, keys),
                          missing_keys=_missing_keys(simulated, action, resource, keys),
                          allowed_by_boundary=allowed_by_boundary)


def _matched(simulated: Principal, decision: Decision, action: str, resource: str,
             keys: RequestKeys) -> tuple[StatementSource, ...]:
    # AWS lists the statements that decided: the denying ones for explicitDeny (only those), the
    # allowing ones for allowed, none for implicitDeny; never the boundary's.
    if decision is Decision.IMPLICIT_DENY:
        return ()
    effect = Effect.DENY if decision is Decision.EXPLICIT_DENY else Effect.ALLOW
    return tuple(source for simulated_policy in simulated.identity
                 for statement, source in zip(simulated_policy.policy.statements,
                                              simulated_policy.statements)
                 if statement.effect is effect
                 and applies(statement, simulated_policy.policy, action, resource, keys))


def _missing_keys(simulated: Principal, action: str, resource: str,
                  keys: RequestKeys) -> tuple[str, ...]:
    missing: list[str] = []
    for simulated_policy in simulated.identity:
        policy = simulated_policy.policy
        for statement, read in zip(policy.statements, simulated_policy.statement_keys):
            if read and _is_relevant(statement, policy, action, resource, keys):
                missing.extend(key for key in read if key.lower() not in keys)
    return _unique(missing)


def _is_relevant(statement: Statement, policy: Policy, action: str, resource: str,
                 keys: RequestKeys) -> bool:
    # A statement whose keys could change this decision: it names the action and covers the
    # resource once its conditions are set aside, or might (its Resource reads a variable).
    if policy.reads_variables and any("${" in pattern for pattern in statement.resources):
        named = any(action_matches(pattern, action) for pattern in statement.actions)
        return named != statement.negates_actions
    return applies(replace(statement, conditions=()), policy, action, resource, keys)


def _entity_policies(inline: dict[str, str], managed: dict[str, ManagedPolicy],
                     inline_type: SourceType) -> tuple[SimulatedPolicy, ...]:
    # The documents `roles.role_policies` reads for the guard: inline, then attached managed.
    found = [_stored_policy(document, name, inline_type)
             for name, document in list(inline.items())]
    found += [_stored_policy(default_document(policy), policy.name, _managed_type(policy))
              for policy in list(managed.values())]
    return tuple(simulated for simulated in found if simulated is not None)


def _user_policies(account_id: str, user: User) -> tuple[SimulatedPolicy, ...]:
    # A user's simulation includes the policies of every group the user is in.
    backend = iam_backend(account_id, partition_of(user.arn))
    groups = [group for group in list(backend.groups.values()) if user in group.users]
    own = _entity_policies(user.policies, user.managed_policies, SourceType.USER)
    return own + tuple(simulated for group in groups
                       for simulated in _entity_policies(group.policies, group.managed_policies,
                                                         SourceType.GROUP))


def _find_user(account_id: str, user_arn: str) -> User | None:
    backend = iam_backend(account_id, partition_of(user_arn))
    return next((user for user in list(backend.users.values()) if user.arn == user_arn), None)


def _find_group(account_id: str, group_arn: str) -> Group | None:
    backend = iam_backend(account_id, partition_of(group_arn))
    return next((group for group in list(backend.groups.values()) if group.arn == group_arn),
                None)


def _managed_type(policy: ManagedPolicy) -> SourceType:
    if policy.arn.split(":")[ARN_ACCOUNT_PART] == AWS_MANAGED_ACCOUNT:
        return SourceType.AWS_MANAGED
    return SourceType.USER_MANAGED


def _stored_policy(document: str, policy_id: str,
                   policy_type: SourceType) -> SimulatedPolicy | None:
    if not document:
        return None
    try:
        return _simulated_policy(document, policy_id, policy_type)
    except PolicyError as err:
        # As `roles` does for the guard: IAM validated it when it was put, so this is a bug.
        logger.warning("skipping a policy document the sandbox cannot read: %s", err)
        return None


def _input_policy(document: str, number: int,
                  parameter: str = POLICY_INPUTS) -> SimulatedPolicy:
    policy_id = f"{parameter}.{number}"
    try:
        return _simulated_policy(document, policy_id, None)
    except PolicyError as err:
        raise SimulationError("InvalidInput", f"{policy_id} is not a valid policy document: "
                                              f"{err}") from None


def _simulated_policy(document: str, policy_id: str,
                      policy_type: SourceType | None) -> SimulatedPolicy:
    policy = parse_policy(document)
    located = _located_statements(document)
    if located is None or len(located) != len(policy.statements):
        located = [(raw, None, None) for raw in _raw_statements(document)]
    sources = tuple(StatementSource(policy_id=policy_id, policy_type=policy_type, start=start,
                                    end=end) for _, start, end in located)
    read = tuple(_keys_read(raw, policy) for raw, _, _ in located)
    return SimulatedPolicy(policy=policy, statements=sources, statement_keys=read)


def _keys_read(raw: Any, policy: Policy) -> tuple[str, ...]:
    if not isinstance(raw, dict):
        return ()
    read: list[str] = []
    condition = raw.get("Condition")
    if isinstance(condition, dict):
        for tests in condition.values():
            if isinstance(tests, dict):
                read.extend(str(key) for key in tests)
    if policy.version == VARIABLES_VERSION:
        read.extend(_variable_keys(raw))
    return _unique(read)


def _variable_keys(raw: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    for element in ("Resource", "NotResource"):
        texts.extend(_texts(raw.get(element)))
    condition = raw.get("Condition")
    if isinstance(condition, dict):
        for tests in condition.values():
            if isinstance(tests, dict):
                for values in tests.values():
                    texts.extend(_texts(values))
    return [key for text in texts for key in variables.required_keys(text)]


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _document_text(document: str) -> str:
    # As `policy.parse_policy` reads it: IAM returns documents URL-encoded.
    text = document.strip()
    return unquote(text) if text[:3].lower() == "%7b" else document


def _raw_statements(document: str) -> list[Any]:
    raw = json.loads(_document_text(document)).get("Statement", [])
    return raw if isinstance(raw, list) else [raw]


def _located_statements(document: str) -> list[tuple[Any, Position, Position]] | None:
    """Each statement with where it starts and ends; None if the text cannot be walked."""
    text = _document_text(document)
    try:
        spans = _statement_spans(text)
    except (ValueError, IndexError):
        return None
    # AWS's own example reports a statement spanning columns 37-166 of a one-line document as
    # starting at column 38 and ending at 167: the places just past its two braces.
    return [(raw, _position(text, start + 1), _position(text, end)) for raw, start, end in spans]


def _statement_spans(text: str) -> list[tuple[Any, int, int]]:
    index = _skip(text, 0)
    _expect(text, index, "{")
    index = _skip(text, index + 1)
    spans: list[tuple[Any, int, int]] = []
    while text[index] != "}":
        key, index = _JSON.raw_decode(text, index)
        index = _skip(text, index)
        _expect(text, index, ":")
        start = _skip(text, index + 1)
        value, index = _JSON.raw_decode(text, start)
        if key == "Statement":  # json.loads keeps the last of repeated keys; so do we
            spans = _element_spans(text, start, value, index)
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
    return spans


def _element_spans(text: str, start: int, value: Any, end: int) -> list[tuple[Any, int, int]]:
    if not isinstance(value, list):
        return [(value, start, end)]
    spans: list[tuple[Any, int, int]] = []
    index = _skip(text, start + 1)
    while text[index] != "]":
        element_start = index
        element, index = _JSON.raw_decode(text, index)
        spans.append((element, element_start, index))
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
    return spans


def _skip(text: str, index: int) -> int:
    match = _SPACE.match(text, index)
    return match.end() if match else index


def _expect(text: str, index: int, char: str) -> None:
    if text[index] != char:
        raise ValueError(f"expected {char!r} at offset {index}")


def _position(text: str, offset: int) -> Position:
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(line=text.count("\n", 0, offset) + 1, column=offset - line_start + 1)


def _arn_format(resource: str) -> str | None:
    parts = resource.split(":", ARN_RESOURCE_PART)
    if len(parts) <= ARN_RESOURCE_PART:
        return None
    for pattern, arn_format in RESOURCE_TYPES.get(parts[ARN_SERVICE_PART], ()):
        if pattern.fullmatch(parts[ARN_RESOURCE_PART]):
            return arn_format
    return None


def _unique(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))
