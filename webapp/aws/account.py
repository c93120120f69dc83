"""Who the console is talking to AWS as."""
from __future__ import annotations

from dataclasses import dataclass

from webapp.aws.clients import Connection, client, connection
from webapp.aws.errors import N_, aws_errors


@dataclass(frozen=True, slots=True)
class Identity:
    """The caller's account and ARN, from sts:GetCallerIdentity."""

    account_id: str
    arn: str


def get_caller_identity() -> Identity:
    """Ask STS who these credentials belong to."""
    with aws_errors(N_("read the account identity")):
        reply = client("sts").get_caller_identity()
    return Identity(reply["Account"], reply["Arn"])


_account_ids: dict[Connection, str] = {}


def account_id() -> str:
    """The account's id, asked of STS once per connection: ARNs the console builds (a policy's,
    a role's, an execute-api source) need it, and it does not change while the console runs."""
    current = connection()
    if current not in _account_ids:
        _account_ids[current] = get_caller_identity().account_id
    return _account_ids[current]
