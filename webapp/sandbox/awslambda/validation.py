"""Lambda's request validation, made before any operation runs, as AWS makes it.

AWS checks each member of a Lambda request against the constraints of the service model
(length, pattern, enum, range, required) and answers 400 ValidationException naming every
failure, in one message: "2 validation errors detected: Value 'my func' at 'functionName' failed
to satisfy constraint: Member must satisfy regular expression pattern: …; Value '…' at
'qualifier' failed to satisfy constraint: …". moto checks almost none of them: a name it cannot
route got werkzeug's HTML 404, `a:b:c` crashed it (500), and CreateFunction took `my func`.

The constraints are read from Lambda's service model as moto's router loads it (botocore's), so
they follow the model moto is installed with. Two limits are AWS's own beyond the model:
* a function without Lambda Managed Instances (the only kind the sandbox runs) has at most 900 s
  of Timeout and 10,240 MB of MemorySize (the model allows 5,400 s and 32,768 MB for managed
  instances), answered in the same ValidationException;
* CreateFunction's FunctionName given as a bare name has at most 64 characters (140 is the
  length of a whole ARN): InvalidParameterValueException with the validation error's words.

Members are checked in the model's order, each constraint in turn (length, pattern, enum,
range); top-level scalars of a JSON body are checked, and of nested members only the keys of
Environment.Variables (their pattern; AWS names the map, not the key, since its values are
sensitive: "Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy
constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"); other
nested structures are left to moto. Lambda's own checks of the variables (reserved keys, 4 KB)
follow the model's (environment_checks.py).
Before them, a body that is not UTF-8 (so no JSON, and no Invoke payload) is 400
InvalidRequestContentException "Could not parse request body into json: …", as Invoke answers
a payload it cannot parse; moto decoded it unchecked and answered 500.
"""
import functools
import json
import math
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from moto.core.routing import get_service_model
from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.awslambda.environment_checks import (CONFIGURING_OPERATIONS,
                                                         check_environment)
from webapp.sandbox.awslambda.exceptions import (InvalidParameterValueException,
                                                 InvalidRequestContentException,
                                                 LambdaServiceError, ResourceNotFoundException)
from webapp.sandbox.aws_errors import AwsError, rest_json_error
from webapp.sandbox.dispatch import Dispatcher, credential_scope

SERVICE = "lambda"
VALIDATION_CODE = "ValidationException"
# A function not on Lambda Managed Instances (Lambda Developer Guide, "Lambda quotas").
SERVICE_MAXIMUMS = {"Timeout": 900, "MemorySize": 10240}
# CreateFunction: "If you specify only the function name, it is limited to 64 characters".
MAX_BARE_NAME_LENGTH = 64
CREATE_FUNCTION = "CreateFunction"
URI_LABEL = re.compile(r"\{(?P<name>[^}+]+)(?P<greedy>\+)?\}")
ARN_FUNCTION_PART = ":function:"
STRING_TYPES = frozenset({"string"})
INTEGER_TYPES = frozenset({"integer", "long"})
# Nested maps whose keys are checked: (structure member, its map member).
CHECKED_MAP_KEYS = frozenset({("Environment", "Variables")})


@dataclass(frozen=True, slots=True)
class OperationRule:
    """Where an operation is called (method, path template, fixed query) and what it takes."""

    name: str
    method: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str], ...]
    labels: int
    literal_length: int
    model: Any  # botocore's OperationModel, as moto's router loads it

    def matches(self, method: str, path: str, args: dict[str, str]) -> re.Match[str] | None:
        """The path's labels if a request with this method, path and query calls it."""
        if method != self.method or any(args.get(key) != value for key, value in self.query):
            return None
        return self.path.fullmatch(path)


@dataclass(frozen=True, slots=True)
class Failure:
    """One constraint a member's value breaks."""

    member: str  # dotted for nested members: Environment.Variables
    value: object
    constraint: str
    sensitive: bool = False  # AWS leaves the value out: "Value at '…'"

    def __str__(self) -> str:
        shown = "" if self.sensitive else (
            " null" if self.value is None else f" '{self.value}'")
        path = ".".join(part[:1].lower() + part[1:] for part in self.member.split("."))
        return f"Value{shown} at '{path}' failed to satisfy constraint: {self.constraint}"


