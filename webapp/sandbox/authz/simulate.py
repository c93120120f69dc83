"""iam:SimulatePrincipalPolicy, which moto 5.2.5 lacks, in the query protocol boto3 speaks.

Request (IAM API Reference): PolicySourceArn (a user, group or role ARN) and ActionNames are
required; ResourceArns defaults to `*`; PolicyInputList adds identity policies;
PermissionsBoundaryPolicyInputList (one policy) replaces the principal's boundary;
ContextEntries give condition keys; MaxItems (1-1000, default 100) and Marker page through the
results, one per action. CallerArn is accepted and changes nothing: it only names the principal
of resource-based policies, which the sandbox does not simulate. ResourcePolicy, ResourceOwner,
ResourceHandlingOption and PolicyExclusionList are refused with InvalidInput rather than
silently ignored.

Answer: `SimulatePrincipalPolicyResult` with `EvaluationResults/member` (EvalActionName,
EvalResourceName, EvalDecision, MatchedStatements, MissingContextValues,
PermissionsBoundaryDecisionDetail when a boundary takes part, and for requested ARNs an empty
EvalDecisionDetails and ResourceSpecificResults), IsTruncated and Marker. Errors as IAM words
them: NoSuchEntity (404) "The role with name NAME cannot be found.", InvalidInput (400)
"Invalid Entity Arn: ARN does not clearly define entity type and name." and "ResourceNames are
not in a valid ARN format: NAME.", ValidationError (400) for missing or out-of-range parameters.
Who may call it is the guard's business: a minted key needs iam:SimulatePrincipalPolicy on the
PolicySourceArn.
"""
import logging
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus

from werkzeug.wrappers import Request, Response

from webapp.sandbox.authz.simulation import (ANY_RESOURCE, ActionResult, Position,
                                             ResourceResult, SimulationError, StatementSource,
                                             decision_name, principal, simulate, with_inputs)
from webapp.sandbox.aws_errors import QUERY_NAMESPACES, AwsError, query_error
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

logger = logging.getLogger(__name__)

SERVICE = "iam"
OPERATION = "SimulatePrincipalPolicy"
NAMESPACE = QUERY_NAMESPACES[SERVICE]
DEFAULT_MAX_ITEMS = 100
MAX_ITEMS_LIMIT = 1000
STATUS_BY_CODE = {"NoSuchEntity": HTTPStatus.NOT_FOUND, "InvalidInput": HTTPStatus.BAD_REQUEST,
                  "ValidationError": HTTPStatus.BAD_REQUEST}
UNSUPPORTED_PARAMETERS = ("ResourcePolicy", "ResourceOwner", "ResourceHandlingOption",
                          "PolicyExclusionList")
# service:Action, as IAM names actions; the simulator takes no wildcards in action names.
ACTION_NAME = re.compile(r"[^:*?\s]+:[^:*?\s]+")
ARN_PARTS = 6
CONTEXT_ENTRY = "ContextEntries.member.{number}."


@dataclass(frozen=True, slots=True)
class SimulationRequest:
    """A SimulatePrincipalPolicy request, checked."""

    source_arn: str
    actions: list[str]
    resources: list[str]
    policy_inputs: list[str]
    boundary_inputs: list[str]
    keys: dict[str, tuple[str, ...]]
    max_items: int
    offset: int

    @property
    def names_resources(self) -> bool:
        """Whether specific resources were asked about, not just `*`."""
        return self.resources != [ANY_RESOURCE]


def register_simulator(dispatcher: Dispatcher, account_id: str) -> None:
    """Answer iam:SimulatePrincipalPolicy on `dispatcher` for the sandbox's account."""

    @dispatcher.register(SERVICE, OPERATION)
    def simulate_principal_policy(request: Request, _operation: AwsOperation) -> Response:
        try:
            query = parse_request(request.values)
            simulated = with_inputs(principal(account_id, query.source_arn),
                                    query.policy_inputs, query.boundary_inputs)
        except SimulationError as err:
            logger.info("%s refused: %s", OPERATION, err.code)
            error = AwsError(err.code, err.message, STATUS_BY_CODE[err.code])
            return query_error(error, SERVICE).response()
        end = query.offset + query.max_items
        page = [simulate(simulated, action, query.resources, query.keys)
                for action in query.actions[query.offset:end]]
        next_offset = end if end < len(query.actions) else None
        return _answer(page, next_offset, query.names_resources)


