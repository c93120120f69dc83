"""A page of a Lambda log group's events as invocation rows, each request shown on one page whole.

A page of events is cut by count, so a request can straddle two pages. Its rows are completed by
reading the request's own lines (logs.request_events) and shown once:
- newest first: on the page that holds its REPORT (a request cut at the page's older edge is
  completed there); on the next page, a request without REPORT that turns out to have one was
  already shown, and is left out;
- oldest first: on the page that holds its START (a request cut at the page's newer edge is
  completed there); on later pages a request whose START is not on the page is left out.
At most MAX_COMPLETIONS requests are read per page; beyond that rows stay as the page has them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from webapp.aws.logs import invocations as lambda_invocations
from webapp.aws.logs import log_groups as logs
from webapp.aws.errors import ConsoleError
from webapp.aws.paging import Page

MAX_COMPLETIONS = 10


@dataclass(frozen=True)
class InvocationLine:
    """One line of an invocation as the page shows it: JSON laid out, problems marked."""

    time_utc: str
    text: str
    problem: str | None


@dataclass(frozen=True)
class InvocationRow:
    """One invocation and its lines, ready for the invocation table."""

    invocation: lambda_invocations.Invocation
    start_utc: str
    lines: tuple[InvocationLine, ...]

    @property
    def failed(self) -> bool:
        """True for an error or a timeout, which the page makes stand out."""
        return self.invocation.status in (lambda_invocations.ERROR, lambda_invocations.TIMEOUT)


def page_rows(page: Page[logs.LogEvent], group: str, newest_first: bool,
              after_first_page: bool) -> list[InvocationRow]:
    """The page's invocations as rows, in the page's order, each request on one page only."""
    folded = lambda_invocations.group_invocations(
        sorted(page.items, key=lambda event: event.order_key)).invocations
    older_edge_cut = page.has_more if newest_first else after_first_page
    newer_edge_cut = after_first_page if newest_first else page.has_more
    kept: list[lambda_invocations.Invocation] = []
    completions = 0
    for invocation in folded:
        if not invocation.started and older_edge_cut and not newest_first:
            continue  # shown whole on the earlier page that has its START
        cut = (not invocation.started and older_edge_cut) or (not invocation.complete and newer_edge_cut)
        if cut and completions < MAX_COMPLETIONS:
            completions += 1
            whole = _whole(group, invocation)
            if whole is not None:
                if newest_first and not invocation.complete and whole.complete and newer_edge_cut:
                    continue  # its REPORT is on a newer page, which showed it whole
                invocation = whole
        kept.append(invocation)
    rows = [_row(invocation) for invocation in kept]
    return rows[::-1] if newest_first else rows


def _whole(group: str, part: lambda_invocations.Invocation) -> lambda_invocations.Invocation | None:
    """The request with all its lines, or None when they cannot be read."""
    try:
        lines = logs.request_events(group, part.request_id, part.start_ms).events
    except ConsoleError:
        return None
    found = [invocation for invocation in lambda_invocations.group_invocations(lines).invocations
             if invocation.request_id == part.request_id]
    return found[0] if found else None


def _row(invocation: lambda_invocations.Invocation) -> InvocationRow:
    return InvocationRow(invocation, invocation.lines[0].time_utc,  # type: ignore[attr-defined]
                         tuple(InvocationLine(line.time_utc, line_text(line.message),  # type: ignore[attr-defined]
                                              lambda_invocations.line_problem(line.message))
                               for line in invocation.lines))


def line_text(message: str) -> str:
    """A log line as text; a JSON object in it is laid out with 2-space indentation, the text
    around it kept."""
    found = lambda_invocations.json_span(message)
    if found is None:
        return lambda_invocations.visible(message.rstrip("\n"))
    start, end, payload = found
    return lambda_invocations.visible((message[:start] + json.dumps(payload, indent=2, ensure_ascii=False)
                                       + message[end:]).rstrip("\n"))


