"""A worker's Runtime API answers only its runtime: not a rebinding page, not a browser."""
from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest

from webapp.sandbox.awslambda.runtime_api import NEXT_PATH, NextInvocation, RuntimeApiServer

EVENT = NextInvocation(request_id="req-1", payload=b'{"secret": "event"}', deadline_ms=0,
                       invoked_function_arn="arn:aws:lambda:ap-northeast-2:123456789012:function:f",
                       trace_id="t", client_context=None, cognito_identity=None)


class Runtime:
    """Hands out one event and records the answers."""

    def __init__(self) -> None:
        self.answers: list[bytes] = []

    def next_invocation(self) -> NextInvocation | None:
        return EVENT

    def invocation_response(self, request_id: str, body: bytes) -> bool:
        self.answers.append(body)
        return request_id == EVENT.request_id

    def invocation_error(self, request_id: str, body: bytes) -> bool:
        return self.invocation_response(request_id, body)

    def init_error(self, body: bytes) -> None:
        self.answers.append(body)


@pytest.fixture
def served() -> Iterator[tuple[RuntimeApiServer, Runtime]]:
    runtime = Runtime()
    server = RuntimeApiServer(runtime)
    server.start()
    yield server, runtime
    server.close()


def ask(server: RuntimeApiServer, method: str, path: str, headers: dict[str, str],
        body: bytes = b"") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(server.address, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


@pytest.mark.parametrize("headers", [{"Host": "evil.example:{port}"}, {},
                                     {"Host": "{address}", "Origin": "http://evil.example"},
                                     {"Host": "{address}", "Sec-Fetch-Site": "cross-site"}])
def test_anything_but_the_runtime_is_refused(served: tuple[RuntimeApiServer, Runtime],
                                             headers: dict[str, str]) -> None:
    server, runtime = served
    port = server.address.rpartition(":")[2]
    sent = {name: value.format(port=port, address=server.address)
            for name, value in headers.items()}
    status, body = ask(server, "GET", NEXT_PATH, sent)
    assert status == 403
    assert b"secret" not in body
    status, _ = ask(server, "POST", "/2018-06-01/runtime/invocation/req-1/response", sent,
                    b'{"forged": true}')
    assert status == 403
    assert runtime.answers == []


def test_the_runtime_is_served(served: tuple[RuntimeApiServer, Runtime]) -> None:
    server, runtime = served
    status, body = ask(server, "GET", NEXT_PATH, {"Host": server.address})
    assert status == 200 and json.loads(body) == {"secret": "event"}
    status, _ = ask(server, "POST", "/2018-06-01/runtime/invocation/req-1/response",
                    {"Host": server.address}, b'{"ok": true}')
    assert status == 202 and runtime.answers == [b'{"ok": true}']
