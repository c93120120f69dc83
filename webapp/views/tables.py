"""DynamoDB tables: list, create, open, delete. Items and import/export add their routes here."""
from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from .rendering import render_view

bp = Blueprint("tables", __name__, url_prefix="/tables")


@bp.get("/")
def index() -> ResponseReturnValue:
    """The region's tables (being built)."""
    return render_view("tables/index.html")
