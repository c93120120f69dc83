"""CloudWatch Logs groups and events."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import lru_cache

from webapp.aws.clients import client
from webapp.aws.errors import N_, NOT_FOUND, ConsoleError, InvalidInput, NotFound, aws_errors
from webapp.aws.paging import PAGE_SIZE, Count, Page, count_items, following

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
    event_id: str = ""
    ingestion_ms: int = 0

    @property
    def time_utc(self) -> str:
        """The event's time in UTC, to the millisecond."""
        return utc_text(self.timestamp_ms)

    @property
    def order_key(self) -> tuple[int, int, str]:
        """Time order; events of the same millisecond by their ID (numeric IDs compare by length first)."""
        return (self.timestamp_ms, len(self.event_id), self.event_id)


def utc_text(epoch_ms: int) -> str:
    """An epoch-millisecond time as `YYYY-MM-DD HH:MM:SS.mmm` in UTC."""
    return _second_text(epoch_ms // 1000) + f".{epoch_ms % 1000:03d}"


@lru_cache(maxsize=4096)
def _second_text(epoch_s: int) -> str:
    # A page's events share few seconds; formatting each second once halves a page's time work.
    return datetime.fromtimestamp(epoch_s, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Which events of a group to read: a filter pattern, a time range (inclusive), one stream."""

    log_group_name: str
    pattern: str = ""
    start_ms: int | None = None
    end_ms: int | None = None
    stream: str | None = None

    def arguments(self) -> dict[str, object]:
        """FilterLogEvents' arguments for this query (without limit and token)."""
        arguments: dict[str, object] = {"logGroupName": self.log_group_name}
        if self.pattern:
            arguments["filterPattern"] = self.pattern
        if self.start_ms is not None:
            arguments["startTime"] = self.start_ms
        if self.end_ms is not None:
            arguments["endTime"] = self.end_ms
        if self.stream:
            arguments["logStreamNames"] = [self.stream]
        return arguments


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


@dataclass(frozen=True, slots=True)
class LogStream:
    """A log stream as the group's stream list shows it."""

    log_stream_name: str
    created_ms: int
    first_event_ms: int | None
    last_event_ms: int | None


def list_streams(log_group_name: str, page_token: str | None = None) -> Page[LogStream]:
    """One page of a group's streams, the one with the newest event first."""
    arguments: dict[str, object] = {"logGroupName": log_group_name, "orderBy": "LastEventTime",
                                    "descending": True, "limit": PAGE_SIZE}
    if page_token:
        arguments["nextToken"] = page_token
    with aws_errors(N_("list log streams"), f"log group {log_group_name}"):
        reply = client("logs").describe_log_streams(**arguments)
    streams = [LogStream(stream["logStreamName"], int(stream.get("creationTime", 0)),
                         stream.get("firstEventTimestamp"), stream.get("lastEventTimestamp"))
               for stream in reply.get("logStreams", [])]
    return Page(streams, reply.get("nextToken"))


def latest_event_ms(log_group_name: str, stream: str | None = None) -> int | None:
    """When the group's (or one stream's) newest event happened as far as DescribeLogStreams
    knows (AWS updates it eventually, so it can be older than the truth); None when unknown.
    A hint, never an error."""
    arguments: dict[str, object] = {"logGroupName": log_group_name, "limit": PAGE_SIZE}
    if stream:
        arguments["logStreamNamePrefix"] = stream
    else:
        arguments.update(orderBy="LastEventTime", descending=True)
    try:
        with aws_errors(N_("list log streams"), f"log group {log_group_name}"):
            reply = client("logs").describe_log_streams(**arguments)
    except ConsoleError:
        return None
    times = [item["lastEventTimestamp"] for item in reply.get("logStreams", [])
             if "lastEventTimestamp" in item and (not stream or item["logStreamName"] == stream)]
    return max(times) if times else None


# FilterLogEvents may answer an empty page that still has a token while it searches; a few more
# calls are made for the first events before the page is shown.
EMPTY_PAGE_RETRIES = 4


def filter_events(query: EventQuery, page_token: str | None = None,
                  limit: int | None = None) -> Page[LogEvent]:
    """One page of a group's events, oldest first, matching the query."""
    page = _filter_page(query, page_token, limit or EVENTS_PAGE_SIZE)
    retries = 0
    while not page.items and page.next_token and retries < EMPTY_PAGE_RETRIES:
        page = _filter_page(query, page.next_token, limit or EVENTS_PAGE_SIZE)
        retries += 1
    return page


def _filter_page(query: EventQuery, page_token: str | None, limit: int) -> Page[LogEvent]:
    arguments = query.arguments()
    arguments["limit"] = limit
    # Ignored by AWS since 2019 (always interleaved); moto still reads stream by stream without it.
    arguments["interleaved"] = True
    if page_token:
        arguments["nextToken"] = page_token
    with aws_errors(N_("read log events"), f"log group {query.log_group_name}"):
        reply = client("logs").filter_log_events(**arguments)
    return Page([event_from_reply(event) for event in reply.get("events", [])],
                reply.get("nextToken"))


def event_from_reply(event: dict) -> LogEvent:
    """A LogEvent from one event of a FilterLogEvents reply."""
    return LogEvent(int(event["timestamp"]), event.get("logStreamName", ""), event["message"],
                    str(event.get("eventId", "")), int(event.get("ingestionTime", 0)))


def event_pages(query: EventQuery) -> Iterator[Page[LogEvent]]:
    """Every page of a group's matching events, oldest first, one FilterLogEvents call at a time.

    The first page is fetched before this returns, so a missing group or a bad pattern raises
    ConsoleError here; later pages are fetched only as the caller asks for them.
    """
    return following(filter_events(query), lambda token: filter_events(query, token))


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
    raise NotFound(NOT_FOUND, resource=resource)


def set_retention(log_group_name: str, days: int | None) -> None:
    """Keep a group's events for `days` days (one of RETENTION_DAYS), or forever when None."""
    if days is not None and days not in RETENTION_DAYS:
        raise InvalidInput(N_("Choose one of the retention periods CloudWatch Logs offers."),
                           field="retention_days")
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
# A link that knows when its request ran searches this far around that time.
AROUND_MS = 15 * 60_000


@dataclass(frozen=True, slots=True)
class RequestLines:
    """One Lambda request's lines, and whether more were left out (past MAX_REQUEST_EVENTS)."""

    events: list[LogEvent]
    truncated: bool = False


def request_events(log_group_name: str, request_id: str, around_ms: int | None = None) -> RequestLines:
    """Every line one Lambda request wrote: its START to its REPORT, in its own stream.

    A Lambda execution environment runs one request at a time and writes to one stream, so the
    lines between a request's START and REPORT are that request's, whether or not they name it.
    START and REPORT are found by their own phrases (a request may have thousands of lines naming
    it); without a REPORT yet, the lines run until the stream's next START. When no START is
    found, the lines that name the request are all there is. `around_ms`, when the caller knows
    when the request ran, keeps the searches to AROUND_MS either side.
    """
    near = EventQuery(log_group_name, start_ms=None if around_ms is None else max(0, around_ms - AROUND_MS),
                      end_ms=None if around_ms is None else around_ms + AROUND_MS)
    start = _first_line(replace(near, pattern=f'"START RequestId: {request_id}"'),
                        f"START RequestId: {request_id}")
    if start is None:
        return RequestLines(filter_events(replace(near, pattern=f'"{request_id}"')).items)
    report = _first_line(replace(near, pattern=f'"REPORT RequestId: {request_id}"',
                                 start_ms=start.timestamp_ms, stream=start.log_stream_name),
                         f"REPORT RequestId: {request_id}")
    window: dict[str, object] = {"startTime": start.timestamp_ms}
    if report is not None:
        window["endTime"] = report.timestamp_ms + 1  # GetLogEvents' endTime is exclusive
    collected: list[LogEvent] = []
    token: str | None = None
    while True:
        # GetLogEvents has no paginator: the forward token comes back unchanged at the end.
        extra = {"nextToken": token} if token else {}
        with aws_errors(N_("read log events"), f"log group {log_group_name}"):
            page = client("logs").get_log_events(
                logGroupName=log_group_name, logStreamName=start.log_stream_name,
                startFromHead=True, **window, **extra)
        collected += [LogEvent(int(event["timestamp"]), start.log_stream_name, event["message"],
                               ingestion_ms=int(event.get("ingestionTime", 0)))
                      for event in page.get("events", [])]
        lines, finished = _start_to_end(collected, start, request_id)
        if finished or len(lines) > MAX_REQUEST_EVENTS:
            break
        if not page.get("events") or page.get("nextForwardToken") in (None, token):
            break
        token = page["nextForwardToken"]
    return RequestLines(lines[:MAX_REQUEST_EVENTS], len(lines) > MAX_REQUEST_EVENTS)


def _first_line(query: EventQuery, prefix: str) -> LogEvent | None:
    """The first event the query finds whose message starts with `prefix` (a few pages at most)."""
    for page in following(filter_events(query), lambda token: filter_events(query, token), 5):
        for event in page.items:
            if event.message.lstrip().startswith(prefix):
                return event
    return None


def _start_to_end(events: list[LogEvent], start: LogEvent, request_id: str) -> tuple[list[LogEvent], bool]:
    """The lines from START to this request's REPORT, or to just before the stream's next START;
    True once that end was seen. Neighbours sharing START's millisecond are cut."""
    messages = [event.message for event in events]
    first = messages.index(start.message) if start.message in messages else 0
    report_prefix = f"REPORT RequestId: {request_id}"
    for index in range(first + 1, len(events)):
        text = events[index].message.lstrip()
        if text.startswith(report_prefix):
            last = index + 1  # and the lines right after REPORT that name it ("Task timed out")
            while last < len(events) and request_id in events[last].message \
                    and not events[last].message.lstrip().startswith("START RequestId: "):
                last += 1
            return events[first:last], True
        if text.startswith("START RequestId: "):
            return events[first:index], True
    return events[first:], False
