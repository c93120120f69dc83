"""IAM roles: list, create, attach and detach managed policies, inline policies, delete."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from webapp.aws.clients import client
from webapp.aws.errors import N_, AlreadyExists, ConsoleError, NotFound, aws_errors
from webapp.aws.iam.permissions_summary import statements
from webapp.aws.iam.policies import decoded_document, default_document
from webapp.aws.paging import PAGE_SIZE, Count, Page, count_items
from webapp.aws.tags import tag_arguments

# Trust policies the create form offers; AWS's own service principals.
TRUST_TEMPLATES: dict[str, str] = {
    "lambda": "lambda.amazonaws.com",
    "apigateway": "apigateway.amazonaws.com",
}
# AWS-managed policies the attach form offers first: what a Lambda or API Gateway role needs to log.
SUGGESTED_MANAGED_POLICIES: tuple[tuple[str, str], ...] = (
    ("AWSLambdaBasicExecutionRole",
     "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
    ("AmazonAPIGatewayPushToCloudWatchLogs",
     "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"),
)
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
# A role's ARN as IAM writes it: any partition, the account, the path and the name.
ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
POLICY_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")
# How many Lambda functions the role page looks through, and lists, to find the role's users.
FUNCTION_SCAN_CAP = 1000
FUNCTION_LIST_CAP = 50


def trust_document(template: str) -> dict:
    """The trust policy of a template ("lambda" or "apigateway")."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": TRUST_TEMPLATES[template]},
            "Action": "sts:AssumeRole",
        }],
    }


@dataclass(frozen=True, slots=True)
class RoleRow:
    """A role as the list shows it."""

    name: str
    arn: str
    path: str
    created: datetime | None
    description: str
    trusted: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Role:
    """A role as its page shows it."""

    name: str
    arn: str
    path: str
    created: datetime | None
    description: str
    trust_policy: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    """A managed policy attached to a role."""

    name: str
    arn: str

    @property
    def is_aws_managed(self) -> bool:
        """True for AWS's own policies (arn:aws:iam::aws:policy/...)."""
        return ":iam::aws:policy/" in self.arn


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    """An inline policy: a name and its document, which live in the role."""

    name: str
    document: dict


@dataclass(frozen=True, slots=True)
class FunctionUse:
    """A Lambda function whose execution role is the role."""

    name: str
    arn: str


@dataclass(frozen=True, slots=True)
class FunctionUses:
    """The functions found, and whether the search stopped before the end."""

    functions: list[FunctionUse]
    incomplete: bool


def _listed(value: object) -> list:
    """A policy field that holds one value or a list of them, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _statements(document: object) -> list[dict]:
    return statements(decoded_document(document))


def trusted_principals(document: object) -> tuple[str, ...]:
    """Who a trust policy lets assume the role: service names, account ARNs, federations."""
    found: list[str] = []
    for statement in _statements(document):
        principal = statement.get("Principal")
        if principal == "*":
            found.append("*")
        elif isinstance(principal, dict):
            for values in principal.values():
                found.extend(values if isinstance(values, list) else [str(values)])
    return tuple(dict.fromkeys(found))


def trusts_service(document: object, service: str) -> bool:
    """True when the trust policy allows `service` (lambda.amazonaws.com) sts:AssumeRole."""
    for statement in _statements(document):
        principal = statement.get("Principal")
        services = principal.get("Service") if isinstance(principal, dict) else None
        if (statement.get("Effect") == "Allow" and service in _listed(services)
                and "sts:AssumeRole" in _listed(statement.get("Action"))):
            return True
    return False


def roles_trusted_as(accepts: Callable[[object], bool], limit: int) -> list[tuple[str, str]]:
    """(name, ARN) of the first `limit` roles whose trust policy `accepts` takes, for a picker."""
    found: list[tuple[str, str]] = []
    with aws_errors(N_("list IAM roles")):
        for page in client("iam").get_paginator("list_roles").paginate():
            found.extend((role["RoleName"], role["Arn"]) for role in page.get("Roles", [])
                         if accepts(role.get("AssumeRolePolicyDocument", {})))
            if len(found) >= limit:
                break
    return found[:limit]


def suggested_policies(trusted: tuple[str, ...]) -> list[AttachedPolicy]:
    """The AWS-managed policies to offer first, the one for the role's own service at the top."""
    policies = [AttachedPolicy(name, arn) for name, arn in SUGGESTED_MANAGED_POLICIES]
    if TRUST_TEMPLATES["apigateway"] in trusted and TRUST_TEMPLATES["lambda"] not in trusted:
        policies.reverse()
    return policies


