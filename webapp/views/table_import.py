"""Import items into a table from pasted JSON or an uploaded file, with progress."""
from __future__ import annotations

from flask.typing import ResponseReturnValue

from .tables import bp


@bp.get("/<table_name>/import")
def import_items(table_name: str) -> ResponseReturnValue:
    """Placeholder until the importer lands."""
    return f"import into {table_name}: being built", 501
