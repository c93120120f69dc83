"""CloudWatch Logs groups and events."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from .clients import client
from .errors import N_, NOT_FOUND, ConsoleError, aws_errors
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


def event_pages(log_group_name: str, filter_pattern: str = "") -> Iterator[Page[LogEvent]]:
    """Every page of a group's matching events, oldest first, one FilterLogEvents call at a time.

    The first page is fetched before this returns, so a missing group or a bad pattern raises
    ConsoleError here; later pages are fetched only as the caller asks for them.
    """
    first = filter_events(log_group_name, filter_pattern)
    return _following_pages(log_group_name, filter_pattern, first)


def _following_pages(log_group_name: str, filter_pattern: str,
                     page: Page[LogEvent]) -> Iterator[Page[LogEvent]]:
    yield page
    while page.next_token:
        page = filter_events(log_group_name, filter_pattern, page.next_token)
        yield page


# The only values PutRetentionPolicy accepts; None means the events never expire.
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                  2557, 2922, 3288, 3653)


def describe_log_group(log_group_name: str) -> LogGroup:
    """One log group by its exact name; ConsoleError "not found" when there is none."""
    resource = f"log group {log_group_name}"
    with aws_errors(N_("read the log group"), resource):
        pages = client("logs").get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=log_group_name)
        for reply in pages:
            for group in reply.get("logGroups", []):
                if group["logGroupName"] == log_group_name:
                    return LogGroup(group["logGroupName"], int(group.get("storedBytes", 0)),
                                    group.get("retentionInDays"), int(group.get("creationTime", 0)))
    raise ConsoleError(NOT_FOUND, code="not-found", resource=resource)


def set_retention(log_group_name: str, days: int | None) -> None:
    """Keep a group's events for `days` days (one of RETENTION_DAYS), or forever when None."""
    if days is not None and days not in RETENTION_DAYS:
        raise ConsoleError(N_("Choose one of the retention periods CloudWatch Logs offers."),
                           code="invalid", field="retention_days")
    with aws_errors(N_("set the log group's retention"), f"log group {log_group_name}"):
        if days is None:
            client("logs").delete_retention_policy(logGroupName=log_group_name)
        else:
            client("logs").put_retention_policy(logGroupName=log_group_name, retentionInDays=days)


def delete_log_group(log_group_name: str) -> None:
    """Delete a log group with all its streams and events."""
    with aws_errors(N_("delete the log group"), f"log group {log_group_name}"):
        client("logs").delete_log_group(logGroupName=log_group_name)


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
