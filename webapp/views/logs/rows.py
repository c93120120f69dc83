"""Event rows of the log pages as data, shown by `log_event_rows` in templates/logs/macros.html.

A page has up to 200 rows and the FilterLogEvents call it wraps takes a few milliseconds
(bench/log_events.py), so the template loops once over plain tuples and does no Python work per
row beyond escaping (each `{{ }}` costs a markupsafe call, so a row has as few as it can): the
times, each stream's link (once per stream and page) and the visible message are made here.
The markup, and its escaping, is the template's (autoescaped: log text and stream names are
untrusted and always end up as text, never markup).
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

from webapp.aws.logs.invocations import visible
from webapp.aws.logs.log_groups import LogEvent

STREAM_NAMES_KEPT = 4096  # a group's streams, a few pages' worth; each argument is ~100 bytes

# One row: the UTC time as shown, the same time in ISO form (without its Z), the stream's name,
# the URL of the view on that stream, and the message with control characters made visible.
EventRow = tuple[str, str, str, str, str]


def event_rows(events: Iterable[LogEvent], stream_link: str) -> list[EventRow]:
    """The rows of `events`, in order; `stream_link` is the view's URL without a stream, to which
    each row's link adds its own stream."""
    links: dict[str, str] = {}
    rows = []
    for event in events:
        moment = event.time_utc
        stream = event.log_stream_name
        link = links.get(stream)
        if link is None:
            link = links[stream] = f"{stream_link}&stream={_stream_argument(stream)}"
        rows.append((moment, moment.replace(" ", "T"), stream, link, visible(event.message)))
    return rows


@lru_cache(maxsize=STREAM_NAMES_KEPT)
def _stream_argument(name: str) -> str:
    """A stream's name quoted for a URL. Pages of a group show the same few hundred streams again
    and again, and quoting a name costs more than the rest of its row (urllib quotes `/`, `[` and
    `$` a character at a time), so it is kept."""
    return quote(name, safe="")