def list_roles(page_token: str | None = None) -> Page[RoleRow]:
    """One page of the account's roles."""
    start = {"Marker": page_token} if page_token else {}
    with aws_errors(N_("list IAM roles")):
        reply = client("iam").list_roles(MaxItems=PAGE_SIZE, **start)
    rows = [RoleRow(role["RoleName"], role["Arn"], role.get("Path", "/"), role.get("CreateDate"),
                    role.get("Description", ""),
                    trusted_principals(role.get("AssumeRolePolicyDocument", {})))
            for role in reply.get("Roles", [])]
    return Page(rows, reply.get("Marker") if reply.get("IsTruncated") else None)


def count_roles() -> Count:
    """How many IAM roles the account has (capped)."""
    with aws_errors(N_("count IAM roles")):
        pages = client("iam").get_paginator("list_roles").paginate()
        return count_items(pages, "Roles")


def get_role(role_name: str) -> Role:
    """A role with its trust policy."""
    with aws_errors(N_("read the role"), f"IAM role {role_name}"):
        role = client("iam").get_role(RoleName=role_name)["Role"]
    return Role(role["RoleName"], role["Arn"], role.get("Path", "/"), role.get("CreateDate"),
                role.get("Description", ""),
                decoded_document(role.get("AssumeRolePolicyDocument", {})))


def role_exists(role_name: str) -> bool:
    """Whether a role of this name exists in the account."""
    try:
        get_role(role_name)
    except NotFound:
        return False
    return True


ROLE_EXISTS = N_("A role named %(role_name)s already exists. Choose another name.")


def create_role(role_name: str, trust_policy: dict, description: str = "",
                path: str = "/", *, tags: Mapping[str, str] | None = None) -> Role:
    """Create a role with this trust policy; a taken name is reported against the name field."""
    tagged = tag_arguments(tags)
    try:
        with aws_errors(N_("create the role"), f"IAM role {role_name}"):
            role = client("iam").create_role(
                RoleName=role_name, Path=path, AssumeRolePolicyDocument=json.dumps(trust_policy),
                Description=description, **tagged)["Role"]
    except ConsoleError as err:
        if err.aws_code == "EntityAlreadyExists":
            raise AlreadyExists(ROLE_EXISTS, field="role_name", role_name=role_name) from err
        raise
    return Role(role["RoleName"], role["Arn"], role.get("Path", "/"), role.get("CreateDate"),
                role.get("Description", ""), trust_policy)


def wait_until_exists(role_name: str) -> None:
    """Wait until IAM answers for a role just made (IAM's role_exists waiter)."""
    with aws_errors(N_("create the role"), f"IAM role {role_name}"):
        client("iam").get_waiter("role_exists").wait(RoleName=role_name)


def list_attached(role_name: str) -> list[AttachedPolicy]:
    """Every managed policy attached to the role."""
    found: list[AttachedPolicy] = []
    with aws_errors(N_("list the role's policies"), f"IAM role {role_name}"):
        pages = client("iam").get_paginator("list_attached_role_policies").paginate(
            RoleName=role_name)
        for page in pages:
            found.extend(AttachedPolicy(policy["PolicyName"], policy["PolicyArn"])
                         for policy in page.get("AttachedPolicies", []))
    return found


def attach_policy(role_name: str, policy_arn: str) -> None:
    """Attach a managed policy to the role."""
    with aws_errors(N_("attach the policy"), f"IAM policy {policy_arn}"):
        client("iam").attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)


@dataclass(frozen=True, slots=True)
class RefusedAttachment:
    """A managed policy IAM would not attach, and the error saying why."""

    policy_arn: str
    error: ConsoleError


@dataclass(frozen=True, slots=True)
class Attachments:
    """What attach_policies did: the policies attached and the ones IAM refused."""

    attached: list[str]
    refused: list[RefusedAttachment]


def attach_policies(role_name: str, policy_arns: list[str]) -> Attachments:
    """Attach each managed policy in turn; one IAM refuses is kept with its error and the rest
    are still tried, so the caller can say exactly what the role got."""
    attached: list[str] = []
    refused: list[RefusedAttachment] = []
    for policy_arn in policy_arns:
        try:
            attach_policy(role_name, policy_arn)
        except ConsoleError as err:
            refused.append(RefusedAttachment(policy_arn, err))
        else:
            attached.append(policy_arn)
    return Attachments(attached, refused)


def detach_policy(role_name: str, policy_arn: str) -> None:
    """Detach a managed policy from the role."""
    with aws_errors(N_("detach the policy"), f"IAM policy {policy_arn}"):
        client("iam").detach_role_policy(RoleName=role_name, PolicyArn=policy_arn)


