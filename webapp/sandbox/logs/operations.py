"""CloudWatch Logs reads at AWS's pace and with AWS's filter patterns, patched into moto.

What changes in moto 5.2.5, and why:

* PutLogEvents (LogStream.put_log_events): the stream's event list is kept sorted by
  (timestamp, eventId) (event_index.restore_order). moto appended in arrival order and sorted
  the whole stream on every read. Puts and reads take one lock, which also makes moto's
  process-wide event id counter safe under the threaded server.
* FilterLogEvents (LogsBackend.filter_log_events, LogsResponse.filter_log_events): moto
  filtered, sorted and copied every event of every stream on each call, found its nextToken by a
  linear search, and understood only single terms and quoted phrases (any other pattern matched
  everything). Now each stream's startTime/endTime window is found by bisection, streams are
  read in time order a slice of time at a time (only matches are sorted), the page stops at `limit` (default and most 10,000) or 1 MB, and
  nextToken names the (timestamp, eventId) of the page's last event, so the next page starts by
  bisection too. A nextToken comes back only when another matching event exists. Patterns are
  AWS's full syntax (filter_pattern.py); a malformed one (or one over 1,024 characters or
  2 regexes) is refused with InvalidParameterException, and regexes run in linear time
  (../linear_regex.py). logStreamNamePrefix and logGroupIdentifier (name or ARN) are
  honoured; searchedLogStreams is empty, as AWS has returned it since 2020.
* PutLogEvents (LogsResponse.put_log_events): a batch over AWS's quotas (10,000 events, 1 MB
  per event, 1,048,576 bytes in all) is refused before moto stores any of it (batch_limits.py).
* GetLogEvents (LogStream.get_log_events): the window is bisected, endTime is exclusive as on
  AWS (moto included it), and the forward/backward tokens name event positions, not list
  indexes, so a page boundary survives events arriving out of order in between. At either end
  the token sent comes back unchanged.
* GetLogEvents on a missing stream of an existing group (LogGroup.get_log_events) says "The
  specified log stream does not exist.", as AWS does (moto said the group did not exist).
* DescribeLogStreams: first/last event timestamps are the ends of the sorted list (moto took
  min and max over every event of every stream on each call).
* StartLiveTail uses the same matcher (moto's EventMessageFilter is replaced), a subscription
  filter delivers only the events its pattern matches (moto sent every event, and an empty
  batch when none), and PutMetricFilter / PutSubscriptionFilter refuse a malformed pattern as
  AWS does. Metric filters still produce no metric data (moto never evaluates them).

Deleted streams and groups take their events with them: the order lives in the stream's own
list, not beside it.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from moto.logs import models, responses
from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
from moto.logs.models import LogGroup, LogsBackend, LogStream

from webapp.sandbox.logs import event_index
from webapp.sandbox.logs.batch_limits import check_batch
from webapp.sandbox.logs.event_index import (MAX_PAGE_BYTES, MAX_PAGE_EVENTS, PageToken,
                                             event_bytes, event_key)
from webapp.sandbox.logs.filter_pattern import FilterPatternError, Matcher, compile_pattern

_INSTALLED = "_sandbox_indexed_events"
NO_SUCH_STREAM = "The specified log stream does not exist."
# The FilterPattern shape's length limit in AWS's API model.
MAX_PATTERN_LENGTH = 1024
# Puts and reads of every stream; reentrant because a subscription to another log group puts
# into that group from inside a put.
_lock = threading.RLock()
# GetLogEvents tokens: "f/<timestamp>/<eventId>" reads after that event, "b/..." before it.


def checked_pattern(pattern: str | None) -> Matcher:
    """The matcher for `pattern`, or InvalidParameterException saying what is wrong with it."""
    if pattern and len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidParameterException(
            constraint=f"Member must have length less than or equal to {MAX_PATTERN_LENGTH}",
            parameter="filterPattern", value=pattern)
    try:
        return compile_pattern(pattern or "")
    except FilterPatternError as error:
        raise InvalidParameterException(msg=str(error)) from None


def find_group(backend: LogsBackend, name: str | None, identifier: str | None) -> LogGroup:
    """The log group named `name`, or the one `identifier` names (its name or ARN)."""
    if name and identifier:
        raise InvalidParameterException(
            msg="LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if not name and not identifier:
        raise InvalidParameterException(msg="Either logGroupName or logGroupIdentifier "
                                            "must be specified.")
    if name:
        group = backend.groups.get(name)
    else:
        wanted = identifier.removesuffix(":*")  # type: ignore[union-attr]
        group = backend.groups.get(wanted) or next(
            (group for group in backend.groups.values() if group.arn == wanted), None)
    if group is None:
        raise ResourceNotFoundException()
    return group


def filter_log_events(backend: LogsBackend, log_group_name: str | None,
                      log_stream_names: list[str] | None, start_time: int | None,
                      end_time: int | None, limit: int | None, next_token: str | None,
                      filter_pattern: str | None, interleaved: bool = True,
                      log_stream_name_prefix: str | None = None,
                      log_group_identifier: str | None = None,
                      ) -> tuple[list[dict[str, Any]], str | None, list[dict[str, Any]]]:
    """One FilterLogEvents page: (events, nextToken or None, searchedLogStreams)."""
    del interleaved  # AWS always interleaves now
    group = find_group(backend, log_group_name, log_group_identifier)
    if limit is not None and not 1 <= int(limit) <= MAX_PAGE_EVENTS:
        raise InvalidParameterException(
            constraint=f"Member must have value between 1 and {MAX_PAGE_EVENTS}",
            parameter="limit", value=limit)
    if log_stream_names and log_stream_name_prefix:
        raise InvalidParameterException(
            msg="Cannot specify both logStreamNames and logStreamNamePrefix.")
    matches = checked_pattern(filter_pattern)
    position: PageToken | None = None
    if next_token:
        position = PageToken.decode(next_token)
        if position is None:
            return [], None, []  # as moto: an unknown token reads as the end
    wanted = set(log_stream_names or ())
    page: list[dict[str, Any]] = []
    more = False
    with _lock:
        ranges = []
        for name, stream in list(group.streams.items()):
            if (wanted and name not in wanted) or not name.startswith(log_stream_name_prefix or ""):
                continue
            low, high = event_index.window(stream.events, start_time, end_time, end_inclusive=True)
            if position is not None:
                low = max(low, event_index.after(stream.events, position.key))
            ranges.append((name, stream.events, low, high))
        size = 0
        page_limit = int(limit or MAX_PAGE_EVENTS)
        last: Any = None
        for event, stream_name in event_index.matching_in_order(ranges, matches, page_limit + 1):
            cost = event_bytes(event)
            if len(page) >= page_limit or size + cost > MAX_PAGE_BYTES:
                more = True
                break
            size += cost
            last = event
            page.append({"logStreamName": stream_name, "timestamp": event.timestamp,
                         "message": event.message, "ingestionTime": event.ingestion_time,
                         "eventId": str(event.event_id)})
    token = PageToken(*event_key(last)).encode() if more and last is not None else None
    return page, token, []


def get_log_events(stream: LogStream, start_time: int | None, end_time: int | None,
                   limit: int | None, next_token: str | None,
                   start_from_head: bool) -> tuple[list[dict[str, Any]], str, str]:
    """One GetLogEvents page: (events, nextBackwardToken, nextForwardToken)."""
    limit = int(limit or MAX_PAGE_EVENTS)
    direction, key = _read_position(next_token) if next_token else ("", None)
    with _lock:
        events = stream.events
        low, high = event_index.window(events, start_time, end_time, end_inclusive=False)
        if direction == "f":
            first = max(low, event_index.after(events, key))  # type: ignore[arg-type]
            last = _forward_end(events, first, min(high, first + limit))
        elif direction == "b":
            last = min(high, event_index.before(events, key))  # type: ignore[arg-type]
            first = _backward_start(events, max(low, last - limit), last)
        elif start_from_head:
            first = low
            last = _forward_end(events, first, min(high, first + limit))
        else:
            last = high
            first = _backward_start(events, max(low, last - limit), last)
        chosen = events[first:last] if first < last else []
        page = [{"timestamp": event.timestamp, "message": event.message,
                 "ingestionTime": event.ingestion_time} for event in chosen]
        if chosen:
            backward = _token("b", event_key(chosen[0]))
            forward = _token("f", event_key(chosen[-1]))
        elif direction == "f":
            forward = next_token
            backward = _token("b", (key[0], key[1] + 1))  # type: ignore[index]
        elif direction == "b":
            backward = next_token
            forward = _token("f", (key[0], key[1] - 1))  # type: ignore[index]
        else:
            edge = (start_time or 0, -1)
            forward, backward = _token("f", edge), _token("b", edge)
    return page, backward, forward  # type: ignore[return-value]


def group_get_log_events(group: LogGroup, log_stream_name: str, start_time: int | None,
                         end_time: int | None, limit: int | None, next_token: str | None,
                         start_from_head: Any) -> tuple[list[dict[str, Any]], str, str]:
    """GetLogEvents in `group`: ResourceNotFoundException naming the stream if it is missing."""
    stream = group.streams.get(log_stream_name)
    if stream is None:
        raise ResourceNotFoundException(NO_SUCH_STREAM)
    return get_log_events(stream, start_time, end_time, limit, next_token, bool(start_from_head))


def _forward_end(events: list[Any], first: int, last: int) -> int:
    size = 0
    for index in range(first, last):
        size += event_bytes(events[index])
        if size > MAX_PAGE_BYTES:
            return index
    return last


def _backward_start(events: list[Any], first: int, last: int) -> int:
    size = 0
    for index in range(last - 1, first - 1, -1):
        size += event_bytes(events[index])
        if size > MAX_PAGE_BYTES:
            return index + 1
    return first


def _token(direction: str, key: tuple[int, int]) -> str:
    return f"{direction}/{key[0]}/{key[1]}"


def _read_position(token: str) -> tuple[str, tuple[int, int]]:
    try:
        direction, timestamp, event_id = token.split("/")
        if direction not in ("f", "b"):
            raise ValueError(direction)
        return direction, (int(timestamp), int(event_id))
    except ValueError:
        raise InvalidParameterException("The specified nextToken is invalid.") from None


class PatternFilter:
    """moto's EventMessageFilter interface over AWS's filter pattern syntax (for StartLiveTail)."""

    def __init__(self, pattern: str) -> None:
        self._matches = checked_pattern(pattern)

    def matches(self, message: str) -> bool:
        """Whether the pattern matches `message`."""
        return self._matches(message)


def _response_filter_log_events(self: responses.LogsResponse) -> str:
    events, token, searched = self.logs_backend.filter_log_events(
        self._get_param("logGroupName"), self._get_param("logStreamNames", []),
        self._get_param("startTime"), self._get_param("endTime"), self._get_param("limit"),
        self._get_param("nextToken"), self._get_param("filterPattern"),
        self._get_param("interleaved", False),
        log_stream_name_prefix=self._get_param("logStreamNamePrefix"),
        log_group_identifier=self._get_param("logGroupIdentifier"))
    body: dict[str, Any] = {"events": events, "searchedLogStreams": searched}
    if token:
        body["nextToken"] = token
    return json.dumps(body)


def _limited_put(put: Callable[[responses.LogsResponse], str]) -> Callable[..., str]:
    def put_within_quotas(self: responses.LogsResponse) -> str:
        check_batch(self._get_param("logEvents") or [])
        return put(self)

    put_within_quotas.__doc__ = put.__doc__
    return put_within_quotas


def _validating(put: Callable[..., Any], pattern_argument: str) -> Callable[..., Any]:
    def put_checked(self: LogsBackend, *args: Any, **kwargs: Any) -> Any:
        names = put.__code__.co_varnames[1:put.__code__.co_argcount]
        pattern = kwargs.get(pattern_argument)
        if pattern is None and pattern_argument in names and names.index(pattern_argument) < len(args):
            pattern = args[names.index(pattern_argument)]
        checked_pattern(pattern)
        return put(self, *args, **kwargs)

    put_checked.__doc__ = put.__doc__
    return put_checked


def install() -> None:
    """Patch moto's CloudWatch Logs as the module docstring says (once per process)."""
    with _lock:
        if getattr(LogStream, _INSTALLED, False):
            return
        put_events = LogStream.put_log_events

        def put_log_events(self: LogStream, log_events: list[dict[str, Any]]) -> str:
            with _lock:
                first_new = len(self.events)
                token = put_events(self, log_events)
                event_index.restore_order(self.events, first_new)
                return token

        def update(self: LogStream) -> None:
            with _lock:
                events = self.events
                self.first_event_timestamp = events[0].timestamp if events else None
                self.last_event_timestamp = events[-1].timestamp if events else None

        def stream_get_log_events(self: LogStream, start_time: Any, end_time: Any, limit: Any,
                                  next_token: str | None, start_from_head: Any) -> Any:
            return get_log_events(self, start_time, end_time, limit, next_token,
                                  bool(start_from_head))

        def backend_filter_log_events(self: LogsBackend, *args: Any, **kwargs: Any) -> Any:
            return filter_log_events(self, *args, **kwargs)

        send = LogStream._send_log_events

        def send_matching(self: LogStream, service: str, destination_arn: str, filter_name: str,
                          log_events: list[dict[str, Any]]) -> None:
            subscription = self.log_group.subscription_filters.get(filter_name)
            if subscription is not None:
                matches = checked_pattern(subscription.filter_pattern)
                log_events = [event for event in log_events if matches(event["message"])]
            if log_events:
                send(self, service, destination_arn, filter_name, log_events)

        LogStream.put_log_events = put_log_events  # type: ignore[method-assign]
        LogStream._send_log_events = send_matching  # type: ignore[method-assign]
        LogStream._update = update  # type: ignore[method-assign]
        LogStream.get_log_events = stream_get_log_events  # type: ignore[method-assign]
        LogGroup.get_log_events = group_get_log_events  # type: ignore[method-assign]
        LogsBackend.filter_log_events = backend_filter_log_events  # type: ignore[method-assign]
        LogsBackend.put_metric_filter = _validating(  # type: ignore[method-assign]
            LogsBackend.put_metric_filter, "filter_pattern")
        LogsBackend.put_subscription_filter = _validating(  # type: ignore[method-assign]
            LogsBackend.put_subscription_filter, "filter_pattern")
        responses.LogsResponse.filter_log_events = _response_filter_log_events  # type: ignore[method-assign]
        responses.LogsResponse.put_log_events = _limited_put(  # type: ignore[method-assign]
            responses.LogsResponse.put_log_events)
        models.EventMessageFilter = PatternFilter  # type: ignore[misc,assignment]
        setattr(LogStream, _INSTALLED, True)
