"""The AWS regions a user can pick, with AWS's own descriptions."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import botocore.session


@dataclass(frozen=True, slots=True)
class Region:
    """A region code and AWS's description of it, e.g. ap-northeast-2, Asia Pacific (Seoul)."""

    code: str
    description: str


@cache
def list_regions() -> tuple[Region, ...]:
    """The commercial AWS partition's regions, from botocore's bundled endpoint data."""
    endpoints = botocore.session.get_session().get_data("endpoints")
    partition = next(p for p in endpoints["partitions"] if p["partition"] == "aws")
    return tuple(
        Region(code, info.get("description", code))
        for code, info in sorted(partition["regions"].items())
    )


def is_region(code: str) -> bool:
    """True for a region code list_regions() knows."""
    return any(region.code == code for region in list_regions())
