"""Small helpers the tests share."""
from __future__ import annotations

import re
import socket

from flask.testing import FlaskClient

PASSWORD = "correct horse battery staple"


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token from a form on `path`, as a browser would read it."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
