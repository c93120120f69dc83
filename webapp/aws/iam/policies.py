"""IAM managed policies: list, search, read, create, new versions, roll back, delete.

IAM keeps at most five versions of a managed policy; `new_version` makes room by removing the
oldest version that is not the default, and says which one it removed.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from webapp.aws.clients import client
from webapp.aws.errors import N_, ConsoleError, InvalidInput, aws_errors
from webapp.aws.paging import PAGE_SIZE, Count, Page, count_items
from webapp.aws.tags import tag_arguments

MAX_VERSIONS = 5
# AWS has about 1,300 AWS-managed policies; a search reads them all (1,000 per call) and keeps
# at most this many matches.
MAX_SEARCH_MATCHES = 500


def is_aws_managed(policy_arn: str) -> bool:
    """True for AWS's own policies (arn:aws:iam::aws:policy/...), in any partition."""
    return ":iam::aws:policy/" in policy_arn


def name_from_arn(policy_arn: str) -> str:
    """A managed policy's name: the ARN's last path segment."""
    return policy_arn.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Policy:
    """A managed policy as lists and its page show it."""

    name: str
    arn: str
    path: str
    default_version_id: str
    attachment_count: int
    created: datetime | None
    updated: datetime | None
    description: str

    @property
    def is_aws_managed(self) -> bool:
        """True for AWS's own policies, which nobody can edit or delete."""
        return is_aws_managed(self.arn)


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """One stored version of a policy's document."""

    version_id: str
    is_default: bool
    created: datetime | None

    @property
    def number(self) -> int:
        """The version's number, for ordering (v10 after v9)."""
        digits = self.version_id.lstrip("v")
        return int(digits) if digits.isdigit() else 0


@dataclass(frozen=True, slots=True)
class PolicyEntities:
    """The roles, users and groups a policy is attached to, by name."""

    roles: list[str]
    users: list[str]
    groups: list[str]

    @property
    def is_attached(self) -> bool:
        """True when anything uses the policy."""
        return bool(self.roles or self.users or self.groups)


def _policy(reply: dict) -> Policy:
    return Policy(
        name=reply["PolicyName"], arn=reply["Arn"], path=reply.get("Path", "/"),
        default_version_id=reply.get("DefaultVersionId", ""),
        attachment_count=int(reply.get("AttachmentCount", 0)),
        created=reply.get("CreateDate"), updated=reply.get("UpdateDate"),
        description=reply.get("Description", ""),
    )


def decoded_document(value: object) -> dict:
    """A policy document as IAM returns it (a managed policy's, a role's trust or inline policy):
    botocore decodes IAM's URL-encoded JSON; some endpoints hand back the raw string."""
    if isinstance(value, str):
        value = json.loads(unquote(value))
    return value if isinstance(value, dict) else {}


def list_customer_policies(page_token: str | None = None,
                           page_size: int = PAGE_SIZE) -> Page[Policy]:
    """One page of the account's customer-managed policies (the Policies page, the attach form)."""
    start = {"Marker": page_token} if page_token else {}
    with aws_errors(N_("list IAM policies")):
        reply = client("iam").list_policies(Scope="Local", MaxItems=page_size, **start)
    policies = [_policy(policy) for policy in reply.get("Policies", [])]
    return Page(policies, reply.get("Marker") if reply.get("IsTruncated") else None)


def count_customer_policies() -> Count:
    """How many customer-managed policies the account has (capped)."""
    with aws_errors(N_("count IAM policies")):
        pages = client("iam").get_paginator("list_policies").paginate(Scope="Local")
        return count_items(pages, "Policies")


def search_aws_policies(query: str, page_token: str | None = None,
                        page_size: int = PAGE_SIZE) -> Page[Policy]:
    """One page of AWS-managed policies whose names contain `query` (any case), names that
    start with it first (so an exact name comes first), then alphabetically.

    IAM cannot filter by name, so every AWS-managed policy is read and matched here; the page
    token is the offset into the matches. The Policies page and the role page's attach form
    both search with it.
    """
    needle = query.strip().lower()
    matches: list[Policy] = []
    with aws_errors(N_("search AWS-managed policies")):
        pages = client("iam").get_paginator("list_policies").paginate(
            Scope="AWS", PaginationConfig={"PageSize": 1000})
        for page in pages:
            matches += [_policy(policy) for policy in page.get("Policies", [])
                        if needle in policy["PolicyName"].lower()]
            if len(matches) >= MAX_SEARCH_MATCHES:
                break
    matches.sort(key=lambda policy: (not policy.name.lower().startswith(needle), policy.name.lower()))
    offset = int(page_token) if page_token and page_token.isdigit() else 0
    end = offset + page_size
    return Page(matches[offset:end], str(end) if end < len(matches) else None)


def get_policy(policy_arn: str) -> Policy:
    """A policy's name, default version, attachment count and dates."""
    with aws_errors(N_("read the policy"), f"IAM policy {policy_arn}"):
        return _policy(client("iam").get_policy(PolicyArn=policy_arn)["Policy"])


def get_policy_document(policy_arn: str, version_id: str) -> dict:
    """The JSON document of one version of a policy."""
    with aws_errors(N_("read the policy version"), f"IAM policy {policy_arn} version {version_id}"):
        reply = client("iam").get_policy_version(PolicyArn=policy_arn, VersionId=version_id)
    return decoded_document(reply["PolicyVersion"].get("Document"))


