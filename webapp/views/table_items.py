"""Items of a table: browse by Scan or Query, export as JSON lines."""
from __future__ import annotations

from .tables import bp  # noqa: F401
