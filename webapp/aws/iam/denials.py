"""AccessDenied inside a function: what the execution role lacks, and granting exactly that.

The tutorial's first call fails because a role with only basic Lambda permissions may not touch
the table. AWS's denial text names the assumed role, the action and the resource; this module
reads it from the invocation's payload or logs and writes the inline policy that fixes it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from webapp.aws.clients import client
from webapp.aws.errors import N_, aws_errors

_DENIAL = re.compile(
    r"(?:User|Principal): (?P<principal>arn:\S+) is not authorized to perform: "
    r"(?P<action>[\w-]+:[\w*]+) on resource: (?P<resource>arn:[^\s\"',]+)"
    r"(?P<rest>[^\n\"]*)"
)
# A DynamoDB table's item-level actions, for a grant that lets a CRUD function work at once.
DYNAMODB_READ_WRITE = (
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
    "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
)
GRANT_SCOPES = ("action", "table-read-write")
MAX_POLICY_NAME = 128


@dataclass(frozen=True, slots=True)
class Denial:
    """One refusal: who was refused which action on which resource, and whether a Deny did it."""

    principal: str
    action: str
    resource: str
    is_explicit_deny: bool

    @property
    def role_name(self) -> str | None:
        """The role of an assumed-role principal (arn:aws:sts::1:assumed-role/ROLE/SESSION)."""
        parts = self.principal.split(":", 5)[-1].split("/")
        return parts[1] if len(parts) >= 3 and parts[0] == "assumed-role" else None

    @property
    def table_arn(self) -> str | None:
        """The table a DynamoDB denial is about (an index ARN gives its table)."""
        if not self.action.startswith("dynamodb:") or ":table/" not in self.resource:
            return None
        head, _, rest = self.resource.partition(":table/")
        return f"{head}:table/{rest.split('/', 1)[0]}"


def find_denial(*texts: str) -> Denial | None:
    """The first AccessDenied message in the texts (payload, log lines), if any."""
    for text in texts:
        match = _DENIAL.search(text or "")
        if match:
            return Denial(match["principal"], match["action"], match["resource"].rstrip("."),
                          is_explicit_deny="explicit deny" in match["rest"])
    return None


def grant_document(denial: Denial, scope: str) -> dict[str, object]:
    """The least-privilege statement for the denial: the one action, or read-write on the table."""
    if scope == "table-read-write" and denial.table_arn:
        return {"Version": "2012-10-17", "Statement": [{
            "Sid": "ReadWriteItems",
            "Effect": "Allow",
            "Action": list(DYNAMODB_READ_WRITE),
            # Indexes have their own ARNs; a grant on the table alone does not cover them.
            "Resource": [denial.table_arn, f"{denial.table_arn}/index/*"],
        }]}
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": denial.action, "Resource": denial.resource,
    }]}


def grant_policy_name(denial: Denial, scope: str) -> str:
    """A readable inline policy name that one grant keeps reusing, e.g. console-Items-read-write."""
    if scope == "table-read-write" and denial.table_arn:
        label = f"{denial.table_arn.rsplit('/', 1)[1]}-read-write"
    else:
        label = f"{denial.action.replace(':', '-')}-{denial.resource.rsplit('/', 1)[-1]}"
    name = re.sub(r"[^\w+=,.@-]", "-", f"console-{label}")
    return name[:MAX_POLICY_NAME]


def grant(role_name: str, denial: Denial, scope: str) -> str:
    """Add the grant to the role as an inline policy; return the policy's name."""
    policy_name = grant_policy_name(denial, scope)
    document = json.dumps(grant_document(denial, scope))
    with aws_errors(N_("add the inline policy"), f"IAM role {role_name}"):
        client("iam").put_role_policy(RoleName=role_name, PolicyName=policy_name,
                                      PolicyDocument=document)
    return policy_name
