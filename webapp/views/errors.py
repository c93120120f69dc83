"""Error pages: a message a person can act on, never a stack trace."""
from __future__ import annotations

from http import HTTPStatus

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, TooManyRequests

from webapp.aws.errors import ConsoleError, Unreachable
from webapp.views.rendering import error_text


def _page(title: str, message: str, status: int, reconnect: bool = False) -> ResponseReturnValue:
    return render_template("error.html", title=title, message=message, status=status,
                           reconnect=reconnect), status


def csrf_refused(err: CSRFError) -> ResponseReturnValue:
    """A change without a valid CSRF token changes nothing and says why."""
    return _page(gettext("Request refused"), gettext(
        "This request did not carry a valid security token (CSRF), so nothing was changed. "
        "Reload the page and try again."), HTTPStatus.BAD_REQUEST)


def too_many_requests(err: TooManyRequests) -> ResponseReturnValue:
    """Too many login attempts from one address."""
    return _page(gettext("Too many attempts"), gettext(
        "Too many login attempts. Wait a minute, then try again."), HTTPStatus.TOO_MANY_REQUESTS)


def console_error(err: ConsoleError) -> ResponseReturnValue:
    """An AWS failure no view handled: show its message, keep the console usable."""
    status = err.status
    # A page that could not reach AWS reloads itself once it answers again (not a form's POST,
    # which the browser would send twice).
    reconnect = isinstance(err, Unreachable) and request.method == "GET"
    return _page(gettext("AWS request failed"), error_text(err), status, reconnect)


def http_error(err: HTTPException) -> ResponseReturnValue:
    """404, 405 and friends in the console's own look."""
    return _page(f"{err.code} {err.name}", err.description or "", err.code or 500)


def internal_error(err: Exception) -> ResponseReturnValue:
    """An unexpected failure: logged with its trace, shown without it."""
    return _page(gettext("Something went wrong"), gettext(
        "The console hit an unexpected error; it is in the console's log. Reload the page to "
        "try again."), HTTPStatus.INTERNAL_SERVER_ERROR)


def init_app(app: Flask) -> None:
    """Register the error pages."""
    app.register_error_handler(CSRFError, csrf_refused)
    app.register_error_handler(TooManyRequests, too_many_requests)
    app.register_error_handler(ConsoleError, console_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(HTTPStatus.INTERNAL_SERVER_ERROR, internal_error)
