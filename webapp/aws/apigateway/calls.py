"""Calling a method: inside API Gateway (TestInvokeMethod), or over HTTP to a deployed stage."""
from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from webapp import json_nesting
from webapp.aws.clients import client
from webapp.aws.errors import N_, Unreachable, aws_errors

CALL_TIMEOUT_S = 10.0
MAX_CALL_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A request to test a method with: the path with parameters filled, query, headers, body."""

    http_method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str


LAMBDA_REQUEST_ID = re.compile(r"(?:x-amzn-RequestId=|Lambda request id: )([A-Za-z0-9-]{8,64})")


@dataclass(frozen=True, slots=True)
class HttpResult:
    """What came back: status, headers, body, latency and (for TestInvokeMethod) the log."""

    status: int
    headers: dict[str, str]
    body: str
    latency_ms: float
    log: str = ""
    started_ms: int = 0  # when the request was made, epoch ms (the logs link searches near it)

    @property
    def lambda_request_id(self) -> str | None:
        """The Lambda request a TestInvokeMethod ran, as its log names it (endpoint response
        headers, or the function error line); None when the log names none."""
        found = LAMBDA_REQUEST_ID.search(self.log)
        return found.group(1) if found else None

    @property
    def pretty_body(self) -> str:
        """The body indented when it is JSON, else as it came."""
        try:
            return json.dumps(json_nesting.loads(self.body), indent=2, ensure_ascii=False)
        except ValueError:  # not JSON, or nested too deep to lay out
            return self.body


def test_invoke_method(api_id: str, resource_id: str, request: HttpRequest) -> HttpResult:
    """Run the method inside API Gateway without a deployment (TestInvokeMethod)."""
    path = request.path + (f"?{request.query}" if request.query else "")
    started_ms = int(time.time() * 1000)
    with aws_errors(N_("test the method"), f"{request.http_method} {request.path}"):
        reply = client("apigateway").test_invoke_method(
            restApiId=api_id, resourceId=resource_id, httpMethod=request.http_method,
            pathWithQueryString=path, headers=request.headers, body=request.body)
    headers = {name: str(value) for name, value in (reply.get("headers") or {}).items()}
    return HttpResult(int(reply.get("status", 0)), headers, reply.get("body", "") or "",
                      float(reply.get("latency", 0)), reply.get("log", "") or "", started_ms)


LOCALHOST_SUFFIX = ".localhost"
CALL_FAILED = N_("Could not call %(url)s: %(reason)s")


def call_stage(stage_url: str, request: HttpRequest) -> HttpResult:
    """Send a real HTTP request to a deployed stage and read the answer (bounded in time and size)."""
    url = stage_url + request.path + (f"?{request.query}" if request.query else "")
    has_body = bool(request.body) and request.http_method not in ("GET", "HEAD")
    data = request.body.encode() if has_body else None
    outgoing = urllib.request.Request(_loopback(url), data=data, headers=request.headers,
                                      method=request.http_method)
    if outgoing.full_url != url:  # a *.localhost name: connect to loopback, keep the name
        outgoing.add_header("Host", urlsplit(url).netloc)
    started = time.perf_counter()
    try:
        with _opener().open(outgoing, timeout=CALL_TIMEOUT_S) as reply:
            status, headers, body = reply.status, dict(reply.headers.items()), reply.read(
                MAX_CALL_BODY_BYTES)
    except urllib.error.HTTPError as err:
        status, headers, body = err.code, dict(err.headers.items()), err.read(MAX_CALL_BODY_BYTES)
    except (OSError, ValueError) as err:
        raise Unreachable(CALL_FAILED, url=url, reason=str(err)) from err
    latency_ms = (time.perf_counter() - started) * 1000
    return HttpResult(status, headers, body.decode("utf-8", "replace"), latency_ms)


def _loopback(url: str) -> str:
    """`url` with a `*.localhost` host replaced by 127.0.0.1: browsers and curl resolve such
    names to loopback themselves (RFC 6761), Python's resolver does not."""
    parts = urlsplit(url)
    if not (parts.hostname or "").endswith(LOCALHOST_SUFFIX):
        return url
    netloc = f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1"
    return urlunsplit(parts._replace(netloc=netloc))


def _opener() -> urllib.request.OpenerDirector:
    # Only http(s), and no proxy from the environment: the stage URL is the endpoint's own.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))
