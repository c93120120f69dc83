"""Items of a table: browse by Scan or Query, export as JSON lines."""
from __future__ import annotations

from flask.typing import ResponseReturnValue

from .tables import bp


@bp.get("/<table_name>/items")
def items(table_name: str) -> ResponseReturnValue:
    """Placeholder until the browser lands."""
    return f"items of {table_name}: being built", 501
