"""IAM: customer-managed policies and roles. Policies, roles and the builder add their routes here."""
from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from webapp.views.rendering import render_view

bp = Blueprint("start", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Where to start: policies first (scoped to a resource), then a role that uses them."""
    return render_view("iam/index.html")
