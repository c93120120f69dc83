"""The sandbox's edge: who may talk to it at all, and what a browser may do there.

The sandbox runs the user's code and answers every access key as the account's administrator,
so anything that reaches its port is, in effect, the user. Browsers are the way in for other
people: a web page the user visits can resolve its own name to 127.0.0.1 (DNS rebinding) or send
requests to loopback from its own origin. This WSGI layer, in front of everything else, keeps
them out:

* `Host` must be one the sandbox serves: 127.0.0.1, localhost or [::1] on its port, the stage
  host `{api-id}.execute-api.localhost:{port}`, or a name listed in SANDBOX_ALLOWED_HOSTS. A
  rebinding page carries its own name, so it is refused before anything runs (403, one line).
* The control plane (every AWS API, `/_sandbox/…`) is for SDKs and the console's server, never
  for browsers: a request with an `Origin` header or a `Sec-Fetch-Site` other than `none` (a
  person typing the URL) is refused, and no `Access-Control-*` header ever leaves it. A
  credential in the query string counts only as a whole presigned SigV4 URL, unexpired.
* Stages are for browsers and keep the CORS the API itself defines. They answer on their own
  origin, `http://{api-id}.execute-api.localhost:{port}/{stage}/…` (browsers resolve
  `*.localhost` to loopback), as well as on the older `/restapis/{id}/{stage}/_user_request_/…`
  path. Cookies cannot tell ports apart, so the console's session cookie (named in
  SANDBOX_PRIVATE_COOKIES) is taken out of every request before a handler can see it.
"""
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from werkzeug.wrappers import Response

from webapp.sandbox.apigateway.handler import RAW_HEADERS
from webapp.sandbox.aws_errors import AwsError, rest_json_error
from webapp.sandbox.dispatch import MISSING_TOKEN, STAGE_ONLY

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
STAGE_HOST = re.compile(r"(?P<api_id>[a-z0-9]{1,64})\.execute-api\.localhost")
LEGACY_STAGE_PATH = re.compile(r"/restapis/[^/]+/[^/]+/_user_request_(?:/.*)?")
# What a stage host's path becomes inside the sandbox: the stage route the older form uses.
STAGE_ROUTE = "/restapis/{api_id}/{stage}/_user_request_/{rest}"
# A person typing the sandbox's URL: the only browser request the control plane takes.
USER_INITIATED = "none"
PRESIGN_ALGORITHM = "AWS4-HMAC-SHA256"
PRESIGN_PARAMETERS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                      "X-Amz-SignedHeaders", "X-Amz-Expires")
PRESIGN_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# SigV4 presigned URLs live at most seven days.
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
# AWS's common errors: a malformed signature is IncompleteSignature (400); a presigned URL used
# after its expiry is refused with "Request has expired" (403).
INCOMPLETE_CODE = "IncompleteSignature"
EXPIRED_CODE = "AccessDenied"
CORS_HEADER_PREFIX = "access-control-"
BAD_PORT = -1


@dataclass(frozen=True, slots=True)
class BoundaryPolicy:
    """Which `Host` values this sandbox serves, and which cookies never reach a handler."""

    port: int
    extra_hosts: frozenset[str] = frozenset()
    private_cookies: frozenset[str] = frozenset()

    def stage_api(self, host: str) -> str | None:
        """The API id a stage host names, or None if `host` is not a stage host."""
        name, port = split_host(host)
        if not self._port_ok(port):
            return None
        match = STAGE_HOST.fullmatch(name)
        return match["api_id"] if match else None

    def serves(self, host: str) -> bool:
        """Whether a request with this `Host` header is for this sandbox."""
        name, port = split_host(host)
        if port == BAD_PORT:
            return False
        if f"{name}:{port}" in self.extra_hosts:  # listed with its port: exactly that
            return True
        return self._port_ok(port) and (name in LOOPBACK_NAMES or name in self.extra_hosts
                                        or STAGE_HOST.fullmatch(name) is not None)

    def _port_ok(self, port: int | None) -> bool:
        # A Host without a port means the scheme's default, which only a proxy in front sends;
        # the name alone is what a rebinding page cannot fake.
        return port is None or port == self.port


