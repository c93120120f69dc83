"""The log pages' event rows: data from webapp/views/logs/rows.py, markup from
templates/logs/macros.html, and every untrusted value escaped on the way."""
from __future__ import annotations

from flask import Flask

from webapp.aws.logs.invocations import visible
from webapp.aws.logs.log_groups import LogEvent
from webapp.views.logs import rows

LINK = "/logs/?group=%2Faws%2Flambda%2Fx&pattern=ERROR"
HOSTILE_STREAM = "2026/11/25/[$LATEST]<b>\"q\"&'x' #?"
HOSTILE_MESSAGE = "[ERROR]\t<script>alert(1)</script> & \"quoted\" \x1b[31mred\x7f\n"


def render(app: Flask, events: list[LogEvent]) -> str:
    macros = app.jinja_env.get_template("logs/macros.html").module
    macro = macros.log_event_rows  # type: ignore[attr-defined]
    return str(macro(rows.event_rows(events, LINK)))


def test_a_row_escapes_the_stream_and_the_message_and_links_the_stream(app: Flask) -> None:
    html = render(app, [LogEvent(1764028801234, HOSTILE_STREAM, HOSTILE_MESSAGE)])

    assert html == (
        '<tr class="log-event"><td class="nowrap"><time datetime="2025-11-25T00:00:01.234Z"'
        ' title="2025-11-25 00:00:01.234 UTC">2025-11-25 00:00:01.234</time></td>'
        '<td class="stream" title="2026/11/25/[$LATEST]&lt;b&gt;&#34;q&#34;&amp;&#39;x&#39; #?">'
        '<a href="/logs/?group=%2Faws%2Flambda%2Fx&amp;pattern=ERROR&amp;stream='
        '2026%2F11%2F25%2F%5B%24LATEST%5D%3Cb%3E%22q%22%26%27x%27%20%23%3F">'
        "2026/11/25/[$LATEST]&lt;b&gt;&#34;q&#34;&amp;&#39;x&#39; #?</a></td>"
        '<td><pre class="log-line">[ERROR]\t&lt;script&gt;alert(1)&lt;/script&gt; &amp; '
        "&#34;quoted&#34; \u241b[31mred\u2421\n</pre></td></tr>\n")


def test_rows_keep_their_order_and_each_links_its_own_stream(app: Flask) -> None:
    events = [LogEvent(1764028800000 + n, f"stream-{n % 2}", f"line {n}") for n in range(4)]

    html = render(app, events)

    assert html.count('<tr class="log-event">') == 4
    assert [line.split('<pre class="log-line">')[1].split("<")[0]
            for line in html.splitlines()] == ["line 0", "line 1", "line 2", "line 3"]
    assert [line.split("&amp;stream=")[1].split('"')[0]
            for line in html.splitlines()] == ["stream-0", "stream-1", "stream-0", "stream-1"]


def test_no_events_no_rows(app: Flask) -> None:
    assert render(app, []) == ""


def test_visible_shows_exactly_the_control_characters_other_than_tab_and_newline() -> None:
    for code in range(0x100):
        shown = visible(f"a{chr(code)}b")
        if code < 0x20 and code not in (0x09, 0x0A):
            assert shown == f"a{chr(0x2400 + code)}b"
        elif code == 0x7F:
            assert shown == "a\u2421b"
        else:
            assert shown == f"a{chr(code)}b"
