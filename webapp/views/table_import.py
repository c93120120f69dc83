"""Import items into a table from pasted JSON or an uploaded file, with progress."""
from __future__ import annotations

from .tables import bp  # noqa: F401
