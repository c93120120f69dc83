"""Pages of results for the UI and bounded counts for the dashboard."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PAGE_SIZE = 50
# The dashboard stops counting here so a huge account never turns into a long page load.
COUNT_CAP = 1000


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list and the token for the next one (None at the end)."""

    items: list[T]
    next_token: str | None

    @property
    def has_more(self) -> bool:
        """True when another page follows."""
        return self.next_token is not None


@dataclass(frozen=True, slots=True)
class Count:
    """How many of something exist, or that there are at least `value` of them."""

    value: int
    is_capped: bool

    def __str__(self) -> str:
        return f"{self.value}+" if self.is_capped else str(self.value)


def count_items(pages: Iterable[dict], key: str, cap: int = COUNT_CAP) -> Count:
    """Count the entries under `key` across paginator pages, stopping at `cap`."""
    total = 0
    for page in pages:
        total += len(page.get(key, []))
        if total >= cap:
            return Count(cap, is_capped=True)
    return Count(total, is_capped=False)


def following(first: Page[T], next_page: Callable[[str], Page[T]],
              limit: int | None = None) -> Iterator[Page[T]]:
    """`first`, then each page `next_page(token)` gives, while there is a token (and, with
    `limit`, at most that many pages in all); each is fetched only when asked for."""
    page, count = first, 1
    yield page
    while page.next_token and (limit is None or count < limit):
        page = next_page(page.next_token)
        count += 1
        yield page
