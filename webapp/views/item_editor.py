"""One item: create, edit, duplicate and delete it in a JSON editor."""
from __future__ import annotations

from flask.typing import ResponseReturnValue

from .tables import bp


@bp.get("/<table_name>/items/new")
def new_item(table_name: str) -> ResponseReturnValue:
    """Placeholder until the editor lands."""
    return f"new item in {table_name}: being built", 501


@bp.get("/<table_name>/items/edit")
def edit_item(table_name: str) -> ResponseReturnValue:
    """Placeholder until the editor lands."""
    return f"edit an item of {table_name}: being built", 501