def default_document(policy_arn: str) -> dict:
    """The document IAM enforces for a managed policy: its default version's (NotFound when
    there is no such policy)."""
    return get_policy_document(policy_arn, get_policy(policy_arn).default_version_id)


def list_versions(policy_arn: str) -> list[PolicyVersion]:
    """Every stored version of a policy, newest first."""
    with aws_errors(N_("list the policy's versions"), f"IAM policy {policy_arn}"):
        reply = client("iam").list_policy_versions(PolicyArn=policy_arn)
    versions = [PolicyVersion(version["VersionId"], bool(version.get("IsDefaultVersion")),
                              version.get("CreateDate"))
                for version in reply.get("Versions", [])]
    return sorted(versions, key=lambda version: version.number, reverse=True)


def list_entities(policy_arn: str) -> PolicyEntities:
    """The roles, users and groups the policy is attached to."""
    roles: list[str] = []
    users: list[str] = []
    groups: list[str] = []
    with aws_errors(N_("list what the policy is attached to"), f"IAM policy {policy_arn}"):
        pages = client("iam").get_paginator("list_entities_for_policy").paginate(PolicyArn=policy_arn)
        for page in pages:
            roles += [role["RoleName"] for role in page.get("PolicyRoles", [])]
            users += [user["UserName"] for user in page.get("PolicyUsers", [])]
            groups += [group["GroupName"] for group in page.get("PolicyGroups", [])]
    return PolicyEntities(sorted(roles), sorted(users), sorted(groups))


# Which form field an AWS refusal belongs beside.
_FIELD_FOR_CODE = {"EntityAlreadyExists": "policy_name", "MalformedPolicyDocument": "document",
                   "LimitExceeded": "document"}


def create_policy(policy_name: str, document: dict, description: str = "", *,
                  tags: Mapping[str, str] | None = None) -> Policy:
    """Create a customer-managed policy from a checked document."""
    extra: dict[str, object] = {"Description": description} if description else {}
    extra.update(tag_arguments(tags))
    try:
        with aws_errors(N_("create the policy"), f"IAM policy {policy_name}"):
            reply = client("iam").create_policy(
                PolicyName=policy_name, PolicyDocument=json.dumps(document), **extra)
    except ConsoleError as err:
        err.field = _FIELD_FOR_CODE.get(err.aws_code or "")
        raise
    return _policy(reply["Policy"])


def _create_version(policy_arn: str, document: dict) -> str:
    try:
        with aws_errors(N_("save the new version"), f"IAM policy {policy_arn}"):
            reply = client("iam").create_policy_version(
                PolicyArn=policy_arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
    except ConsoleError as err:
        err.field = _FIELD_FOR_CODE.get(err.aws_code or "")
        raise
    return reply["PolicyVersion"]["VersionId"]


def new_version(policy_arn: str, document: dict) -> tuple[str, str | None]:
    """Save the document as the new default version; returns it and any version removed.

    IAM refuses a sixth version, so with five stored the oldest non-default one is removed. The
    new version is tried first, so a document IAM refuses for another reason removes nothing.
    """
    try:
        return _create_version(policy_arn, document), None
    except ConsoleError as err:
        versions = list_versions(policy_arn)
        if err.aws_code != "LimitExceeded" or len(versions) < MAX_VERSIONS:
            raise
    oldest = min((version for version in versions if not version.is_default),
                 key=lambda version: version.number)
    with aws_errors(N_("remove the oldest version"), f"IAM policy {policy_arn}"):
        client("iam").delete_policy_version(PolicyArn=policy_arn, VersionId=oldest.version_id)
    return _create_version(policy_arn, document), oldest.version_id


def set_default(policy_arn: str, version_id: str) -> None:
    """Make a stored version the one IAM enforces (roll back or forward)."""
    with aws_errors(N_("set the default version"), f"IAM policy {policy_arn} version {version_id}"):
        client("iam").set_default_policy_version(PolicyArn=policy_arn, VersionId=version_id)


def delete_policy(policy_arn: str) -> PolicyEntities:
    """Detach the policy from every role, user and group, delete old versions, then the policy.

    Returns what it was detached from.
    """
    if is_aws_managed(policy_arn):
        raise InvalidInput(N_("AWS-managed policies cannot be deleted."))
    entities = list_entities(policy_arn)
    iam = client("iam")
    for role_name in entities.roles:
        with aws_errors(N_("detach the policy"), f"IAM role {role_name}"):
            iam.detach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    for user_name in entities.users:
        with aws_errors(N_("detach the policy"), f"IAM user {user_name}"):
            iam.detach_user_policy(UserName=user_name, PolicyArn=policy_arn)
    for group_name in entities.groups:
        with aws_errors(N_("detach the policy"), f"IAM group {group_name}"):
            iam.detach_group_policy(GroupName=group_name, PolicyArn=policy_arn)
    for version in list_versions(policy_arn):
        if not version.is_default:
            with aws_errors(N_("delete an old version"), f"IAM policy {policy_arn}"):
                iam.delete_policy_version(PolicyArn=policy_arn, VersionId=version.version_id)
    with aws_errors(N_("delete the policy"), f"IAM policy {policy_arn}"):
        iam.delete_policy(PolicyArn=policy_arn)
    return entities
