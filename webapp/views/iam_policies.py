"""Customer-managed and AWS-managed policies: list, search, open, create, edit by version, delete."""
from __future__ import annotations

from flask.typing import ResponseReturnValue

from .iam import bp


@bp.get("/policies")
def policies() -> ResponseReturnValue:
    """Placeholder until the policies pages land."""
    return "policies: being built", 501


@bp.get("/policies/new")
def new_policy() -> ResponseReturnValue:
    """Placeholder until the policies pages land."""
    return "new policy: being built", 501
