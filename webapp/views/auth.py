"""Login with the printed token URL or CONSOLE_PASSWORD; every other page needs a session."""
from __future__ import annotations

from hmac import compare_digest
import secrets
import time
from http import HTTPStatus

from flask import (Blueprint, Response, abort, current_app, flash, make_response, redirect,
                   render_template, request, session, url_for)
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.config import Settings, is_loopback_host
from webapp.security import limiter
from webapp.views.rendering import safe_next, see_other

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = frozenset({"auth.login", "preferences.set_language", "static"})
SIGNED_IN_AT = "signed_in_at"
# Each sign-in's random id: signing out records it on the server (webapp/signed_out.py).
SESSION_ID = "session_id"


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _login_limit() -> str:
    return f"{_settings().login_attempts_per_minute} per minute"


def _is_plain_login_page() -> bool:
    return request.method == "GET" and "token" not in request.args


def _was_refused(response: Response) -> bool:
    # Only failed attempts count: a person signing in again and again is not guessing.
    return response.status_code == HTTPStatus.UNAUTHORIZED


def is_signed_in() -> bool:
    """True while the session is signed in and younger than the absolute session limit."""
    signed_in_at = session.get(SIGNED_IN_AT)
    session_id = session.get(SESSION_ID)
    if not isinstance(signed_in_at, (int, float)) or not isinstance(session_id, str):
        return False
    if session_id in current_app.extensions["signed_out"]:
        return False
    return time.time() - signed_in_at < _settings().session_max_hours * 3600


@bp.before_app_request
def refuse_remote_clients_without_a_password() -> None:
    """Without CONSOLE_PASSWORD only this machine may connect, however the server was bound."""
    if _settings().password or is_loopback_host(request.remote_addr or ""):
        return
    abort(HTTPStatus.FORBIDDEN, description=gettext(
        "This console accepts connections from other machines only when CONSOLE_PASSWORD is set."))


@bp.before_app_request
def require_login() -> ResponseReturnValue | None:
    """Send anyone without a live session to the login page, remembering where they were."""
    if request.endpoint in PUBLIC_ENDPOINTS or is_signed_in():
        return None
    if SIGNED_IN_AT in session:  # expired: forget it, but keep a signed-out visitor's CSRF token
        session.clear()
    login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request"):
        response = make_response("", HTTPStatus.UNAUTHORIZED)
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, exempt_when=_is_plain_login_page, deduct_when=_was_refused)
def login() -> ResponseReturnValue:
    """Show the login form, or sign in with a token URL or the password."""
    settings = _settings()
    next_url = safe_next(request.values.get("next"), url_for("dashboard.index"))
    if _is_plain_login_page():
        if is_signed_in():
            return redirect(next_url)
        return _login_page(next_url)
    if request.method == "GET" and settings.password:
        return _login_page(next_url, gettext("This console uses a password: type it below."),
                           HTTPStatus.UNAUTHORIZED)
    supplied = request.args.get("token") if request.method == "GET" else request.form.get("secret")
    expected = settings.password or settings.login_token
    if not compare_digest((supplied or "").encode(), expected.encode()):
        message = (gettext("Wrong password.") if settings.password else
                   gettext("That login token is not valid. Use the URL printed when the console started."))
        return _login_page(next_url, message, HTTPStatus.UNAUTHORIZED)
    session.clear()
    session.permanent = True
    session[SIGNED_IN_AT] = time.time()
    session[SESSION_ID] = secrets.token_urlsafe(18)
    return redirect(next_url, HTTPStatus.SEE_OTHER)


def _login_page(next_url: str, error: str | None = None,
                status: HTTPStatus = HTTPStatus.OK) -> tuple[str, HTTPStatus]:
    settings = _settings()
    return render_template("auth/login.html", next_url=next_url, error=error,
                           uses_password=bool(settings.password)), status


@bp.post("/logout")
def logout() -> Response:
    """End the session, for good: its id is recorded as signed out before the answer, so the
    old cookie — sent back by a response still in flight, or copied — never signs in again."""
    signed_in_at, session_id = session.get(SIGNED_IN_AT), session.get(SESSION_ID)
    if isinstance(session_id, str) and isinstance(signed_in_at, (int, float)):
        current_app.extensions["signed_out"].add(
            session_id, signed_in_at + _settings().session_max_hours * 3600)
    session.clear()
    flash(gettext("You are signed out."), "info")
    return see_other(url_for("auth.login"))
