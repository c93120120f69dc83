"""Log events the sandbox writes itself (Lambda's and API Gateway's), as journaled effects.

Each function is one write into moto's CloudWatch Logs, recorded by the journal so a restarted
sandbox has the same groups, streams and events. Callers check the writer's rights first and
hold their own lock: moto's logs backend is not thread-safe.
"""
from typing import Any

from moto.logs.models import logs_backends

from webapp.sandbox.persistence.effects import effect


@effect("logs.create_group")
def create_group(*, account_id: str, region: str, group: str) -> None:
    """Create the log group, unless it exists."""
    backend = logs_backends[account_id][region]
    if group not in backend.groups:
        backend.create_log_group(group, {})


@effect("logs.create_stream")
def create_stream(*, account_id: str, region: str, group: str, stream: str) -> None:
    """Create the stream in an existing group, unless it exists."""
    backend = logs_backends[account_id][region]
    if group in backend.groups and stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)


@effect("logs.put_events")
def put_events(*, account_id: str, region: str, group: str, stream: str,
               events: list[dict[str, Any]]) -> None:
    """Put events ({"timestamp": ms, "message": text}) into an existing stream."""
    backend = logs_backends[account_id][region]
    if group in backend.groups and stream in backend.groups[group].streams:
        backend.put_log_events(group, stream, events)