def split_host(host: str) -> tuple[str, int | None]:
    """`Host` as (lower-case name, port or None); a malformed port gives BAD_PORT."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        name += "]"
        port_text = rest[1:] if rest.startswith(":") else ("" if not rest else "x")
    elif host.count(":") == 1:
        name, _, port_text = host.partition(":")
    else:
        name, port_text = host, ""
    if not port_text:
        return name, None
    return name, int(port_text) if port_text.isdigit() else BAD_PORT


def browser_refusal(environ: WSGIEnvironment) -> str | None:
    """Why a control-plane request looks sent by a web page, or None if it does not."""
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None:
        return (f"requests from web pages (Origin: {origin[:100]}) are refused: the sandbox's "
                "AWS API is for SDKs and the console, not for browsers")
    fetch_site = environ.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None and fetch_site.lower() != USER_INITIATED:
        return (f"requests from web pages (Sec-Fetch-Site: {fetch_site[:20]}) are refused: the "
                "sandbox's AWS API is for SDKs and the console, not for browsers")
    return None


def presign_refusal(query_string: str, now: datetime | None = None) -> tuple[str, str] | None:
    """(AWS error code, message) if a query-string credential is not a whole, current
    presigned SigV4 URL; None if it is, or if there is none."""
    query = parse_qs(query_string, keep_blank_values=True)
    named = {key.lower(): values for key, values in query.items()}
    if not any(parameter.lower() in named for parameter in PRESIGN_PARAMETERS):
        return None
    missing = [name for name in PRESIGN_PARAMETERS if not named.get(name.lower(), [""])[0]]
    if missing:
        wanted = ", ".join(f"'{name}'" for name in PRESIGN_PARAMETERS)
        return INCOMPLETE_CODE, (f"AWS query-string parameters must include {wanted}. "
                                 "Re-examine the query-string parameters.")
    if named["x-amz-algorithm"][0] != PRESIGN_ALGORITHM:
        return INCOMPLETE_CODE, f"X-Amz-Algorithm must be {PRESIGN_ALGORITHM}."
    try:
        signed_at = datetime.strptime(named["x-amz-date"][0], PRESIGN_DATE_FORMAT).replace(
            tzinfo=UTC)
        expires = int(named["x-amz-expires"][0])
    except ValueError:
        return INCOMPLETE_CODE, ("X-Amz-Date must be YYYYMMDD'T'HHMMSS'Z' and X-Amz-Expires a "
                                 "number of seconds.")
    if not 1 <= expires <= MAX_PRESIGN_SECONDS:
        return INCOMPLETE_CODE, f"X-Amz-Expires must be between 1 and {MAX_PRESIGN_SECONDS}."
    if (now or datetime.now(UTC)) > signed_at + timedelta(seconds=expires):
        return EXPIRED_CODE, "Request has expired"
    return None


def strip_cookies(header: str, private: frozenset[str]) -> str:
    """The Cookie header without the named cookies (others pass exactly as sent)."""
    kept = []
    for pair in header.split(";"):
        name = pair.split("=", 1)[0].strip()
        if name and name not in private:
            kept.append(pair.strip())
    return "; ".join(kept)


class Boundary:
    """WSGI middleware enforcing `policy` in front of the sandbox's own app."""

    def __init__(self, app: WSGIApplication, policy: BoundaryPolicy,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._app = app
        self.policy = policy
        self._clock = clock

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST", "")
        if not host or not self.policy.serves(host):
            return _refuse(environ, start_response, HTTPStatus.FORBIDDEN,
                           f"Host {host[:100]!r} is not served by this sandbox: it answers only "
                           "127.0.0.1, localhost and [::1] on its port, "
                           "{api-id}.execute-api.localhost, and SANDBOX_ALLOWED_HOSTS")
        api_id = self.policy.stage_api(host)
        if api_id is not None:
            return self._stage_host(environ, start_response, api_id)
        if LEGACY_STAGE_PATH.fullmatch(environ.get("PATH_INFO", "")):
            return self._stage(environ, start_response)
        return self._control_plane(environ, start_response)

    def _stage_host(self, environ: WSGIEnvironment, start_response: StartResponse,
                    api_id: str) -> Iterable[bytes]:
        # Only stages answer here, never the control plane: a path without a stage is API
        # Gateway's answer to an unknown route.
        stage, _, rest = environ.get("PATH_INFO", "").lstrip("/").partition("/")
        if not stage:
            response = rest_json_error(MISSING_TOKEN).response()
            return response(environ, start_response)
        environ["PATH_INFO"] = STAGE_ROUTE.format(api_id=api_id, stage=stage, rest=rest)
        return self._stage(environ, start_response)

    def _stage(self, environ: WSGIEnvironment,
               start_response: StartResponse) -> Iterable[bytes]:
        """A stage request: only the stage route answers it (never moto, whatever the path),
        and the console's cookies neither reach the handler nor can be set by its answer
        (cookies ignore ports, and a *.localhost page may set one for all of localhost)."""
        environ[STAGE_ONLY] = True
        self._hide_private_cookies(environ)
        private = self.policy.private_cookies

        def without_private_cookies(status: str, headers: list[tuple[str, str]],
                                    exc_info: object = None) -> Callable[[bytes], object]:
            kept = [(name, value) for name, value in headers
                    if not (name.lower() == "set-cookie" and _cookie_name(value) in private)]
            return start_response(status, kept, exc_info)  # type: ignore[arg-type]

        return self._app(environ, without_private_cookies)

    def _control_plane(self, environ: WSGIEnvironment,
                       start_response: StartResponse) -> Iterable[bytes]:
        reason = browser_refusal(environ)
        if reason is not None:
            return _refuse(environ, start_response, HTTPStatus.FORBIDDEN, reason)
        refusal = presign_refusal(environ.get("QUERY_STRING", ""), self._clock())
        if refusal is not None:
            code, message = refusal
            status = HTTPStatus.FORBIDDEN if code == EXPIRED_CODE else HTTPStatus.BAD_REQUEST
            response = rest_json_error(AwsError(code, message, status)).response()
            return response(environ, start_response)

        def without_cors(status: str, headers: list[tuple[str, str]],
                         exc_info: object = None) -> Callable[[bytes], object]:
            kept = [(name, value) for name, value in headers
                    if not name.lower().startswith(CORS_HEADER_PREFIX)]
            return start_response(status, kept, exc_info)  # type: ignore[arg-type]

        return self._app(environ, without_cors)

    def _hide_private_cookies(self, environ: WSGIEnvironment) -> None:
        private = self.policy.private_cookies
        if "HTTP_COOKIE" in environ:
            kept = strip_cookies(environ["HTTP_COOKIE"], private)
            if kept:
                environ["HTTP_COOKIE"] = kept
            else:
                del environ["HTTP_COOKIE"]
        raw = environ.get(RAW_HEADERS)
        if raw is not None:
            environ[RAW_HEADERS] = tuple(_raw_without_cookies(raw, private))


def _cookie_name(set_cookie: str) -> str:
    """The name a Set-Cookie header sets, as a browser reads it."""
    return set_cookie.split(";", 1)[0].split("=", 1)[0].strip()


def _raw_without_cookies(raw: Iterable[tuple[str, str]],
                         private: frozenset[str]) -> Iterator[tuple[str, str]]:
    for name, value in raw:
        if name.lower() == "cookie":
            value = strip_cookies(value, private)
            if not value:
                continue
        yield name, value


def _refuse(environ: WSGIEnvironment, start_response: StartResponse, status: HTTPStatus,
            reason: str) -> Iterable[bytes]:
    response = Response(f"{reason}\n", status=status, mimetype="text/plain")
    return response(environ, start_response)

