"""Roles: list, create from a trust template, attach and detach policies, inline policies, delete."""
from __future__ import annotations

from flask.typing import ResponseReturnValue

from .iam import bp


@bp.get("/roles")
def roles() -> ResponseReturnValue:
    """Placeholder until the roles pages land."""
    return "roles: being built", 501
