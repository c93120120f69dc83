"""The wizard's last step: real HTTP calls to the deployed stage that create, read and list items.

Each call is reported with its status, body and when it was made (so the page can link the
function's log lines of that moment). A 500 right after the tutorial's basic-role path is the
tutorial's own first error: the function may not use the table yet (AccessDenied in its logs).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

from webapp.aws.apigateway import calls as api_calls, stages as api_stages
from webapp.aws.apigateway.calls import HttpRequest
from webapp.aws.errors import N_, InvalidInput
from webapp.wizard.model import Made, Plan

CHECK_ITEM_NAME = "Made by the setup wizard's live check"
BODY_KEPT = 400  # characters of each answer kept with the session (a cookie of about 4 KB)


@dataclass(frozen=True, slots=True)
class CheckCall:
    """One call of the live check and its answer."""

    label: str  # an N_ msgid: "Create an item", "Read it back", "List the items"
    method: str
    url: str
    expected: int
    status: int
    body: str
    at_ms: int

    @property
    def log_window(self) -> tuple[str, str]:
        """A UTC time range around the call (from 5 s before to 30 s after), as the log page's
        custom range takes it, to open the function's lines of this call."""
        def text(epoch_ms: int) -> str:
            return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        return text(self.at_ms - 5000), text(self.at_ms + 30_000)

    @property
    def ok(self) -> bool:
        """True when the stage answered what a working backend answers."""
        return self.status == self.expected

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, for the session cookie (the body cut to BODY_KEPT characters)."""
        body = self.body if len(self.body) <= BODY_KEPT else self.body[:BODY_KEPT] + "…"
        return {"label": self.label, "method": self.method, "url": self.url,
                "expected": self.expected, "status": self.status, "body": body,
                "at_ms": self.at_ms}

    @classmethod
    def from_dict(cls, data: dict) -> "CheckCall":
        """Back from the session."""
        return cls(str(data["label"]), str(data["method"]), str(data["url"]),
                   int(data["expected"]), int(data["status"]), str(data["body"]),
                   int(data["at_ms"]))


def run_check(plan: Plan, made: Made) -> list[CheckCall]:
    """Create an item through the stage, read it back and list the items."""
    if not made.api_id or not made.stage_name:
        raise InvalidInput(N_("Deploy the API to a stage first."))
    base = api_stages.invoke_url(made.api_id, made.stage_name)
    calls = [_call(N_("Create an item"), base, "POST", "/items", 201,
                   json.dumps({"name": CHECK_ITEM_NAME}))]
    try:
        created_id = json.loads(calls[0].body).get(plan.partition_key) if calls[0].ok else None
    except (ValueError, AttributeError):
        created_id = None
    if created_id:
        calls.append(_call(N_("Read it back"), base, "GET",
                           f"/items/{quote(str(created_id), safe='')}", 200, ""))
    calls.append(_call(N_("List the items"), base, "GET", "/items", 200, ""))
    return calls


def _call(label: str, base: str, method: str, path: str, expected: int, body: str) -> CheckCall:
    at_ms = int(time.time() * 1000)
    headers = {"Content-Type": "application/json"} if body else {}
    result = api_calls.call_stage(base, HttpRequest(method, path, "", headers, body))
    return CheckCall(label, method, base + path, expected, result.status, result.body, at_ms)
