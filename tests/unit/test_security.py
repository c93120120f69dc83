"""CSRF on every change, security headers, and pages free of inline script."""
from __future__ import annotations

from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import PASSWORD, csrf_token, injected

PAGES = ["/", "/tables/", "/iam/", "/functions/", "/apis/", "/logs/", "/wizard/"]


def test_change_without_csrf_token_is_refused_and_changes_nothing(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/preferences/region", data={"region": "us-east-1"})
    assert reply.status_code == HTTPStatus.BAD_REQUEST
    assert "nothing was changed" in reply.text
    assert "Traceback" not in reply.text
    assert "<code>ap-northeast-2</code>" in signed_in.get("/").text


def test_change_with_a_wrong_csrf_token_is_refused(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/preferences/region", data={"region": "us-east-1"},
                           headers={"X-CSRFToken": "forged"})
    assert reply.status_code == HTTPStatus.BAD_REQUEST
    assert "<code>ap-northeast-2</code>" in signed_in.get("/").text


def test_logout_without_csrf_token_keeps_the_session(signed_in: FlaskClient) -> None:
    assert signed_in.post("/logout").status_code == HTTPStatus.BAD_REQUEST
    assert signed_in.get("/").status_code == HTTPStatus.OK


def test_htmx_sends_the_token_as_a_header(signed_in: FlaskClient) -> None:
    token = csrf_token(signed_in, "/")
    reply = signed_in.post("/preferences/region", data={"region": "us-east-1"},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert reply.status_code == HTTPStatus.NO_CONTENT
    assert reply.headers["HX-Location"] == "/"
    assert "<code>us-east-1</code>" in signed_in.get("/").text


def test_every_page_sets_the_token_header_for_htmx(signed_in: FlaskClient) -> None:
    body = signed_in.get("/").text
    assert "hx-headers='{\"X-CSRFToken\": \"" in body


@pytest.mark.parametrize("path", ["/login", "/", "/tables/", "/static/css/console.css"])
def test_security_headers(signed_in: FlaskClient, path: str) -> None:
    headers = signed_in.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


class _InlineScriptFinder(HTMLParser):
    """Collects every inline script, event-handler attribute and inline style."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self._in_inline_script = True
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style>")
        for name, _ in attrs:
            if name.startswith("on") or name == "style" or name.startswith("hx-on"):
                self.problems.append(f"{tag} {name}=")


@pytest.mark.parametrize("path", ["/login", *PAGES])
def test_pages_have_no_inline_script_or_style(signed_in: FlaskClient, path: str) -> None:
    finder = _InlineScriptFinder()
    finder.feed(signed_in.get(path).text)
    assert finder.problems == []


def test_error_pages_show_no_stack_trace(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.testing = False
    client = app.test_client()
    client.post("/login", data={"secret": PASSWORD, "csrf_token": csrf_token(client)})
    reply = client.get("/boom")
    assert reply.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "secret internals" not in reply.text and "Traceback" not in reply.text
    assert "unexpected error" in reply.text


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "127.0.0.1.evil.example",
                                  "localhost:5001", "127.0.0.1:8080", "[::1]:1"])
def test_a_foreign_host_gets_one_line_and_nothing_else(client: FlaskClient, host: str) -> None:
    for path in ("/login", "/", "/static/css/console.css"):
        reply = client.get(path, headers={"Host": host})
        assert reply.status_code == HTTPStatus.FORBIDDEN, (host, path)
        assert reply.text.count("\n") == 1 and "is not served by this console" in reply.text
    reply = client.post("/login", data={"secret": PASSWORD}, headers={"Host": host})
    assert reply.status_code == HTTPStatus.FORBIDDEN
    assert "Set-Cookie" not in reply.headers


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost:5000", "LocalHost:5000",
                                  "[::1]:5000", "localhost"])
def test_the_consoles_own_names_are_served(client: FlaskClient, host: str) -> None:
    assert client.get("/login", headers={"Host": host}).status_code == HTTPStatus.OK


def test_console_allowed_hosts_adds_names() -> None:
    from webapp import create_app

    app = create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD,
                      "CONSOLE_ALLOWED_HOSTS": "console.internal, Other.Test"})
    client = app.test_client()
    assert client.get("/login", headers={"Host": "console.internal:5000"}).status_code == 200
    assert client.get("/login", headers={"Host": "other.test"}).status_code == 200
    assert client.get("/login", headers={"Host": "evil.example:5000"}).status_code == 403


def test_the_session_cookie_is_host_only(client: FlaskClient) -> None:
    reply = client.post("/login", data={"secret": PASSWORD, "csrf_token": csrf_token(client)})
    cookie = reply.headers["Set-Cookie"]
    assert cookie.startswith("console_session=")
    assert "domain=" not in cookie.lower()
    assert "HttpOnly" in cookie


def test_the_sandbox_keeps_the_consoles_cookie_from_handlers(app: Flask) -> None:
    from webapp.sandbox.config import DEFAULT_PRIVATE_COOKIES

    assert app.config["SESSION_COOKIE_NAME"] in DEFAULT_PRIVATE_COOKIES
