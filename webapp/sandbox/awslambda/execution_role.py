"""CreateFunction and UpdateFunctionConfiguration take a role only if Lambda can assume it.

AWS answers InvalidParameterValueException (400) "The role defined for the function cannot be
assumed by Lambda." when the execution role does not exist or its trust policy does not let
lambda.amazonaws.com call sts:AssumeRole. moto checked only that the role exists, and did it by
walking IAM's live table of roles (IAMBackend.get_roles): a CreateRole or DeleteRole running on
another request thread at that moment broke the walk ("dictionary changed size during
iteration", a 500), so whether a function whose role was just made could be created depended on
what else the sandbox was doing. Requests signed with a role session's keys walk the same table
(moto notes the role's last use), and failed the same way.

So the check is made here, on a snapshot of the roles, trust policy included; and moto's walk is
made over a snapshot too (moto_patches.py). Trust conditions are not evaluated: a statement
allowing Lambda counts whatever its Condition, as Lambda's call carries none of a caller's keys.
"""
import json
from collections.abc import Iterable
from typing import Any

from moto.iam.models import IAMBackend, Role, get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.iam_grammar.wildcards import action_matches
from webapp.sandbox.authz.roles import find_role
from webapp.sandbox.awslambda.exceptions import InvalidParameterValueException
from webapp.sandbox.dispatch import Dispatcher, credential_scope, identify

SERVICE = "lambda"
ROLE_OPERATIONS = frozenset({"CreateFunction", "UpdateFunctionConfiguration"})
CANNOT_BE_ASSUMED = "The role defined for the function cannot be assumed by Lambda."
LAMBDA_PRINCIPAL = "lambda.amazonaws.com"
ASSUME_ROLE = "sts:AssumeRole"
# arn:PARTITION:iam::ACCOUNT:role/…, split on ":" (the account is the fifth part).
ARN_ACCOUNT_PART = 4


def install() -> None:
    """Make moto list roles as a snapshot, so lookups survive roles made or deleted meanwhile."""
    IAMBackend.get_roles = _roles_snapshot  # type: ignore[method-assign]


def register(dispatcher: Dispatcher) -> None:
    """Refuse a role Lambda cannot assume; make moto's role lookups safe across threads."""
    install()

    @dispatcher.guard
    def refuse_unassumable_role(request: Request) -> Response | None:
        scope = credential_scope(request)
        if scope is None or scope.service != SERVICE:
            return None
        operation = identify(request)
        if operation is None or operation.name not in ROLE_OPERATIONS:
            return None
        role_arn = _role_of(request)
        account_id = get_account_id_from(operation.access_key_id)
        if role_arn is None or _account_of(role_arn) != account_id:
            return None  # no role to check, or another account's: moto answers as AWS does
        if assumable_by_lambda(account_id, role_arn):
            return None
        return InvalidParameterValueException(CANNOT_BE_ASSUMED).response()


def assumable_by_lambda(account_id: str, role_arn: str) -> bool:
    """Whether the role exists now and its trust policy lets Lambda assume it."""
    role = find_role(account_id, role_arn)
    return role is not None and trusts_lambda(role.assume_role_policy_document)


def trusts_lambda(document: str) -> bool:
    """Whether a trust policy allows lambda.amazonaws.com sts:AssumeRole and denies it nowhere."""
    try:
        policy = json.loads(document)
    except (TypeError, ValueError):
        return False
    if not isinstance(policy, dict):
        return False
    effects = {statement.get("Effect") for statement in _as_list(policy.get("Statement"))
               if isinstance(statement, dict) and _names_lambda_assuming(statement)}
    return "Allow" in effects and "Deny" not in effects


def _names_lambda_assuming(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    services = principal.get("Service") if isinstance(principal, dict) else None
    if LAMBDA_PRINCIPAL not in _as_list(services):
        return False
    return any(action_matches(action, ASSUME_ROLE)
               for action in _as_list(statement.get("Action")) if isinstance(action, str))


def _as_list(value: object) -> Iterable[Any]:
    if value is None:
        return ()
    return value if isinstance(value, list) else (value,)


def _role_of(request: Request) -> str | None:
    try:
        body = json.loads(request.get_data())
    except (ValueError, RecursionError):
        return None
    role = body.get("Role") if isinstance(body, dict) else None
    return role if isinstance(role, str) else None


def _account_of(role_arn: str) -> str:
    parts = role_arn.split(":")
    return parts[ARN_ACCOUNT_PART] if len(parts) > ARN_ACCOUNT_PART else ""


def _roles_snapshot(backend: IAMBackend) -> list[Role]:
    """IAMBackend.get_roles as a list taken at once (one C-level copy, atomic under the GIL)."""
    return list(backend.roles.values())
