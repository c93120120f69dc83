"""Headers, CSRF and rate limits that every response and every change goes through."""
from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from webapp.config import Settings

# No inline script or style anywhere: htmx is told not to inject its indicator styles.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# A page that makes its own name resolve to 127.0.0.1 (DNS rebinding) still sends that name as
# Host, so the console answers only the names it is reached by: loopback on its port, the
# address it listens on, and CONSOLE_ALLOWED_HOSTS.
LOOPBACK_HOST_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "[::]"})

csrf = CSRFProtect()
limiter = Limiter(get_remote_address, storage_uri="memory://")


def add_security_headers(response: Response) -> Response:
    """Set the security headers, and keep pages holding AWS data out of shared caches."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def host_served(host: str, settings: Settings) -> bool:
    """Whether a request's `Host` header names this console (on its port, or with none)."""
    name, port = _split_host(host)
    if port and port != str(settings.port):
        return False
    listening = settings.host.lower()
    if ":" in listening:
        listening = f"[{listening.strip('[]')}]"
    return (name in LOOPBACK_HOST_NAMES or name in settings.allowed_hosts
            or (name == listening and listening not in WILDCARD_ADDRESSES))


def _split_host(host: str) -> tuple[str, str]:
    """(name, port) of a Host header, lower-case; an IPv6 name keeps its brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return f"{name}]", rest.removeprefix(":") if rest.startswith(":") or not rest else "?"
    name, _, port = host.partition(":")
    return name, port


def refuse_foreign_host() -> Response | None:
    """Before anything else: a request naming another host gets one line and 403."""
    if host_served(request.host, current_app.config["SETTINGS"]):
        return None
    return Response(f"Host {request.host[:100]!r} is not served by this console; "
                    "add it to CONSOLE_ALLOWED_HOSTS to allow it\n",
                    status=403, mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Turn on Host checks, CSRF checks, rate limits and security headers."""
    app.before_request(refuse_foreign_host)  # first, so nothing else runs for a foreign Host
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(add_security_headers)
