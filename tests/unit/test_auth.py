"""Login, logout, session expiry and the login rate limit."""
from __future__ import annotations

import time
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from webapp import create_app
from webapp.views import auth

from tests.helpers import PASSWORD, csrf_token, injected


@pytest.fixture
def token_app() -> Flask:
    """A console with no CONSOLE_PASSWORD: it signs in with a token URL."""
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "login_token": "tok-123"})


@pytest.mark.parametrize("path", ["/", "/tables/", "/iam/", "/functions/", "/apis/", "/logs/",
                                  "/wizard/", "/no-such-page"])
def test_every_page_needs_a_session(client: FlaskClient, path: str) -> None:
    reply = client.get(path)
    assert reply.status_code == HTTPStatus.FOUND
    assert reply.headers["Location"].startswith("/login?next=")


def test_htmx_request_without_session_is_sent_to_login(client: FlaskClient) -> None:
    reply = client.get("/", headers={"HX-Request": "true"})
    assert reply.status_code == HTTPStatus.UNAUTHORIZED
    assert reply.headers["HX-Redirect"].startswith("/login")


def test_login_page_and_static_files_are_public(client: FlaskClient) -> None:
    assert client.get("/login").status_code == HTTPStatus.OK
    assert client.get("/static/css/console.css").status_code == HTTPStatus.OK


def test_password_signs_in_and_returns_to_the_page_asked_for(client: FlaskClient) -> None:
    reply = client.post("/login", data={"secret": PASSWORD, "next": "/iam/",
                                        "csrf_token": csrf_token(client)})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == "/iam/"
    assert client.get("/iam/").status_code == HTTPStatus.OK


def test_wrong_password_is_refused_beside_the_field(client: FlaskClient) -> None:
    reply = client.post("/login", data={"secret": "nope", "csrf_token": csrf_token(client)})
    assert reply.status_code == HTTPStatus.UNAUTHORIZED
    assert 'class="field-error"' in reply.text and "Wrong password." in reply.text
    assert client.get("/").status_code == HTTPStatus.FOUND


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_next_pointing_off_the_console_is_ignored(client: FlaskClient, target: str) -> None:
    reply = client.post("/login", data={"secret": PASSWORD, "next": target,
                                        "csrf_token": csrf_token(client)})
    assert reply.headers["Location"] == "/"


def test_token_url_signs_in(token_app: Flask) -> None:
    client = token_app.test_client()
    reply = client.get("/login?token=tok-123")
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert client.get("/").status_code == HTTPStatus.OK


def test_wrong_token_is_refused(token_app: Flask) -> None:
    client = token_app.test_client()
    reply = client.get("/login?token=tok-124")
    assert reply.status_code == HTTPStatus.UNAUTHORIZED
    assert "not valid" in reply.text
    assert client.get("/").status_code == HTTPStatus.FOUND


def test_token_url_is_refused_when_a_password_is_set(client: FlaskClient, app: Flask) -> None:
    token = app.config["SETTINGS"].login_token
    reply = client.get(f"/login?token={token}")
    assert reply.status_code == HTTPStatus.UNAUTHORIZED
    assert client.get("/").status_code == HTTPStatus.FOUND


def test_secrets_are_compared_in_constant_time(client: FlaskClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bytes, bytes]] = []

    def spy(left: bytes, right: bytes) -> bool:
        seen.append((left, right))
        return False

    monkeypatch.setattr(auth, "compare_digest", spy)
    client.post("/login", data={"secret": "guess", "csrf_token": csrf_token(client)})
    assert seen == [(b"guess", PASSWORD.encode())]


def test_logout_ends_the_session(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/logout", data={"csrf_token": csrf_token(signed_in, "/")})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert signed_in.get("/").status_code == HTTPStatus.FOUND


def signed_in_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("console_session")
    assert cookie is not None
    return cookie.value


def test_a_signed_out_sessions_cookie_never_signs_in_again(signed_in: FlaskClient, app: Flask,
                                                            tmp_path: object) -> None:
    """A response still in flight at sign-out (the dashboard's map reading the region) hands the
    browser the old cookie back; a copied cookie is the same bytes. Neither may sign in again,
    here nor in a console started later on the same record."""
    kept = signed_in_cookie(signed_in)
    assert signed_in.get("/").status_code == HTTPStatus.OK
    signed_in.post("/logout", data={"csrf_token": csrf_token(signed_in, "/")})
    signed_in.set_cookie("console_session", kept)  # the late response's Set-Cookie
    assert signed_in.get("/").status_code == HTTPStatus.FOUND
    with mock_aws():
        later = create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                            "CONSOLE_PASSWORD": PASSWORD, "SECRET_KEY": app.secret_key})
    browser = later.test_client()
    browser.set_cookie("console_session", kept)
    assert browser.get("/").status_code == HTTPStatus.FOUND
    # Another sign-in is a new session, which the record does not touch.
    browser.post("/login", data={"secret": PASSWORD, "csrf_token": csrf_token(browser)})
    assert browser.get("/").status_code == HTTPStatus.OK


def test_a_session_without_an_id_is_signed_out(signed_in: FlaskClient) -> None:
    with signed_in.session_transaction() as session:
        del session[auth.SESSION_ID]
    assert signed_in.get("/").status_code == HTTPStatus.FOUND


def test_idle_session_expires(signed_in: FlaskClient, app: Flask,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    idle = app.permanent_session_lifetime.total_seconds()
    later = time.time() + idle + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert signed_in.get("/").status_code == HTTPStatus.FOUND


def test_session_expires_after_the_absolute_limit_even_when_active(signed_in: FlaskClient,
                                                                   app: Flask) -> None:
    hours = app.config["SETTINGS"].session_max_hours
    with signed_in.session_transaction() as session:
        session[auth.SIGNED_IN_AT] = time.time() - hours * 3600 - 1
    assert signed_in.get("/").status_code == HTTPStatus.FOUND


def test_login_attempts_are_rate_limited(client: FlaskClient, app: Flask) -> None:
    allowed = app.config["SETTINGS"].login_attempts_per_minute
    token = csrf_token(client)
    for _ in range(allowed):
        assert client.post("/login", data={"secret": "x", "csrf_token": token}).status_code == 401
    reply = client.post("/login", data={"secret": PASSWORD, "csrf_token": token})
    assert reply.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many login attempts" in reply.text
    assert client.get("/").status_code == HTTPStatus.FOUND


def test_successful_logins_do_not_use_up_the_limit(app: Flask) -> None:
    allowed = app.config["SETTINGS"].login_attempts_per_minute
    for _ in range(allowed + 2):
        client = app.test_client()
        reply = client.post("/login", data={"secret": PASSWORD, "csrf_token": csrf_token(client)})
        assert reply.status_code == HTTPStatus.SEE_OTHER


def test_session_cookie_is_httponly_and_samesite(client: FlaskClient) -> None:
    reply = client.post("/login", data={"secret": PASSWORD, "csrf_token": csrf_token(client)})
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_remote_clients_are_refused_without_a_password(token_app: Flask) -> None:
    client = token_app.test_client()
    reply = client.get("/login?token=tok-123", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert reply.status_code == HTTPStatus.FORBIDDEN
    assert "CONSOLE_PASSWORD" in reply.text
    assert client.get("/", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 403


def test_remote_clients_may_sign_in_when_a_password_is_set(client: FlaskClient) -> None:
    remote = {"REMOTE_ADDR": "192.0.2.7"}
    reply = client.post("/login", environ_base=remote,
                        data={"secret": PASSWORD, "csrf_token": csrf_token(client)})
    assert reply.status_code == HTTPStatus.SEE_OTHER