def parse_request(values: Mapping[str, str]) -> SimulationRequest:
    """The request's parameters, or SimulationError naming the first one IAM would refuse."""
    source_arn = values.get("PolicySourceArn")
    if not source_arn:
        raise _null("policySourceArn")
    actions = _members(values, "ActionNames")
    if not actions:
        raise _null("actionNames")
    for name in UNSUPPORTED_PARAMETERS:
        if any(key == name or key.startswith(f"{name}.") for key in values):
            raise SimulationError("InvalidInput", f"{name} is not supported by the sandbox's "
                                                  "policy simulator, which simulates identity-"
                                                  "based policies and permissions boundaries "
                                                  "only.")
    max_items = _max_items(values.get("MaxItems"))
    return SimulationRequest(source_arn=source_arn, actions=_checked_actions(actions),
                             resources=_checked_resources(_members(values, "ResourceArns")),
                             policy_inputs=_members(values, "PolicyInputList"),
                             boundary_inputs=_members(values,
                                                      "PermissionsBoundaryPolicyInputList"),
                             keys=_context_keys(values), max_items=max_items,
                             offset=_offset(values.get("Marker"), len(actions)))


def _members(values: Mapping[str, str], name: str) -> list[str]:
    # The query protocol sends a list as NAME.member.1, NAME.member.2, … (an empty one as NAME=).
    found: list[str] = []
    while f"{name}.member.{len(found) + 1}" in values:
        found.append(values[f"{name}.member.{len(found) + 1}"])
    return found


def _checked_actions(actions: list[str]) -> list[str]:
    for action in actions:
        if ACTION_NAME.fullmatch(action) is None:
            raise SimulationError("InvalidInput", f"Action name {action} is not valid: name one "
                                                  "action as service:Action, without wildcards.")
    return actions


def _checked_resources(resources: list[str]) -> list[str]:
    for resource in resources:
        if resource != ANY_RESOURCE and (not resource.startswith("arn:")
                                         or len(resource.split(":", ARN_PARTS - 1)) < ARN_PARTS):
            raise SimulationError("InvalidInput",
                                  f"ResourceNames are not in a valid ARN format: {resource}.")
    return resources or [ANY_RESOURCE]


