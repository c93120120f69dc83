"""Event rows of the log pages as HTML, built once per page in Python.

A page has up to 200 rows and Jinja's per-row macro or include costs more than the FilterLogEvents
call the page wraps (bench/log_events.py), so rows are formatted here. Every value goes through
markupsafe's escape: log text and stream names are untrusted and always end up as text, never
markup (control characters such as a terminal's ESC show as symbols); the times are made by
utc_text from numbers.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup, escape

from webapp.aws.logs.log_groups import LogEvent
from webapp.aws.logs.invocations import visible

STREAM_NAMES_KEPT = 4096  # a group's streams, a few pages' worth; each pair is ~200 bytes


def event_rows(events: Iterable[LogEvent], stream_link: str) -> Markup:
    """One <tr class="log-event"> per event; `stream_link` is the view's URL without a stream,
    to which each row adds its own stream."""
    link = escape(stream_link)
    rows = []
    for event in events:
        moment = event.time_utc  # digits, dashes, colons and a dot: nothing to escape
        stream = _stream_texts(event.log_stream_name)
        rows.append(
            f'<tr class="log-event"><td class="nowrap"><time datetime="{moment.replace(" ", "T")}Z"'
            f' title="{moment} UTC">{moment}</time></td><td class="stream" title="{stream[0]}">'
            f'<a href="{link}&amp;stream={stream[1]}">{stream[0]}</a></td>'
            f'<td><pre class="log-line">{escape(visible(event.message))}</pre></td></tr>\n')
    return Markup("".join(rows))


@lru_cache(maxsize=STREAM_NAMES_KEPT)
def _stream_texts(name: str) -> tuple[str, str]:
    """A stream's name escaped for HTML, and quoted for a URL then escaped. Pages of a group
    show the same few hundred streams again and again, and quoting a name costs more than the
    rest of its row (urllib quotes `/`, `[` and `$` a character at a time), so the pair is kept."""
    return escape(name), escape(quote(name, safe=""))
