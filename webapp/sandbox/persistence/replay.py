"""Recorded changes, and running them again: requests through the dispatcher, effects directly.

A request is kept as what moto and the sandbox read from it: method, raw path and query, the
headers less the signature and session token (`Authorization` keeps only its credential scope,
which names the service, region and access key), and the body (text, or base64 when it is not
UTF-8). It is replayed with moto's clock readings and random draws handed back (clock.py,
draws.py), and any other clock frozen at when it arrived (freezegun), so creation dates and ids
come out as they were.
"""
import base64
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from freezegun import freeze_time
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from webapp.sandbox.dispatch import Dispatcher, credential_scope
from webapp.sandbox.persistence import clock, draws, effects, phase

logger = logging.getLogger(__name__)

# Headers that say nothing about the change, or must not be kept (the session token).
DROPPED_HEADERS = frozenset({
    "authorization", "x-amz-security-token", "user-agent", "accept-encoding", "connection",
    "content-length", "expect", "amz-sdk-invocation-id", "amz-sdk-request", "x-amz-date",
    "x-amz-content-sha256",
})
REPLAY_SIGNATURE = "SignedHeaders=host, Signature=0"
# A presigned URL's secrets, in its query string.
DROPPED_PARAMETERS = frozenset({"x-amz-security-token", "x-amz-signature"})
SECRET_PARAMETERS = re.compile(r"(?i)x-amz-(?:security-token|signature)=")
# What a failed replay reports of the answer, at most.
ERROR_TEXT_CHARS = 300


@dataclass(slots=True)
class ReplayReport:
    """How a replay went."""

    changes: int = 0
    failed: int = 0
    diverged: int = 0
    seconds: float = 0.0
    first_failure: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The figures the health check and the console show."""
        return {"changes": self.changes, "failed": self.failed, "diverged": self.diverged,
                "seconds": round(self.seconds, 3), "first_failure": self.first_failure}


def request_entry(request: Request, body: bytes, name: str, started: float,
                  drawn: list[draws.Draw], readings: list[clock.Reading]) -> dict[str, Any]:
    """The journal line for a change made by `request` (less its secrets)."""
    return {**request_head(request, body, name, started), "draws": drawn, "clock": readings}


def request_head(request: Request, body: bytes, name: str, started: float) -> dict[str, Any]:
    """The part of a request's journal line known before it runs: all but draws and clock."""
    environ = request.environ
    headers = [[name, value] for name, value in request.headers.items()
               if name.lower() not in DROPPED_HEADERS]
    scope = credential_scope(request)
    if scope is not None and "Authorization" in request.headers:
        signed = request.headers["Authorization"]
        credential = signed[signed.index("Credential="):].split(",", 1)[0]
        headers.append(["Authorization", f"AWS4-HMAC-SHA256 {credential}, {REPLAY_SIGNATURE}"])
    recorded: dict[str, Any] = {
        "method": request.method, "path": environ.get("PATH_INFO", "/"),
        "query": without_secrets(environ.get("QUERY_STRING", "")), "headers": headers,
    }
    raw_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw_uri:
        path, mark, query = raw_uri.partition("?")
        recorded["uri"] = path + mark + without_secrets(query)
    try:
        recorded["body"] = body.decode()
    except UnicodeDecodeError:
        recorded["body64"] = base64.b64encode(body).decode()
    return {"t": started, "op": name, "request": recorded}


def without_secrets(query: str) -> str:
    """A query string less a presigned URL's session token and signature."""
    if not SECRET_PARAMETERS.search(query):
        return query
    kept = [(name, value) for name, value in parse_qsl(query, keep_blank_values=True)
            if name.lower() not in DROPPED_PARAMETERS]
    return urlencode(kept, quote_via=quote)


def effect_head(kind: str, args: dict[str, Any], started: float) -> dict[str, Any]:
    """The part of an effect's journal line known before it runs: all but draws and clock."""
    return {"t": started, "effect": kind, "args": args}


def replay(dispatcher: Dispatcher, entries: list[dict[str, Any]]) -> ReplayReport:
    """Run every entry again, in order, each at its recorded time."""
    report = ReplayReport()
    if not entries:
        return report
    started = time.perf_counter()
    with phase.replaying(), _frozen_clock(entries[0].get("t", 0.0)) as move_to:
        for entry in entries:
            move_to(entry.get("t", 0.0))
            report.changes += 1
            try:
                failure = _replay_one(dispatcher, entry, report)
            except Exception as err:  # a change that cannot be replayed must not stop the rest
                logger.exception("replaying %s failed", _name(entry))
                failure = f"{_name(entry)}: {type(err).__name__}: {err}"
            if failure is not None:
                report.failed += 1
                report.first_failure = report.first_failure or failure[:ERROR_TEXT_CHARS]
    report.seconds = time.perf_counter() - started
    return report


def _replay_one(dispatcher: Dispatcher, entry: dict[str, Any],
                report: ReplayReport) -> str | None:
    with (draws.replaying(list(entry.get("draws", []))) as script,
          clock.replaying(list(entry.get("clock", [])))):
        if "effect" in entry:
            apply = effects.applier(str(entry["effect"]))
            if apply is None:
                return f"{entry['effect']}: not an effect this sandbox knows"
            apply(**entry.get("args", {}))
            return None
        answer = dispatcher.replay(_environ(entry["request"]))
    if script.diverged:
        report.diverged += 1
    if answer.status_code >= 400:
        return f"{_name(entry)}: {answer.status_code} {answer.get_data(as_text=True)}"
    return None


def _environ(recorded: dict[str, Any]) -> dict[str, Any]:
    if "body64" in recorded:
        body = base64.b64decode(recorded["body64"])
    else:
        body = str(recorded.get("body", "")).encode()
    headers = [(str(name), str(value)) for name, value in recorded.get("headers", [])]
    environ = EnvironBuilder(method=recorded["method"], headers=headers, data=body).get_environ()
    environ["PATH_INFO"] = recorded["path"]
    environ["QUERY_STRING"] = recorded.get("query", "")
    if "uri" in recorded:
        environ["REQUEST_URI"] = environ["RAW_URI"] = recorded["uri"]
    return environ


def _name(entry: dict[str, Any]) -> str:
    return str(entry.get("op") or entry.get("effect") or "a change")


@contextmanager
def _frozen_clock(first: float) -> Iterator[Any]:
    # freezegun patches the clock process-wide; replays run while no request is being served.
    with freeze_time(_as_datetime(first), tick=False) as frozen:
        yield lambda at: frozen.move_to(_as_datetime(at))


def _as_datetime(at: Any) -> datetime:
    return datetime.fromtimestamp(float(at), UTC)
