"""The sandbox's HTTP request handler: moto's, plus the request's headers exactly as sent.

WSGI folds a repeated header into one comma-joined value, but API Gateway's multiValueHeaders
keep each line apart (and a single `Accept: a, b` stays one value), so the raw list is kept
in the environ under RAW_HEADERS.
"""
from typing import Any

from moto.server import MotoRequestHandler

RAW_HEADERS = "sandbox.raw_headers"


class RawHeadersRequestHandler(MotoRequestHandler):
    """moto's handler, keeping the header lines in order under environ[RAW_HEADERS]."""

    def make_environ(self) -> Any:
        """The WSGI environ, plus the header lines as (name, value) pairs."""
        environ = super().make_environ()
        environ[RAW_HEADERS] = tuple(self.headers.items())
        return environ