def _context_keys(values: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    # Condition key names are matched case-insensitively; the evaluator keeps them lower-cased.
    keys: dict[str, tuple[str, ...]] = {}
    number = 1
    while any(key.startswith(CONTEXT_ENTRY.format(number=number)) for key in values):
        prefix = CONTEXT_ENTRY.format(number=number)
        name = values.get(f"{prefix}ContextKeyName")
        if not name:
            raise SimulationError("InvalidInput", f"{prefix}ContextKeyName is missing: every "
                                                  "context entry names its key.")
        keys[name.lower()] = tuple(_members(values, f"{prefix}ContextKeyValues"))
        number += 1
    return keys


def _max_items(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_MAX_ITEMS
    try:
        max_items = int(raw)
    except ValueError:
        raise _invalid_value(raw, "maxItems", "Member must be a number") from None
    if max_items < 1:
        raise _invalid_value(raw, "maxItems", "Member must have value greater than or equal to 1")
    if max_items > MAX_ITEMS_LIMIT:
        raise _invalid_value(raw, "maxItems", "Member must have value less than or equal to "
                                              f"{MAX_ITEMS_LIMIT}")
    return max_items


def _offset(marker: str | None, action_count: int) -> int:
    # The marker is where the next page starts among the request's actions: opaque to callers,
    # and only meaningful for the request that returned it.
    if marker is None:
        return 0
    if not marker.isdigit() or not 0 < int(marker) < action_count:
        raise SimulationError("InvalidInput", f"Marker {marker} does not continue this "
                                              "simulation: pass the Marker of its last answer.")
    return int(marker)


def _null(member: str) -> SimulationError:
    return SimulationError("ValidationError", f"1 validation error detected: Value null at "
                                              f"'{member}' failed to satisfy constraint: Member "
                                              "must not be null")


def _invalid_value(raw: str, member: str, constraint: str) -> SimulationError:
    return SimulationError("ValidationError", f"1 validation error detected: Value '{raw}' at "
                                              f"'{member}' failed to satisfy constraint: "
                                              f"{constraint}")


def _answer(page: list[ActionResult], next_offset: int | None, names_resources: bool) -> Response:
    request_id = str(uuid.uuid4())
    root = ET.Element(f"{OPERATION}Response", xmlns=NAMESPACE)
    result = ET.SubElement(root, f"{OPERATION}Result")
    evaluation_results = ET.SubElement(result, "EvaluationResults")
    for action_result in page:
        _evaluation_result(ET.SubElement(evaluation_results, "member"), action_result,
                           names_resources)
    _text(result, "IsTruncated", _boolean(next_offset is not None))
    if next_offset is not None:
        _text(result, "Marker", str(next_offset))
    _text(ET.SubElement(root, "ResponseMetadata"), "RequestId", request_id)
    body = ET.tostring(root, encoding="unicode", xml_declaration=True)
    return Response(body, status=HTTPStatus.OK, content_type="text/xml",
                    headers={"x-amzn-RequestId": request_id})


def _evaluation_result(member: ET.Element, action_result: ActionResult,
                       names_resources: bool) -> None:
    _text(member, "EvalActionName", action_result.action)
    _text(member, "EvalResourceName", action_result.resource_type)
    _text(member, "EvalDecision", decision_name(action_result.decision))
    _statements(member, action_result.matched)
    _missing(member, action_result.missing_keys)
    _boundary_detail(member, action_result.allowed_by_boundary)
    if not names_resources:
        return
    # Same-account simulations of named resources carry an empty EvalDecisionDetails.
    ET.SubElement(member, "EvalDecisionDetails")
    specific = ET.SubElement(member, "ResourceSpecificResults")
    for resource_result in action_result.resources:
        _resource_result(ET.SubElement(specific, "member"), resource_result)


def _resource_result(member: ET.Element, resource_result: ResourceResult) -> None:
    _text(member, "EvalResourceName", resource_result.resource)
    _text(member, "EvalResourceDecision", decision_name(resource_result.decision))
    _statements(member, resource_result.matched)
    _missing(member, resource_result.missing_keys)
    _boundary_detail(member, resource_result.allowed_by_boundary)


def _statements(parent: ET.Element, sources: tuple[StatementSource, ...]) -> None:
    statements = ET.SubElement(parent, "MatchedStatements")
    for source in sources:
        member = ET.SubElement(statements, "member")
        _text(member, "SourcePolicyId", source.policy_id)
        if source.policy_type is not None:
            _text(member, "SourcePolicyType", source.policy_type.value)
        _position(member, "StartPosition", source.start)
        _position(member, "EndPosition", source.end)


def _position(parent: ET.Element, tag: str, position: Position | None) -> None:
    if position is None:
        return
    element = ET.SubElement(parent, tag)
    _text(element, "Line", str(position.line))
    _text(element, "Column", str(position.column))


def _missing(parent: ET.Element, keys: tuple[str, ...]) -> None:
    missing = ET.SubElement(parent, "MissingContextValues")
    for key in keys:
        _text(missing, "member", key)


def _boundary_detail(parent: ET.Element, allowed: bool | None) -> None:
    if allowed is None:
        return
    detail = ET.SubElement(parent, "PermissionsBoundaryDecisionDetail")
    _text(detail, "AllowedByPermissionsBoundary", _boolean(allowed))


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text


def _boolean(value: bool) -> str:
    return "true" if value else "false"
