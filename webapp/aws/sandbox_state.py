"""The sandbox's own state: how it is kept, and reset, snapshot and restore of all of it.

These are not AWS calls but the sandbox's `/_sandbox/...` routes, so they go through urllib
rather than boto3. Every failure becomes one ConsoleError: a refused connection is the same
"unreachable" the AWS calls report, so pages show the same banner and recover the same way.
The state-changing calls carry `X-Sandbox-Action`, which the sandbox requires so that a form
on some other site cannot post to it.
"""
from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import BinaryIO
from dataclasses import dataclass
from http import HTTPStatus
from http.client import HTTPResponse

from webapp.aws.errors import (
    N_, UNREACHABLE, AwsFailure, BadResponse, ConsoleError, InvalidInput, NotSupported, Refused,
    TimedOut, Unreachable,
)

logger = logging.getLogger(__name__)

HEALTH_PATH = "/_sandbox/health"
STATE_PATH = "/_sandbox/state"
ACTION_HEADER = "X-Sandbox-Action"
CONNECT_TIMEOUT_SECONDS = 5.0
# A restore replays every recorded change before it answers; a big journal takes a while.
RESTORE_TIMEOUT_SECONDS = 600.0
# A reset first lets requests in flight finish (up to 30 s), then rebuilds the IAM backends.
RESET_TIMEOUT_SECONDS = 120.0
CHUNK_BYTES = 64 * 1024
DEFAULT_FILENAME = "sandbox-state.jsonl.gz"
# A plain file name only: nothing that could leave the downloads folder or break the header.
_SAFE_FILENAME = re.compile(r'filename="([A-Za-z0-9_-][A-Za-z0-9._-]{0,119})"')

REFUSED_FILE = N_("The sandbox could not restore this file: %(sandbox_message)s")
REFUSED = N_("The sandbox refused to %(action)s: %(sandbox_message)s")
NOT_SUPPORTED = N_(
    "The sandbox at %(endpoint)s cannot %(action)s: it is an older version. Stop the console "
    "and start it again with `make run` to get one that can."
)
SANDBOX_FAILED = N_("The sandbox failed to %(action)s (HTTP %(status)s): %(sandbox_message)s")
TIMED_OUT = N_("The sandbox took longer than %(seconds)s s to %(action)s and may still be working "
               "on it. Reload this page in a moment to see where it stands.")
NOT_UNDERSTOOD = N_("Could not %(action)s: the sandbox's answer was not what the console expects.")

