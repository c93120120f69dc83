"""The console's pages: one area per AWS service, plus sign-in, the dashboard and preferences.

Each service area is a package that builds its blueprint (`blueprint()`), with one child
blueprint per file of routes; `register_areas` is the list of areas, in the navigation's order.
"""
from __future__ import annotations

from flask import Flask, current_app, g, session

from webapp.aws import clients
from webapp.aws.regions import list_regions
from webapp.i18n import LANGUAGES, select_language
from webapp.views import (
    apigateway, auth, dashboard, dynamodb, errors, functions, iam, logs, preferences,
    sandbox_state, stack_map, wizard,
)
from webapp.views.navigation import nav_items
from webapp.views.preferences import REGION_KEY
from webapp.views.rendering import error_text


def register_areas(app: Flask) -> None:
    """Register every area, the error pages and what every request and template needs."""
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(stack_map.bp)
    app.register_blueprint(preferences.bp)
    app.register_blueprint(dynamodb.blueprint())
    app.register_blueprint(iam.blueprint())
    app.register_blueprint(functions.blueprint())
    app.register_blueprint(apigateway.blueprint())
    app.register_blueprint(logs.blueprint())
    app.register_blueprint(wizard.blueprint())
    app.register_blueprint(sandbox_state.bp)
    errors.init_app(app)
    app.before_request(_use_app_clients)
    app.teardown_request(_stop_using_app_clients)
    app.context_processor(_template_globals)


def _use_app_clients() -> None:
    """Serve this request's AWS calls with the app's clients, in the session's region."""
    g.aws_serving = clients.serve(current_app.extensions["aws"], session.get(REGION_KEY))


def _stop_using_app_clients(error: BaseException | None) -> None:
    serving = g.pop("aws_serving", None)
    if serving is not None:
        clients.stop_serving(serving)


def _template_globals() -> dict[str, object]:
    settings = current_app.config["SETTINGS"]
    return {
        "nav_items": nav_items(settings.backend),
        "region_options": [{"code": region.code, "label": f"{region.code} · {region.description}"}
                           for region in list_regions()],
        "current_region": clients.current_region(),
        "languages": LANGUAGES,
        "language_options": [{"code": code, "label": label} for code, label in LANGUAGES.items()],
        "current_language": select_language(),
        "backend": settings.backend,
        "error_text": error_text,
    }
