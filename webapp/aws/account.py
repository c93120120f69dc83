"""Who the console is talking to AWS as."""
from __future__ import annotations

from dataclasses import dataclass

from .clients import client
from .errors import N_, aws_errors


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
