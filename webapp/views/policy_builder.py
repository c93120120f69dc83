"""The policy builder: pick a resource and an access level, get least-privilege JSON to edit."""
from __future__ import annotations

from .iam import bp  # noqa: F401
