"""One item: create, edit, duplicate and delete it in a JSON editor."""
from __future__ import annotations

from .tables import bp  # noqa: F401
