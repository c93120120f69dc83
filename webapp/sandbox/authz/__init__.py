"""IAM for Lambda execution roles: temporary keys, and requests signed with them held to policy.

The Lambda runtime calls `mint_role_credentials` for a function's role (session name = the
function's name) and `is_allowed` to decide in process whether the function may write its logs.
`install` puts the guard in the sandbox's dispatcher: requests signed with minted keys are allowed
only as the role's identity policies allow, read live from moto's IAM backend; every other key
stays the account's administrator. It also answers iam:SimulatePrincipalPolicy (which moto lacks)
with the same evaluator, so a caller can ask what the guard would decide.

Modules: `sessions` (minting, registry), `roles` (policies of a role, the combined decision),
`policy` and `conditions` (the evaluator), `context` (condition keys), `permissions` with
`dynamodb`, `logs`, `awslambda`, `apigateway`, `sts`, `iam` (actions and resource ARNs per
request), `errors` (AWS's refusals), `guard`, `endpoint` (the test hook that mints over HTTP),
`simulation` and `simulate` (the policy simulator's model and its IAM operation).
"""
from datetime import datetime, timedelta, timezone

from webapp.sandbox.authz.context import role_keys
from webapp.sandbox.authz.endpoint import register_credentials_route
from webapp.sandbox.authz.errors import access_denied
from webapp.sandbox.authz.guard import AuthorizationGuard, signing_key_id
from webapp.sandbox.authz.roles import decide, find_role, role_policies
from webapp.sandbox.authz.sessions import (DEFAULT_SESSION_DURATION, SESSIONS, RoleCredentials,
                                           RoleNotFoundError, mint_session)
from webapp.sandbox.authz.simulate import register_simulator
from webapp.sandbox.dispatch import Dispatcher

__all__ = ["RoleCredentials", "RoleNotFoundError", "access_denied", "install", "is_allowed",
           "is_minted", "mint_role_credentials", "signing_key_id"]

# arn:PARTITION:SERVICE:REGION:… — the region a resource ARN names, if any.
ARN_REGION_PART = 3


def mint_role_credentials(account_id: str, role_arn: str, session_name: str, *,
                          duration: timedelta = DEFAULT_SESSION_DURATION,
                          source_function_arn: str | None = None) -> RoleCredentials:
    """Temporary keys ("ASIA…") for the role, as Lambda gets them; RoleNotFoundError if none.

    Their principal is `arn:aws:sts::ACCOUNT:assumed-role/ROLE_NAME/SESSION_NAME`. Pass the
    function's ARN as `source_function_arn` to give policies lambda:SourceFunctionArn. The keys
    expire after `duration` (12 hours by default): mint again before `expiration`.
    """
    return mint_session(account_id, role_arn, session_name, duration=duration,
                        source_function_arn=source_function_arn).credentials


def is_minted(access_key_id: str) -> bool:
    """Whether the sandbox minted these keys for a role session (and so holds them to it)."""
    return SESSIONS.get(access_key_id) is not None


def is_allowed(account_id: str, role_arn: str, action: str, resource: str) -> bool:
    """Whether the role's policies allow `action` on `resource` now; False if there is no role.

    Logs ARNs as AWS checks them: CreateLogGroup on `arn:aws:logs:R:A:log-group:NAME:log-stream:`,
    CreateLogStream and PutLogEvents on `arn:aws:logs:R:A:log-group:NAME:log-stream:STREAM`.
    Conditions see the role's keys (aws:PrincipalArn, aws:PrincipalTag/*, the time,
    aws:RequestedRegion from the ARN) but none of a session or an HTTP request, such as
    aws:userid or aws:SourceIp.
    """
    role = find_role(account_id, role_arn)
    if role is None:
        return False
    keys = role_keys(role, account_id, datetime.now(timezone.utc))
    parts = resource.split(":")
    if len(parts) > ARN_REGION_PART and parts[ARN_REGION_PART]:
        keys["aws:requestedregion"] = (parts[ARN_REGION_PART],)
    return decide(role_policies(role), action, resource, keys).is_allowed


def install(dispatcher: Dispatcher, account_id: str) -> None:
    """Guard `dispatcher` with execution-role authorization; serve the hook and the simulator."""
    dispatcher.guard(AuthorizationGuard())
    register_credentials_route(dispatcher, account_id)
    register_simulator(dispatcher, account_id)
