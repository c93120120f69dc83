"""IAM pages under /iam: the start page, managed policies, the policy builder and roles."""
from __future__ import annotations

from flask import Blueprint

from webapp.views.iam import policies, policy_builder, roles, start


def blueprint() -> Blueprint:
    """The IAM area; a role or policy name IAM could never accept is a 404 on every route."""
    area = Blueprint("iam", __name__, url_prefix="/iam")
    area.before_request(roles.refuse_impossible_names)  # after the app's own sign-in check
    for part in (start, policies, policy_builder, roles):
        area.register_blueprint(part.bp)
    return area
