"""Trust policies checked as IAM checks them, at CreateRole and UpdateAssumeRolePolicy.

AWS refuses a trust policy it cannot use with MalformedPolicyDocument (HTTP 400); moto takes
anything at CreateRole and words UpdateAssumeRolePolicy's refusals its own way. The checks, in
the order made, with the text AWS answers (as its CLI and tools record it):

* text that is not a JSON object: "This policy contains invalid Json";
* a statement without Principal: "Invalid principal in policy: com.amazon.balsa.error.
  InvalidPolicyException: The passed in policy has a statement with no principals!";
* Principal "*" or a principal type other than AWS, Service, Federated, CanonicalUser:
  'AssumeRolepolicy contained an invalid principal: "STAR":"*".' (the type upper-cased, "*"
  spelled STAR, the first value);
* an action that names no sts:AssumeRole* action: "AssumeRole policy may only specify STS
  AssumeRole actions." — an action passes when, as a wildcard pattern, it matches one of
  TRUST_ACTIONS (so "sts:AssumeRole*" and "*" pass, "s3:GetObject" does not);
* a statement with Resource: "Has prohibited field Resource".

Not checked (moto takes them, AWS may not): that AWS principals name existing users, roles and
accounts, that Service principals are real services, Version, Effect, NotPrincipal, NotAction,
NotResource, Condition operators, and a Principal that is neither "*" nor an object.
"""
import json
from collections.abc import Iterable

from werkzeug.wrappers import Request, Response

from webapp.iam_grammar.wildcards import action_matches
from webapp.sandbox.dispatch import AwsOperation, OperationHandler
from webapp.sandbox.iam.errors import malformed_policy_document

INVALID_JSON = "This policy contains invalid Json"
NO_PRINCIPALS = ("Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
                 "The passed in policy has a statement with no principals!")
NOT_STS_ACTIONS = "AssumeRole policy may only specify STS AssumeRole actions."
RESOURCE_PROHIBITED = "Has prohibited field Resource"
PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
# The actions a trust policy grants (IAM User Guide, id_roles_create_for-custom.html and
# id_session-tags.html): assuming the role, and what comes with a session.
TRUST_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
                 "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext")
ANY_PRINCIPAL = "*"
# How IAM names "*" when it quotes an invalid principal.
ANY_PRINCIPAL_NAME = "STAR"
# Where each operation takes the trust policy.
DOCUMENT_PARAMETERS = {"CreateRole": "AssumeRolePolicyDocument",
                       "UpdateAssumeRolePolicy": "PolicyDocument"}


def trust_policy_error(document: str) -> str | None:
    """Why IAM would refuse `document` as a role's trust policy, or None if it would take it."""
    try:
        policy = json.loads(document)
    except ValueError:
        return INVALID_JSON
    if not isinstance(policy, dict):
        return INVALID_JSON
    for statement in _as_list(policy.get("Statement")):
        if not isinstance(statement, dict):
            continue
        error = _statement_error(statement)
        if error is not None:
            return error
    return None


def _statement_error(statement: dict[str, object]) -> str | None:
    if "Principal" not in statement and "NotPrincipal" not in statement:
        return NO_PRINCIPALS
    principal = statement.get("Principal")
    if principal is not None:
        error = _principal_error(principal)
        if error is not None:
            return error
    if not all(_is_trust_action(action) for action in _as_list(statement.get("Action"))):
        return NOT_STS_ACTIONS
    if "Resource" in statement:
        return RESOURCE_PROHIBITED
    return None


def _principal_error(principal: object) -> str | None:
    if principal == ANY_PRINCIPAL:
        return _invalid_principal(ANY_PRINCIPAL_NAME, ANY_PRINCIPAL)
    if not isinstance(principal, dict):
        return None
    for kind, values in principal.items():
        if kind not in PRINCIPAL_TYPES:
            first = next(iter(_as_list(values)), "")
            return _invalid_principal(kind.upper(), str(first))
    return None


def _invalid_principal(kind: str, value: str) -> str:
    return f'AssumeRolepolicy contained an invalid principal: "{kind}":"{value}".'


def _is_trust_action(action: object) -> bool:
    if not isinstance(action, str):
        return False
    return any(action_matches(action, known) for known in TRUST_ACTIONS)


def _as_list(value: object) -> Iterable[object]:
    if value is None:
        return ()
    return value if isinstance(value, list) else (value,)


def refuse_malformed_trust_policy(request: Request, operation: AwsOperation) -> Response | None:
    """MalformedPolicyDocument for a trust policy IAM would refuse; None lets moto take it."""
    document = request.values.get(DOCUMENT_PARAMETERS[operation.name])
    if document is None:
        return None
    error = trust_policy_error(document)
    return None if error is None else malformed_policy_document(error)


# Checked before moto takes the trust policy, by IAM operation.
CHECKS: dict[str, OperationHandler] = {name: refuse_malformed_trust_policy
                                       for name in DOCUMENT_PARAMETERS}
