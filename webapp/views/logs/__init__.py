"""CloudWatch Logs pages under /logs: groups, events by request or pattern, tail, download."""
from __future__ import annotations

from flask import Blueprint

from webapp.views.logs import log_groups


def blueprint() -> Blueprint:
    """The CloudWatch Logs area."""
    area = Blueprint("logs", __name__, url_prefix="/logs")
    area.register_blueprint(log_groups.bp)
    return area
