"""The Lambda Runtime API (2018-06-01) that one worker's awslambdaric talks to.

Each worker gets its own endpoint on a loopback port, as each AWS execution environment has its
own at 127.0.0.1:9001. The API's calls name no function and `/next` no request id, so a separate
port per worker is what tells the sandbox who is asking; a shared port (even the sandbox's own,
under /2018-06-01/runtime/, which no AWS API uses) could not tell two waiting workers apart.
AWS_LAMBDA_RUNTIME_API is `host:port` with no path, so a per-worker path prefix is not possible.
"""
import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Protocol

logger = logging.getLogger(__name__)

API_PREFIX = "/2018-06-01/runtime"
NEXT_PATH = f"{API_PREFIX}/invocation/next"
INIT_ERROR_PATH = f"{API_PREFIX}/init/error"
INVOCATION_RESULT = re.compile(
    rf"{re.escape(API_PREFIX)}/invocation/(?P<request_id>[^/]+)/(?P<kind>response|error)")
ACCEPTED_BODY = b'{"status":"OK"}'
FOREIGN_BODY = (b'{"errorMessage":"only this worker\'s runtime may call its Runtime API",'
                b'"errorType":"Forbidden"}')
LISTEN_BACKLOG = 8


@dataclass(frozen=True, slots=True)
class NextInvocation:
    """What GET /next answers: the event and the headers the runtime builds its context from."""

    request_id: str
    payload: bytes
    deadline_ms: int
    invoked_function_arn: str
    trace_id: str
    client_context: str | None
    cognito_identity: str | None

    def headers(self) -> dict[str, str]:
        """The Lambda-Runtime-* response headers."""
        headers = {
            "Lambda-Runtime-Aws-Request-Id": self.request_id,
            "Lambda-Runtime-Deadline-Ms": str(self.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.invoked_function_arn,
            "Lambda-Runtime-Trace-Id": self.trace_id,
            "Content-Type": "application/json",
        }
        if self.client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = self.client_context
        if self.cognito_identity is not None:
            headers["Lambda-Runtime-Cognito-Identity"] = self.cognito_identity
        return headers


class Runtime(Protocol):
    """The worker side of the API: what each call means for the invocation in progress."""

    def next_invocation(self) -> NextInvocation | None:
        """Block until there is an event for this worker; None when the worker is stopping."""

    def invocation_response(self, request_id: str, body: bytes) -> bool:
        """The handler returned; False if `request_id` is not the invocation in progress."""

    def invocation_error(self, request_id: str, body: bytes) -> bool:
        """The handler raised; False if `request_id` is not the invocation in progress."""

    def init_error(self, body: bytes) -> None:
        """The runtime could not load the handler and will exit."""


class RuntimeApiServer:
    """One worker's Runtime API endpoint: a loopback listener and a thread per connection."""

    def __init__(self, runtime: Runtime, host: str = "127.0.0.1",
                 accepts: Callable[[tuple[str, int]], bool] | None = None) -> None:
        """`accepts(peer)` says whether a connection from `peer` is the worker's own runtime
        (peer_process.py); refused connections get 403 and are closed unread."""
        self.runtime = runtime
        self._accepts = accepts
        self._listener = socket.create_server((host, 0), backlog=LISTEN_BACKLOG)
        self.bound: tuple[str, int] = self._listener.getsockname()[:2]
        self.address = "%s:%d" % self.bound
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name=f"lambda-api-{self.address}",
                                        daemon=True)

    def start(self) -> None:
        """Start accepting the worker's connections."""
        self._thread.start()

    def close(self) -> None:
        """Stop listening and drop open connections."""
        with self._lock:
            self._closed = True
            connections = tuple(self._connections)
        # shutdown() wakes a thread blocked in accept() or recv(); close() alone would not.
        for sock in (self._listener, *connections):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, peer = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if self._closed:
                    connection.close()
                    return
                self._connections.add(connection)
            # Small request/response pairs: don't let Nagle hold back the last segment.
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(connection, peer), daemon=True,
                             name=f"lambda-api-conn-{self.address}").start()

    def _foreign(self, connection: socket.socket, peer: tuple[str, int]) -> bool:
        """Refuse a connection from another process than the worker's runtime (403, closed)."""
        if self._accepts is None or self._accepts(peer):
            return False
        logger.warning("runtime API %s: refused a connection from %s:%d, not this worker's "
                       "runtime", self.address, *peer)
        connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                           b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
                           % (len(FOREIGN_BODY), FOREIGN_BODY))
        return True

    def _serve(self, connection: socket.socket, peer: tuple[str, int]) -> None:
        try:
            if self._foreign(connection, peer):
                return
            # http.server only keeps `server` as an attribute; ours carries the runtime.
            RuntimeApiHandler(connection, peer, self)  # type: ignore[arg-type]
        except OSError:
            pass  # the worker went away mid-request
        finally:
            with self._lock:
                self._connections.discard(connection)
            connection.close()


