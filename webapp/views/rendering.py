"""Helpers every view uses: one URL serving a page or its htmx fragment, redirects, errors."""
from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlsplit

from flask import Response, make_response, redirect, render_template, request
from flask_babel import gettext

from webapp.aws.errors import ConsoleError


def wants_fragment() -> bool:
    """True when htmx asked for a piece of a page rather than a whole one."""
    headers = request.headers
    return bool(
        headers.get("HX-Request")
        and not headers.get("HX-History-Restore-Request")
        and not headers.get("HX-Boosted")
    )


def render_view(page_template: str, fragment_template: str | None = None,
                **context: object) -> Response:
    """Render the fragment for htmx, else the full page that includes it."""
    use_fragment = fragment_template and wants_fragment()
    template = fragment_template if use_fragment else page_template
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def see_other(url: str) -> Response:
    """Send the browser on after a change: 303 for a form, HX-Location for htmx."""
    if request.headers.get("HX-Request"):
        response = make_response("", HTTPStatus.NO_CONTENT)
        response.headers["HX-Location"] = url
        return response
    return redirect(url, HTTPStatus.SEE_OTHER)


def safe_next(candidate: str | None, default: str) -> str:
    """A local path to return to; anything pointing off this console becomes `default`."""
    if not candidate:
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not candidate.startswith("/") or candidate.startswith("//"):
        return default
    if "\\" in candidate:
        return default
    return candidate


def error_text(err: ConsoleError) -> str:
    """The error's message in the user's language; AWS's own words stay as AWS wrote them."""
    params = dict(err.params)
    action = params.get("action")
    if isinstance(action, str):  # an N_-marked phrase from webapp.aws
        params["action"] = gettext(action)
    return gettext(err.template, **params)