def list_inline(role_name: str) -> list[InlinePolicy]:
    """The role's inline policies with their documents."""
    iam = client("iam")
    found: list[InlinePolicy] = []
    with aws_errors(N_("list the role's inline policies"), f"IAM role {role_name}"):
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
            for name in page.get("PolicyNames", []):
                reply = iam.get_role_policy(RoleName=role_name, PolicyName=name)
                found.append(InlinePolicy(name, decoded_document(reply.get("PolicyDocument", {}))))
    return found


def get_inline(role_name: str, policy_name: str) -> InlinePolicy:
    """One inline policy of the role."""
    with aws_errors(N_("read the inline policy"), f"inline policy {policy_name}"):
        reply = client("iam").get_role_policy(RoleName=role_name, PolicyName=policy_name)
    return InlinePolicy(policy_name, decoded_document(reply.get("PolicyDocument", {})))


def put_inline(role_name: str, policy_name: str, document: dict) -> None:
    """Add or replace an inline policy."""
    with aws_errors(N_("save the inline policy"), f"IAM role {role_name}"):
        client("iam").put_role_policy(RoleName=role_name, PolicyName=policy_name,
                                      PolicyDocument=json.dumps(document))


def delete_inline(role_name: str, policy_name: str) -> None:
    """Remove an inline policy from the role."""
    with aws_errors(N_("remove the inline policy"), f"inline policy {policy_name}"):
        client("iam").delete_role_policy(RoleName=role_name, PolicyName=policy_name)


def functions_using(role_arn: str, scan_cap: int = FUNCTION_SCAN_CAP,
                    list_cap: int = FUNCTION_LIST_CAP) -> FunctionUses:
    """Lambda functions in the region whose execution role is this role (bounded search)."""
    found: list[FunctionUse] = []
    seen = 0
    with aws_errors(N_("list Lambda functions")):
        for page in client("lambda").get_paginator("list_functions").paginate():
            for config in page.get("Functions", []):
                seen += 1
                if config.get("Role") == role_arn:
                    found.append(FunctionUse(config["FunctionName"], config["FunctionArn"]))
                if len(found) >= list_cap or seen >= scan_cap:
                    return FunctionUses(found, incomplete=True)
    return FunctionUses(found, incomplete=False)


def policy_documents(role_name: str, attached: list[AttachedPolicy] | None = None,
                     inline: list[InlinePolicy] | None = None) -> list[tuple[str, dict]]:
    """(policy name, document) for every attached policy's default version and every inline one."""
    attached = list_attached(role_name) if attached is None else attached
    inline = list_inline(role_name) if inline is None else inline
    documents = [(policy.name, default_document(policy.arn)) for policy in attached]
    documents.extend((policy.name, policy.document) for policy in inline)
    return documents


@dataclass(frozen=True, slots=True)
class DeletedRole:
    """What delete_role took off the role before deleting it, by policy name."""

    detached: list[str]
    removed_inline: list[str]


ROLE_DELETE_UNFINISHED = N_("The role %(role_name)s is not deleted, but these of its policies are "
                            "already detached or deleted: %(policies)s. %(reason)s")


def delete_role(role_name: str) -> DeletedRole:
    """Detach every managed policy, delete inline ones, leave instance profiles, then delete.

    A refusal once some policies are off names them: the role is left without them."""
    attached = list_attached(role_name)
    taken_off: list[str] = []
    try:
        for policy in attached:
            detach_policy(role_name, policy.arn)
            taken_off.append(policy.name)
        inline = list_inline(role_name)
        for policy in inline:
            delete_inline(role_name, policy.name)
            taken_off.append(policy.name)
        _leave_profiles_and_delete(role_name)
    except ConsoleError as err:
        if not taken_off:
            raise
        raise type(err)(ROLE_DELETE_UNFINISHED, field=err.field, aws_code=err.aws_code,
                        role_name=role_name, policies=", ".join(taken_off),
                        reason=err.message) from err
    return DeletedRole([policy.name for policy in attached], [policy.name for policy in inline])


def _leave_profiles_and_delete(role_name: str) -> None:
    iam = client("iam")
    with aws_errors(N_("remove the role from its instance profiles"), f"IAM role {role_name}"):
        pages = iam.get_paginator("list_instance_profiles_for_role").paginate(RoleName=role_name)
        for page in pages:
            for profile in page.get("InstanceProfiles", []):
                iam.remove_role_from_instance_profile(
                    InstanceProfileName=profile["InstanceProfileName"], RoleName=role_name)
    with aws_errors(N_("delete the role"), f"IAM role {role_name}"):
        iam.delete_role(RoleName=role_name)

