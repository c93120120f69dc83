"""GET /_sandbox/lambda/runtimes/<runtime>: what would run a function of a runtime, asked by the
console's create form before there is a function to ask about."""
from __future__ import annotations

import json
import platform
import urllib.request
from typing import Any

from tests.helpers import needs_node


def runtime_status(sandbox_url: str, runtime: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{sandbox_url}/_sandbox/lambda/runtimes/{runtime}",
                                timeout=5) as reply:
        return json.load(reply)


def test_a_python_runtime_runs_on_the_sandboxs_python(sandbox_url: str) -> None:
    assert runtime_status(sandbox_url, "python3.9") == {
        "Runtime": "python3.9", "Supported": True,
        "EffectiveRuntime": f"Python {platform.python_version()}", "Message": None}


@needs_node()
def test_a_node_runtime_runs_on_the_machines_node(sandbox_url: str) -> None:
    answer = runtime_status(sandbox_url, "nodejs22.x")
    assert answer["Supported"] is True and answer["Message"] is None
    assert answer["EffectiveRuntime"].startswith("Node.js v")


def test_a_runtime_the_sandbox_cannot_run_says_why(sandbox_url: str) -> None:
    answer = runtime_status(sandbox_url, "java21")
    assert (answer["Supported"], answer["EffectiveRuntime"]) == (False, None)
    assert answer["Message"].startswith("The sandbox cannot run runtime java21")