class ValidationFailed(Exception):
    """The request breaks the model's constraints: AWS's ValidationException."""

    def __init__(self, failures: list[Failure]) -> None:
        count = len(failures)
        noun = "error" if count == 1 else "errors"
        super().__init__(f"{count} validation {noun} detected: "
                         + "; ".join(map(str, failures)))

    def response(self) -> Response:
        """Lambda's answer: 400, the code in X-Amzn-ErrorType, the text in `message`."""
        error = AwsError(VALIDATION_CODE, str(self), HTTPStatus.BAD_REQUEST)
        return rest_json_error(error).response()


def register(dispatcher: Dispatcher) -> None:
    """Answer Lambda requests that break the model's constraints before anything else does."""

    @dispatcher.guard
    def validate(request: Request) -> Response | None:
        scope = credential_scope(request)
        if scope is None or scope.service != SERVICE:
            return None
        found = find_operation(request)
        if found is None:
            return None
        rule, labels = found
        try:
            _check_utf8(request)
            check(rule, labels, request)
        except (ValidationFailed, LambdaServiceError) as err:
            return err.response()
        missing = _unknowable_function(labels.get("FunctionName"),
                                       get_account_id_from(scope.access_key_id), scope.region)
        return missing.response() if missing else None


def find_operation(request: Request) -> tuple[OperationRule, dict[str, str]] | None:
    """The Lambda operation a request calls and its URI labels (decoded), or None."""
    path = _raw_path(request)
    args = {key: value for key, value in request.args.items()}
    for rule in operation_rules():
        match = rule.matches(request.method, path, args)
        if match is not None:
            return rule, {name: unquote(value) for name, value in match.groupdict().items()}
    return None


def check(rule: OperationRule, labels: dict[str, str], request: Request) -> None:
    """Raise ValidationFailed listing every constraint the request breaks; then raise
    InvalidParameterValueException for CreateFunction's bare-name length and for environment
    variables Lambda refuses (reserved keys, over 4 KB)."""
    shape = rule.model.input_shape
    if shape is None:
        return
    body = _json_body(request)
    failures: list[Failure] = []
    for name, member in shape.members.items():
        present, value = _member_value(name, member, labels, request, body)
        if not present:
            if name in shape.required_members and member.serialization.get(
                    "location") in (None, "uri"):
                failures.append(Failure(name, None, "Member must not be null"))
            continue
        failures += member_failures(name, member, value)
        failures += map_key_failures(name, member, value)
    if failures:
        raise ValidationFailed(failures)
    if rule.name == CREATE_FUNCTION:
        _check_bare_name(body.get("FunctionName"))
    if rule.name in CONFIGURING_OPERATIONS:
        check_environment(body.get("Environment"))


def member_failures(name: str, shape: Any, value: object) -> list[Failure]:
    """The constraints of `shape` that `value` breaks, in AWS's order."""
    metadata = shape.metadata
    failures: list[Failure] = []
    if shape.type_name in STRING_TYPES and isinstance(value, str):
        if "min" in metadata and len(value) < metadata["min"]:
            failures.append(Failure(name, value, "Member must have length greater than or "
                                                 f"equal to {metadata['min']}"))
        if "max" in metadata and len(value) > metadata["max"]:
            failures.append(Failure(name, value, "Member must have length less than or equal "
                                                 f"to {metadata['max']}"))
        pattern = metadata.get("pattern")
        if pattern is not None and _compiled(pattern).fullmatch(value) is None:
            failures.append(Failure(name, value, "Member must satisfy regular expression "
                                                 f"pattern: {pattern}"))
        if shape.enum and value not in shape.enum:
            failures.append(Failure(name, value, "Member must satisfy enum value set: "
                                                 f"[{', '.join(shape.enum)}]"))
    elif shape.type_name in INTEGER_TYPES and _is_integer(value):
        number = int(value)  # type: ignore[call-overload]
        maximum = min(metadata.get("max", math.inf), SERVICE_MAXIMUMS.get(name, math.inf))
        if "min" in metadata and number < metadata["min"]:
            failures.append(Failure(name, number, "Member must have value greater than or "
                                                  f"equal to {metadata['min']}"))
        if number > maximum:
            failures.append(Failure(name, number, "Member must have value less than or equal "
                                                  f"to {maximum}"))
    return failures


