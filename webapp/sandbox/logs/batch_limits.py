"""PutLogEvents' batch quotas, which moto does not check.

AWS's API reference for PutLogEvents (botocore 1.44's model says the same) documents:
"The maximum batch size is 1,048,576 bytes. This size is calculated as the sum of all event
messages in UTF-8, plus 26 bytes for each log event", "Each log event can be no larger than
1 MB" (256 KB until April 2025) and "The maximum number of log events in a batch is 10,000".
A request over any of them is refused whole with 400 InvalidParameterException, in AWS's words
(as its callers have reported them): "Log event too large: <n> bytes exceeds limit of <limit>"
(n counts the event's message and its 26 bytes), "Upload too large: <n> bytes exceeds limit of
1048576", and for the count the usual "1 validation error detected: ..." text. None of it reaches `rejectedLogEventsInfo`, which is
only for events too old, too new or expired.

These apply to callers of the API only: the sandbox's own writers (Lambda's and API Gateway's
logs, through delivery.py) put into moto's backend directly.
"""
from typing import Any

from moto.logs.exceptions import InvalidParameterException

MAX_BATCH_BYTES = 1_048_576
MAX_EVENT_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_BATCH_EVENTS = 10_000


def check_batch(log_events: list[dict[str, Any]]) -> None:
    """InvalidParameterException, as AWS words it, if the batch is over a PutLogEvents quota."""
    if len(log_events) > MAX_BATCH_EVENTS:
        raise InvalidParameterException(
            constraint=f"Member must have length less than or equal to {MAX_BATCH_EVENTS}",
            parameter="logEvents", value=f"[{len(log_events)} log events]")
    total = 0
    for event in log_events:
        size = event_bytes(str(event.get("message", "")))
        if size > MAX_EVENT_BYTES:
            raise InvalidParameterException(
                f"Log event too large: {size} bytes exceeds limit of {MAX_EVENT_BYTES}")
        total += size
    if total > MAX_BATCH_BYTES:
        raise InvalidParameterException(
            f"Upload too large: {total} bytes exceeds limit of {MAX_BATCH_BYTES}")


def event_bytes(message: str) -> int:
    """What one event counts for: its message in UTF-8 plus AWS's 26 bytes per event."""
    return len(message.encode("utf-8")) + EVENT_OVERHEAD_BYTES
