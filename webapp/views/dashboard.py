"""The dashboard: which backend, region and account, and how many of each resource."""
from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, current_app, make_response
from flask.typing import ResponseReturnValue

from webapp.aws import clients
from webapp.aws.account import get_caller_identity
from webapp.aws.errors import ConsoleError, Unreachable
from webapp.aws.overview import account_overview
from webapp.aws.sandbox_state import sandbox_warnings
from webapp.views.navigation import RESOURCE_TILES
from webapp.views.rendering import render_view

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Show the connection and the resource counts, or a banner saying what is wrong."""
    settings = current_app.config["SETTINGS"]
    overview = account_overview()
    sandbox = (sandbox_warnings(settings.endpoint_url)
               if settings.backend == "sandbox" and settings.endpoint_url else None)
    return render_view(
        "dashboard/index.html",
        "dashboard/fragments/overview.html",
        overview=overview,
        reconnect=isinstance(overview.problem, Unreachable),
        backend=settings.backend,
        region=clients.current_region(),
        endpoint=settings.endpoint_url,
        resource_areas=RESOURCE_TILES,
        sandbox=sandbox,
    )


@bp.get("/reachable")
def reachable() -> ResponseReturnValue:
    """Polled by a page that could not reach AWS: once it answers, htmx reloads that page."""
    response = make_response("", HTTPStatus.NO_CONTENT)
    try:
        get_caller_identity()
    except ConsoleError:
        return response  # still away: the page keeps polling
    response.headers["HX-Refresh"] = "true"
    return response
