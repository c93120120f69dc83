"""The dispatcher guard: requests signed with minted keys get only what their role allows.

Any other key (the console's, the AWS CLI's) is the account's administrator, as in moto: for
those the guard costs one look at an empty registry, or a credential-scope match and a dict
lookup once keys have been minted.

For minted keys, in AWS's order: the session token must be the one issued with the access key,
the keys must not have expired, the role must still exist (a role deleted, or deleted and made
again under the same name, no longer honours its sessions), then every permission the request
needs must be allowed by the role's policies, read from IAM now.

Not checked: the SigV4 signature itself (moto does not check it either), resource-based
policies (trust policies, Lambda function policies), SCPs and session policies.
"""
import logging
from datetime import datetime, timezone

from moto.iam.models import Role
from werkzeug.wrappers import Request, Response

from webapp.sandbox.authz import errors
from webapp.sandbox.authz.context import request_keys, session_keys
from webapp.sandbox.authz.permissions import Target, required_permissions
from webapp.sandbox.authz.roles import decide, role_by_id, role_policies
from webapp.sandbox.authz.sessions import SESSIONS, RoleSession, SessionRegistry
from webapp.sandbox.dispatch import AwsOperation, credential_scope, identify

logger = logging.getLogger(__name__)

SECURITY_TOKEN = "X-Amz-Security-Token"
CREDENTIAL = "Credential="
PRESIGNED_CREDENTIAL = "X-Amz-Credential"


def signing_key_id(request: Request) -> str | None:
    """The access key id a request is signed with, read straight from the WSGI environ.

    Every request pays for this, so it slices the Authorization header ("… Credential=AKID/date/
    region/service/aws4_request, …") instead of building werkzeug's header and query objects.
    """
    authorization = request.environ.get("HTTP_AUTHORIZATION")
    if authorization:
        start = authorization.find(CREDENTIAL)
        if start < 0:
            return None
        start += len(CREDENTIAL)
        end = authorization.find("/", start)
        return authorization[start:end] if end > start else None
    if PRESIGNED_CREDENTIAL not in request.environ.get("QUERY_STRING", ""):
        return None
    scope = credential_scope(request)  # presigned URLs: rare, so the general parser will do
    return scope.access_key_id if scope else None


class AuthorizationGuard:
    """Called by the dispatcher with every request; answers only to refuse a minted key."""

    def __init__(self, registry: SessionRegistry = SESSIONS) -> None:
        self._registry = registry

    def __call__(self, request: Request) -> Response | None:
        if not self._registry:
            return None
        access_key_id = signing_key_id(request)
        if access_key_id is None:
            return None
        session = self._registry.get(access_key_id)
        if session is None:
            return None
        return self._check(request, session)

    def _check(self, request: Request, session: RoleSession) -> Response | None:
        operation = identify(request)
        if operation is None:
            # Without an operation name there is no action to check (S3's REST-XML, say).
            logger.warning("cannot name the operation of a request signed by %s; not checked",
                           session.principal_arn)
            return None
        refusal = self._refuse_keys(request, operation, session)
        if refusal is not None:
            return refusal
        role = role_by_id(session.account_id, session.partition, session.role_id)
        if role is None:
            logger.info("%s refused: role of %s no longer exists", operation.action,
                        session.principal_arn)
            return errors.invalid_token(request, operation.service)
        return self._authorize(request, operation, session, role)

    def _refuse_keys(self, request: Request, operation: AwsOperation,
                     session: RoleSession) -> Response | None:
        token = request.headers.get(SECURITY_TOKEN) or request.args.get(SECURITY_TOKEN)
        if token != session.credentials.session_token:
            logger.info("%s refused: session token does not match", operation.action)
            return errors.invalid_token(request, operation.service)
        if session.has_expired(datetime.now(timezone.utc)):
            logger.info("%s refused: keys of %s expired", operation.action, session.principal_arn)
            return errors.expired_token(request, operation.service)
        return None

    def _authorize(self, request: Request, operation: AwsOperation, session: RoleSession,
                   role: Role) -> Response | None:
        target = Target(partition=session.partition, region=operation.region,
                        account_id=session.account_id)
        needed = required_permissions(request, operation, target)
        if not needed:
            return None
        policies = role_policies(role)
        keys = session_keys(session, role, datetime.now(timezone.utc))
        keys.update(request_keys(request, operation.region))
        for permission in needed:
            verdict = decide(policies, permission.action, permission.resource,
                             {**keys, **permission.keys})
            if not verdict.is_allowed:
                message = errors.denial_message(session.principal_arn, permission.action,
                                                permission.resource, verdict)
                logger.info("AccessDenied: %s", message)
                return errors.access_denied(request, operation.service, message)
        return None