READ_STATE = N_("read how the sandbox keeps its state")
DOWNLOAD = N_("download a snapshot")
RESTORE = N_("restore the snapshot")
RESET = N_("reset the sandbox")


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore (or the sandbox's start) replayed."""

    changes: int
    failed: int
    seconds: float
    first_failure: str | None = None  # why the first change that failed could not be replayed


@dataclass(frozen=True, slots=True)
class Isolation:
    """Whether Lambda handlers run shut off from the user's files (under bubblewrap), and why not."""

    on: bool
    detail: str


@dataclass(frozen=True, slots=True)
class SandboxState:
    """Where and how much state the sandbox keeps, and how it runs handlers."""

    persist: bool
    data_dir: str | None
    changes: int
    size_bytes: int
    restored: Restored | None
    skipped_lines: int = 0  # lines of the journal that could not be read when it started
    write_error: str | None = None  # why the last change could not be saved, if it could not
    read_only: bool = False  # changes are refused until the journal can be written again
    dropped_tail: str | None = None  # what became of an incomplete last line found at start
    isolation: Isolation | None = None  # None: a sandbox that does not say


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A snapshot being downloaded: its file name and its bytes, read as they are sent on."""

    filename: str
    content_type: str
    chunks: Iterator[bytes]


def state_info(endpoint: str) -> SandboxState:
    """How the sandbox at `endpoint` keeps its state, from its health answer."""
    reply = _json(_send(endpoint, "GET", HEALTH_PATH, READ_STATE), READ_STATE)
    state = reply.get("state")
    if not isinstance(state, dict):
        raise NotSupported(NOT_SUPPORTED, action=READ_STATE,
                           endpoint=endpoint)
    try:
        return SandboxState(
            persist=bool(state["persist"]),
            data_dir=str(state["data_dir"]) if state.get("data_dir") else None,
            changes=int(state["changes"]),
            size_bytes=int(state["bytes"]),
            restored=_restored(state["restored"]) if state.get("restored") else None,
            skipped_lines=int(state.get("skipped_lines") or 0),
            write_error=str(state["error"]) if state.get("error") else None,
            read_only=bool(state.get("read_only")),
            dropped_tail=str(state["dropped_tail"]) if state.get("dropped_tail") else None,
            isolation=_isolation(reply.get("isolation")),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise BadResponse(NOT_UNDERSTOOD, action=READ_STATE) from err


def download_snapshot(endpoint: str) -> Snapshot:
    """Start downloading the whole state; failures are raised here, before any byte is sent."""
    response = _send(endpoint, "GET", STATE_PATH, DOWNLOAD)
    match = _SAFE_FILENAME.search(response.headers.get("Content-Disposition", ""))
    return Snapshot(
        filename=match.group(1) if match else DEFAULT_FILENAME,
        content_type=response.headers.get_content_type() or "application/gzip",
        chunks=_chunks(response),
    )


def restore(endpoint: str, snapshot: BinaryIO, size_bytes: int) -> Restored:
    """Replace everything in the sandbox with the snapshot's state, sent from the open file."""
    response = _send(endpoint, "PUT", STATE_PATH, RESTORE, body=snapshot, size_bytes=size_bytes,
                     action_header="restore", timeout=RESTORE_TIMEOUT_SECONDS)
    try:
        return _restored(_json(response, RESTORE))
    except (KeyError, TypeError, ValueError) as err:
        raise BadResponse(NOT_UNDERSTOOD, action=RESTORE) from err


def reset(endpoint: str) -> None:
    """Delete everything in the sandbox: tables, IAM, functions, APIs, logs and settings."""
    _send(endpoint, "DELETE", STATE_PATH, RESET, action_header="reset",
          timeout=RESET_TIMEOUT_SECONDS).close()


def sandbox_warnings(endpoint: str) -> SandboxState | None:
    """The sandbox's state for the dashboard's warnings; None when it cannot be read (the
    dashboard's own calls already say why)."""
    try:
        return state_info(endpoint)
    except ConsoleError:
        return None


def _isolation(reply: object) -> Isolation | None:
    if not isinstance(reply, dict) or "bwrap" not in reply:
        return None
    return Isolation(on=bool(reply["bwrap"]), detail=str(reply.get("detail") or ""))


def _restored(reply: object) -> Restored:
    if not isinstance(reply, dict):
        raise TypeError("not an object")
    first_failure = reply.get("first_failure")
    return Restored(changes=int(reply["changes"]), failed=int(reply.get("failed") or 0),
                    seconds=float(reply.get("seconds") or 0.0),
                    first_failure=str(first_failure) if first_failure else None)


def _chunks(response: HTTPResponse) -> Iterator[bytes]:
    with response:
        while chunk := response.read(CHUNK_BYTES):
            yield chunk


def _json(response: HTTPResponse, action: str) -> dict:
    with response:
        try:
            reply = json.loads(response.read() or b"{}")
        except ValueError as err:
            raise BadResponse(NOT_UNDERSTOOD, action=action) from err
    if not isinstance(reply, dict):
        raise BadResponse(NOT_UNDERSTOOD, action=action)
    return reply


def _send(endpoint: str, method: str, path: str, action: str, *, body: BinaryIO | None = None,
          size_bytes: int = 0, action_header: str | None = None,
          timeout: float = CONNECT_TIMEOUT_SECONDS) -> HTTPResponse:
    """One request to the sandbox; an answer other than 2xx becomes a ConsoleError."""
    request = urllib.request.Request(endpoint.rstrip("/") + path, data=body, method=method)
    if action_header:
        request.add_header(ACTION_HEADER, action_header)
    if body is not None:
        # A file object is streamed as it is read; its length must be given, or urllib chunks it.
        request.add_header("Content-Type", "application/octet-stream")
        request.add_header("Content-Length", str(size_bytes))
    try:
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (our own endpoint)
    except urllib.error.HTTPError as err:
        raise _from_status(err.code, _sandbox_message(err), action, endpoint) from err
    except TimeoutError as err:  # connected, but no answer in time: not "unreachable"
        logger.info("sandbox slow: %s took over %g s", action, timeout)
        raise TimedOut(TIMED_OUT, action=action, seconds=f"{timeout:g}") from err
    except (urllib.error.URLError, OSError) as err:
        logger.info("sandbox unreachable: %s: %s", action, endpoint)
        raise Unreachable(UNREACHABLE, endpoint=endpoint) from err


def _sandbox_message(err: urllib.error.HTTPError) -> str:
    try:
        reply = json.loads(err.read() or b"{}")
    except (ValueError, OSError):
        return str(err.reason or "")
    finally:
        err.close()
    message = reply.get("message") if isinstance(reply, dict) else None
    return str(message) if message else str(err.reason or "")


def _from_status(status: int, sandbox_message: str, action: str, endpoint: str) -> ConsoleError:
    logger.info("sandbox answered %s: %s", status, action)
    if status == HTTPStatus.BAD_REQUEST and action == RESTORE:
        return InvalidInput(REFUSED_FILE, field="snapshot",
                            sandbox_message=sandbox_message)
    if status in (HTTPStatus.NOT_FOUND, HTTPStatus.METHOD_NOT_ALLOWED):
        return NotSupported(NOT_SUPPORTED, action=action, endpoint=endpoint)
    if status < HTTPStatus.INTERNAL_SERVER_ERROR:
        return Refused(REFUSED, action=action, sandbox_message=sandbox_message)
    return AwsFailure(SANDBOX_FAILED, action=action, status=status,
                      sandbox_message=sandbox_message)
