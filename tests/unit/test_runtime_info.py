"""The function page learns from the sandbox which Python really runs a function."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webapp.aws import clients

from tests.helpers import SERVER_POLL_SECONDS, clients_for
from webapp.aws.functions import runtime_info


class _SandboxStatus(BaseHTTPRequestHandler):
    """Answers the sandbox's function status path like the sandbox does."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if not self.path.startswith("/_sandbox/lambda/functions/old-fn?region=ap-northeast-2"):
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = json.dumps({"Runtime": "python3.9", "EffectiveRuntime": "Python 3.11.7",
                           "Supported": True, "Message": None}).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def sandbox_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SandboxStatus)
    threading.Thread(target=server.serve_forever,
                     kwargs={"poll_interval": SERVER_POLL_SECONDS}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_sandbox_says_what_runs_a_function(sandbox_endpoint: str) -> None:
    clients.use(clients_for(clients.Connection(backend="sandbox", region="ap-northeast-2",
                                         endpoint_url=sandbox_endpoint)))
    note = runtime_info.effective_runtime("old-fn")
    assert note == runtime_info.EffectiveRuntime("python3.9", "Python 3.11.7", True, "")


def test_an_endpoint_that_cannot_say_means_unknown(sandbox_endpoint: str) -> None:
    clients.use(clients_for(clients.Connection(backend="sandbox", region="ap-northeast-2",
                                         endpoint_url=sandbox_endpoint)))
    assert runtime_info.effective_runtime("other-fn") is None


def test_aws_itself_is_not_asked() -> None:
    clients.use(clients_for(clients.Connection(backend="aws", region="ap-northeast-2")))
    assert runtime_info.effective_runtime("old-fn") is None
