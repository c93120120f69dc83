"""One blueprint per area of the console."""
from __future__ import annotations

from flask import Flask, current_app, session

from ..aws import clients
from ..aws.regions import list_regions
from ..i18n import LANGUAGES, select_language
from . import apis, auth, dashboard, errors, functions, iam, logs, preferences, tables, wizard
from . import sandbox_state
from . import function_settings  # noqa: F401  (adds its routes to functions.bp)
from . import function_metrics  # noqa: F401  (adds its routes to functions.bp)
from . import item_editor, table_import, table_items  # noqa: F401  (routes on tables.bp)
from . import iam_policies, iam_roles, policy_builder  # noqa: F401  (routes on iam.bp)
from . import wizard_teardown  # noqa: F401  (adds its routes to wizard.bp)
from . import wizard_export  # noqa: F401  (adds its routes to wizard.bp)
from .navigation import nav_items
from .preferences import REGION_KEY
from .rendering import error_text


def register_blueprints(app: Flask) -> None:
    """Register every area, the error pages and what every template needs."""
    for module in (auth, dashboard, preferences, tables, iam, functions, apis, logs, wizard,
                   sandbox_state):
        app.register_blueprint(module.bp)
    errors.init_app(app)
    app.before_request(_use_session_region)
    app.context_processor(_template_globals)


def _use_session_region() -> None:
    clients.set_region(session.get(REGION_KEY))


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