class RuntimeApiHandler(BaseHTTPRequestHandler):
    """Parses one connection's requests (HTTP/1.1 keep-alive, as the runtime's curl uses)."""

    protocol_version = "HTTP/1.1"
    server: RuntimeApiServer  # type: ignore[assignment]

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        """GET /runtime/invocation/next: wait for an event, never timing out."""
        if self._refused():
            return
        if self.path != NEXT_PATH:
            self._send_error(HTTPStatus.NOT_FOUND, "InvalidPath", f"no route for {self.path}")
            return
        invocation = self.server.runtime.next_invocation()
        if invocation is None:
            self.close_connection = True  # the worker is being stopped
            return
        self._send(HTTPStatus.OK, invocation.payload, invocation.headers())

    def do_POST(self) -> None:  # noqa: N802
        """The invocation's response or error, or an init error."""
        # Error posts also name the error in Lambda-Runtime-Function-Error-Type; the body's
        # errorType says the same and is what Invoke returns, so the header is not needed.
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self._refused():
            return
        if self.path == INIT_ERROR_PATH:
            self.server.runtime.init_error(body)
            self._send(HTTPStatus.ACCEPTED, ACCEPTED_BODY)
            return
        match = INVOCATION_RESULT.fullmatch(self.path)
        if match is None:
            self._send_error(HTTPStatus.NOT_FOUND, "InvalidPath", f"no route for {self.path}")
            return
        runtime = self.server.runtime
        if match["kind"] == "response":
            # Invoke answers application/json whatever the runtime says, as AWS does.
            known = runtime.invocation_response(match["request_id"], body)
        else:
            known = runtime.invocation_error(match["request_id"], body)
        if not known:
            self._send_error(HTTPStatus.BAD_REQUEST, "InvalidRequestID", "Invalid request ID")
            return
        self._send(HTTPStatus.ACCEPTED, ACCEPTED_BODY)

    def _refused(self) -> bool:
        """Answer 403 to anything but the runtime: a web page that made its own name resolve to
        127.0.0.1 still sends that name as Host, and a browser's requests carry Origin or
        Sec-Fetch-Site; the runtime sends AWS_LAMBDA_RUNTIME_API as Host, and neither header."""
        host = (self.headers.get("Host") or "").lower()
        if host == self.server.address and not (
                self.headers.get("Origin") or self.headers.get("Sec-Fetch-Site")):
            return False
        self._send_error(HTTPStatus.FORBIDDEN, "Forbidden",
                         "only this worker's runtime may call its Runtime API")
        self.close_connection = True
        return True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Per-request lines only at debug level (http.server prints them to stderr)."""
        logger.debug("runtime API %s: " + format, self.server.address, *args)

    def _send_error(self, status: HTTPStatus, error_type: str, message: str) -> None:
        body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
        self._send(status, body)

    def _send(self, status: HTTPStatus, body: bytes,
              headers: dict[str, str] | None = None) -> None:
        # One write for head and body: two small writes would wait on delayed ACKs.
        head = [f"HTTP/1.1 {status.value} {status.phrase}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
