"""The setup wizard's pages under /wizard: the steps, tear down and export."""
from __future__ import annotations

from flask import Blueprint

from webapp.views.wizard import export, pages, teardown


def blueprint() -> Blueprint:
    """The wizard area."""
    area = Blueprint("wizard", __name__, url_prefix="/wizard")
    for part in (pages, teardown, export):
        area.register_blueprint(part.bp)
    return area