def map_key_failures(name: str, shape: Any, value: object) -> list[Failure]:
    """One failure per checked nested map with a key outside its pattern (AWS names the map
    once, however many of its keys fail)."""
    if shape.type_name != "structure" or not isinstance(value, dict):
        return []
    failures: list[Failure] = []
    for member_name, member in shape.members.items():
        keys = value.get(member_name)
        if (name, member_name) not in CHECKED_MAP_KEYS or not isinstance(keys, dict):
            continue
        pattern = member.key.metadata["pattern"]
        if any(_compiled(pattern).fullmatch(key) is None for key in keys):
            failures.append(Failure(
                f"{name}.{member_name}", None, "Map keys must satisfy constraint: [Member must "
                f"satisfy regular expression pattern: {pattern}]", sensitive=True))
    return failures


@functools.cache
def operation_rules() -> tuple[OperationRule, ...]:
    """Every Lambda operation of the model, most specific paths first."""
    model = get_service_model(SERVICE)
    rules = [_rule(model.operation_model(name)) for name in model.operation_names]
    return tuple(sorted(rules, key=lambda rule: (rule.labels, -len(rule.query),
                                                 -rule.literal_length)))


def _rule(operation: Any) -> OperationRule:
    template, _, query = operation.http["requestUri"].partition("?")
    pattern, labels, literal_length, position = "", 0, 0, 0
    for label in URI_LABEL.finditer(template):
        literal = template[position:label.start()]
        pattern += re.escape(literal) + (f"(?P<{label['name']}>"
                                         f"{'.*' if label['greedy'] else '[^/]*'})")
        labels += 1
        literal_length += len(literal)
        position = label.end()
    pattern += re.escape(template[position:])
    literal_length += len(template) - position
    return OperationRule(name=operation.name, method=operation.http["method"],
                         path=re.compile(pattern), query=tuple(parse_qsl(query)),
                         labels=labels, literal_length=literal_length, model=operation)


def _raw_path(request: Request) -> str:
    """The path as sent, still percent-encoded: `a%2Fb` is one label, not two segments."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return str(raw).partition("?")[0]
    return quote(request.path)


def _member_value(name: str, member: Any, labels: dict[str, str], request: Request,
                  body: dict[str, Any]) -> tuple[bool, object]:
    location = member.serialization.get("location")
    wire_name = member.serialization.get("name", name)
    if location == "uri":
        return (wire_name in labels, labels.get(wire_name))
    if location == "querystring":
        return (wire_name in request.args, request.args.get(wire_name))
    if location == "header":
        return (wire_name in request.headers, request.headers.get(wire_name))
    if location is None:
        return (name in body, body.get(name))
    return (False, None)


def _check_utf8(request: Request) -> None:
    try:
        request.get_data().decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: {err}") from None


def _json_body(request: Request) -> dict[str, Any]:
    data = request.get_data()
    if not data or not data.lstrip().startswith(b"{"):
        return {}
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        return {}  # not JSON: moto answers what AWS answers to that
    return body if isinstance(body, dict) else {}


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    # The model's patterns are Java's: \d and \w mean ASCII only.
    return re.compile(pattern, re.ASCII)


def _check_bare_name(name: object) -> None:
    if isinstance(name, str) and ":" not in name and len(name) > MAX_BARE_NAME_LENGTH:
        failure = Failure("FunctionName", name, "Member must have length less than or equal "
                                                f"to {MAX_BARE_NAME_LENGTH}")
        raise InvalidParameterValueException(f"1 validation error detected: {failure}")


def _unknowable_function(name: str | None, account_id: str,
                         region: str) -> ResourceNotFoundException | None:
    """ResourceNotFoundException for a name the model allows but no function can have.

    Names may be looked up with dots ([a-zA-Z0-9-_\\.]+) but created only without them, so
    such a function does not exist; moto cannot even route the name (werkzeug's HTML 404).
    """
    if not name:
        return None
    function_part = name.rpartition(ARN_FUNCTION_PART)[2] if ARN_FUNCTION_PART in name else name
    if "." not in function_part.partition(":")[0]:
        return None
    arn = name if name.startswith("arn:") else (
        f"arn:aws:lambda:{region}:{account_id}:function:{function_part}")
    return ResourceNotFoundException(f"Function not found: {arn}")
