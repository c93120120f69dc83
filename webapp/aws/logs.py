"""CloudWatch Logs groups and events."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from .clients import client
from .errors import N_, aws_errors
from .paging import PAGE_SIZE, Count, Page, count_items

EVENTS_PAGE_SIZE = 200


def count_log_groups() -> Count:
    """How many log groups the region has (capped)."""
    with aws_errors(N_("count log groups")):
        pages = client("logs").get_paginator("describe_log_groups").paginate()
        return count_items(pages, "logGroups")


@dataclass(frozen=True, slots=True)
class LogGroup:
    """A log group as the list shows it."""

    log_group_name: str
    stored_bytes: int
    retention_days: int | None
    created_ms: int


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One log event: when, which stream, and its text (untrusted: shown as text only)."""

    timestamp_ms: int
    log_stream_name: str
    message: str

    @property
    def time_utc(self) -> str:
        """The event's time in UTC, to the millisecond."""
        moment = datetime.fromtimestamp(self.timestamp_ms / 1000, tz=timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{self.timestamp_ms % 1000:03d}"


def list_log_groups(prefix: str = "", page_token: str | None = None) -> Page[LogGroup]:
    """One page of the region's log groups whose names start with `prefix`."""
    arguments: dict[str, object] = {"limit": PAGE_SIZE}
    if prefix:
        arguments["logGroupNamePrefix"] = prefix
    if page_token:
        arguments["nextToken"] = page_token
    with aws_errors(N_("list log groups")):
        reply = client("logs").describe_log_groups(**arguments)
    groups = [LogGroup(group["logGroupName"], int(group.get("storedBytes", 0)),
                       group.get("retentionInDays"), int(group.get("creationTime", 0)))
              for group in reply.get("logGroups", [])]
    return Page(groups, reply.get("nextToken"))


def filter_events(log_group_name: str, filter_pattern: str = "",
                  page_token: str | None = None) -> Page[LogEvent]:
    """One page of a group's events, oldest first, matching a CloudWatch filter pattern."""
    arguments: dict[str, object] = {"logGroupName": log_group_name, "limit": EVENTS_PAGE_SIZE}
    if filter_pattern:
        arguments["filterPattern"] = filter_pattern
    if page_token:
        arguments["nextToken"] = page_token
    with aws_errors(N_("read log events"), f"log group {log_group_name}"):
        reply = client("logs").filter_log_events(**arguments)
    events = [LogEvent(int(event["timestamp"]), event.get("logStreamName", ""), event["message"])
              for event in reply.get("events", [])]
    return Page(events, reply.get("nextToken"))


MAX_REQUEST_EVENTS = 2000


def request_events(log_group_name: str, request_id: str) -> list[LogEvent]:
    """Every line one Lambda request wrote: its START to its REPORT, in its own stream.

    A Lambda execution environment runs one request at a time and writes to one stream, so the
    lines between a request's START and REPORT are that request's, whether or not they name it.
    When no START line is found, the lines that name the request are all there is.
    """
    marked = filter_events(log_group_name, f'"{request_id}"').items
    start = next((event for event in marked if event.message.startswith("START RequestId: ")), None)
    if start is None:
        return marked
    report = next((event for event in marked if event.message.startswith("REPORT RequestId: ")), None)
    window: dict[str, object] = {"startTime": start.timestamp_ms}
    if report is not None:
        window["endTime"] = report.timestamp_ms + 1
    collected: list[LogEvent] = []
    token: str | None = None
    while len(collected) < MAX_REQUEST_EVENTS:
        # GetLogEvents has no paginator: the forward token comes back unchanged at the end.
        extra = {"nextToken": token} if token else {}
        with aws_errors(N_("read log events"), f"log group {log_group_name}"):
            page = client("logs").get_log_events(
                logGroupName=log_group_name, logStreamName=start.log_stream_name,
                startFromHead=True, **window, **extra)
        collected += [LogEvent(int(event["timestamp"]), start.log_stream_name, event["message"])
                      for event in page.get("events", [])]
        if not page.get("events") or page.get("nextForwardToken") in (None, token):
            break
        token = page["nextForwardToken"]
    return _start_to_report(collected, start, report)[:MAX_REQUEST_EVENTS]


def _start_to_report(events: list[LogEvent], start: LogEvent,
                     report: LogEvent | None) -> list[LogEvent]:
    # Neighbours sharing START's or REPORT's millisecond fall inside the time window; cut them.
    messages = [event.message for event in events]
    first = messages.index(start.message) if start.message in messages else 0
    last = (messages.index(report.message, first) + 1
            if report is not None and report.message in messages[first:] else len(events))
    return events[first:last]
