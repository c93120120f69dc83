"""DynamoDB pages under /tables: tables, their items, the item editor, import and PartiQL."""
from __future__ import annotations

from flask import Blueprint

from webapp.views.dynamodb import item_editor, table_import, table_items, tables


def blueprint() -> Blueprint:
    """The DynamoDB area: one child blueprint per page family."""
    area = Blueprint("dynamodb", __name__, url_prefix="/tables")
    for part in (tables, table_items, item_editor, table_import):
        area.register_blueprint(part.bp)
    return area
