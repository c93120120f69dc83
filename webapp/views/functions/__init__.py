"""Lambda pages under /functions: functions, their settings and code, test events, metrics."""
from __future__ import annotations

from flask import Blueprint

from webapp.views.functions import deletion, metrics, pages, settings


def blueprint() -> Blueprint:
    """The Lambda area; every route with a function name 404s on a name Lambda refuses.

    The function's page is drawn by several children, so the sections and the metrics panel
    they fill in reach its template through the area's context processors.
    """
    area = Blueprint("lambda", __name__, url_prefix="/functions")
    area.before_request(pages.refuse_impossible_names)  # after the app's own sign-in check
    area.context_processor(settings.function_sections_context)
    area.context_processor(metrics.metrics_panel_context)
    for part in (pages, settings, metrics, deletion):
        area.register_blueprint(part.bp)
    return area
