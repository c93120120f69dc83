"""What really runs a function, where the endpoint can say: the sandbox's own extension.

The sandbox answers GET /_sandbox/lambda/functions/<name> with the Python or Node.js that runs a
function whose runtime names another version, and GET /_sandbox/lambda/runtimes/<runtime> with
what would run a function of that runtime (or why none can: Node.js not installed). AWS has no
such endpoint (and needs none), so any failure here just means "not known".
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from webapp.aws.clients import connection, current_region

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class EffectiveRuntime:
    """The runtime a function asks for and what the sandbox runs it on."""

    requested: str
    effective: str
    is_supported: bool
    message: str


def effective_runtime(function_name: str) -> EffectiveRuntime | None:
    """Ask the endpoint what runs this function; None on AWS or when it cannot say."""
    return _ask(f"functions/{urllib.parse.quote(function_name)}")


def runtime_support(runtime: str) -> EffectiveRuntime | None:
    """Ask the endpoint what would run a function of `runtime`; None on AWS or when it cannot
    say."""
    return _ask(f"runtimes/{urllib.parse.quote(runtime)}")


def _ask(path: str) -> EffectiveRuntime | None:
    endpoint = connection().endpoint_url
    if not endpoint:
        return None
    query = urllib.parse.urlencode({"region": current_region()})
    url = f"{endpoint.rstrip('/')}/_sandbox/lambda/{path}?{query}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as reply:
            answer = json.load(reply)
    except (OSError, ValueError) as err:
        logger.info("no runtime information at %s: %s", path, err)
        return None
    if not isinstance(answer, dict):
        return None
    return EffectiveRuntime(
        requested=str(answer.get("Runtime", "")),
        effective=str(answer.get("EffectiveRuntime", "")),
        is_supported=bool(answer.get("Supported", False)),
        message=str(answer.get("Message") or ""),
    )
