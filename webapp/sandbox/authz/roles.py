"""A role's policies, read live from moto's IAM backend, and the decision they make together.

Identity-based policies are the role's inline policies plus its attached managed policies
(customer-managed and AWS-managed), each managed one at its default version. A permissions
boundary, when the role (or, in a simulation, the user) has one, must allow the action too; an
explicit deny in either wins. moto keeps a role's boundary ARN; a user's is kept by
../iam/permissions_boundaries.py as the `permissions_boundary` member moto serializes.
"""
import logging
from dataclasses import dataclass

from moto.iam.models import IAMBackend, ManagedPolicy, Role, User, iam_backends

from webapp.sandbox.authz.conditions import RequestKeys
from webapp.sandbox.authz.policy import Decision, Policy, PolicyError, evaluate, parse_policy

logger = logging.getLogger(__name__)

# A boundary ARN whose policy is gone allows nothing, as a boundary that grants nothing would.
EMPTY_POLICY = Policy(version="2012-10-17", statements=())


@dataclass(frozen=True, slots=True)
class RolePolicies:
    """Everything IAM weighs for a role's session: identity policies and the boundary, if any."""

    identity: tuple[Policy, ...]
    boundary: Policy | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision for one action on one resource, and whether the boundary made it."""

    decision: Decision
    by_boundary: bool = False

    @property
    def is_allowed(self) -> bool:
        """Whether the request may go on."""
        return self.decision is Decision.ALLOWED


ALLOWED = Verdict(Decision.ALLOWED)


def partition_of(arn: str) -> str:
    """The partition an ARN names ("aws" in `arn:aws:iam::…`)."""
    parts = arn.split(":", 2)
    return parts[1] if len(parts) > 2 and parts[1] else "aws"


def iam_backend(account_id: str, partition: str) -> IAMBackend:
    """moto's IAM backend of an account (IAM is global: keyed by partition, not region)."""
    return iam_backends[account_id][partition]


def find_role(account_id: str, role_arn: str) -> Role | None:
    """The role with this ARN in the account, or None if there is none."""
    backend = iam_backend(account_id, partition_of(role_arn))
    # list(): another request thread may create or delete a role meanwhile.
    return next((role for role in list(backend.roles.values()) if role.arn == role_arn), None)


def role_by_id(account_id: str, partition: str, role_id: str) -> Role | None:
    """The role with this unique id; a role deleted and made again under its name has a new id."""
    return iam_backend(account_id, partition).roles.get(role_id)


def role_policies(role: Role) -> RolePolicies:
    """The role's policies as IAM holds them right now."""
    documents = list(role.policies.values())
    documents += [default_document(policy) for policy in list(role.managed_policies.values())]
    identity = tuple(policy for policy in map(_parsed, documents) if policy is not None)
    return RolePolicies(identity=identity, boundary=boundary_policy(role))


def decide(policies: RolePolicies, action: str, resource: str, keys: RequestKeys) -> Verdict:
    """AWS's verdict: any explicit deny, then the identity policies' allow, then the boundary's."""
    identity = evaluate(policies.identity, action, resource, keys)
    boundary = (Decision.ALLOWED if policies.boundary is None
                else evaluate((policies.boundary,), action, resource, keys))
    if identity is Decision.EXPLICIT_DENY:
        return Verdict(Decision.EXPLICIT_DENY)
    if boundary is Decision.EXPLICIT_DENY:
        return Verdict(Decision.EXPLICIT_DENY, by_boundary=True)
    if identity is Decision.IMPLICIT_DENY:
        return Verdict(Decision.IMPLICIT_DENY)
    if boundary is Decision.IMPLICIT_DENY:
        return Verdict(Decision.IMPLICIT_DENY, by_boundary=True)
    return ALLOWED


def boundary_arn(entity: Role | User) -> str | None:
    """The ARN of the role's or user's permissions boundary, or None if it has none."""
    if isinstance(entity, Role):
        return entity.permissions_boundary_arn or None
    attached = getattr(entity, "permissions_boundary", None) or {}
    return attached.get("PermissionsBoundaryArn")


def boundary_policy(entity: Role | User) -> Policy | None:
    """The role's or user's permissions boundary at its default version, or None if it has
    none."""
    arn = boundary_arn(entity)
    if arn is None:
        return None
    backend = iam_backend(entity.account_id, partition_of(entity.arn))
    managed = backend.managed_policies.get(arn)
    if managed is None:
        return EMPTY_POLICY
    return _parsed(default_document(managed)) or EMPTY_POLICY


def default_document(policy: ManagedPolicy) -> str:
    """The managed policy's document at its default version ("" if that version is gone)."""
    for version in list(policy.versions):
        if version.version_id == policy.default_version_id:
            return version.document
    return ""


def _parsed(document: str) -> Policy | None:
    if not document:
        return None
    try:
        return parse_policy(document)
    except PolicyError as err:
        # IAM validates documents when they are put, so this is a bug worth seeing, not a denial.
        logger.warning("skipping a policy document the sandbox cannot read: %s", err)
        return None
