"""Helpers every view uses: one URL serving a page or its htmx fragment, redirects, errors."""
from __future__ import annotations

import re
from http import HTTPStatus
from urllib.parse import urlsplit

from flask import Response, make_response, redirect, render_template, request
from flask_babel import gettext

from webapp.aws.errors import N_, ConsoleError


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


# How webapp.aws names the resource a call was about ("Table Orders"), each with its phrase in
# the user's language ("Orders 테이블"): the kind is a word to translate, the names are AWS's.
_NAME = r"(?P<name>\S+)"
RESOURCE_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), phrase) for pattern, phrase in (
        (r"stage (?P<name>\S+) of REST API (?P<api>\S+)", N_("stage %(name)s of REST API %(api)s")),
        (r"resource (?P<name>\S+) of REST API (?P<api>\S+)",
         N_("resource %(name)s of REST API %(api)s")),
        (r"version (?P<name>\S+) of Lambda function (?P<function>\S+)",
         N_("version %(name)s of Lambda function %(function)s")),
        (r"(?P<method>[A-Z]+) on resource (?P<name>\S+)", N_("%(method)s on resource %(name)s")),
        (r"Table " + _NAME, N_("Table %(name)s")),
        (r"table " + _NAME, N_("table %(name)s")),
        (r"Lambda function " + _NAME, N_("Lambda function %(name)s")),
        (r"function " + _NAME, N_("function %(name)s")),
        (r"version " + _NAME, N_("version %(name)s")),
        (r"IAM role " + _NAME, N_("IAM role %(name)s")),
        (r"IAM policy " + _NAME, N_("IAM policy %(name)s")),
        (r"IAM user " + _NAME, N_("IAM user %(name)s")),
        (r"IAM group " + _NAME, N_("IAM group %(name)s")),
        (r"inline policy " + _NAME, N_("inline policy %(name)s")),
        (r"REST API " + _NAME, N_("REST API %(name)s")),
        (r"resource " + _NAME, N_("resource %(name)s")),
        (r"stage " + _NAME, N_("stage %(name)s")),
        (r"Log group " + _NAME, N_("Log group %(name)s")),
        (r"log group " + _NAME, N_("log group %(name)s")),
    ))


def resource_phrase(resource: str) -> str:
    """The resource as webapp.aws described it, its kind in the user's language."""
    for pattern, phrase in RESOURCE_PHRASES:
        found = pattern.fullmatch(resource)
        if found:
            return gettext(phrase, **found.groupdict())
    return resource


def error_text(err: ConsoleError) -> str:
    """The error's message in the user's language; AWS's own words stay as AWS wrote them."""
    params = dict(err.params)
    action = params.get("action")
    if isinstance(action, str):  # an N_-marked phrase from webapp.aws
        params["action"] = gettext(action)
    resource = params.get("resource")
    if isinstance(resource, str):  # "Table Orders", as webapp.aws names what it was about
        params["resource"] = resource_phrase(resource)
    return gettext(err.template, **params)
