"""Region and language, kept for the session."""
from __future__ import annotations

from flask import Blueprint, flash, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.aws.regions import is_region
from webapp.i18n import LANGUAGES
from webapp.i18n import SESSION_KEY as LANGUAGE_KEY
from webapp.views.rendering import safe_next, see_other

bp = Blueprint("preferences", __name__, url_prefix="/preferences")

REGION_KEY = "region"


def _back() -> str:
    return safe_next(request.form.get("next"), url_for("dashboard.index"))


@bp.post("/region")
def set_region() -> ResponseReturnValue:
    """Use another region for the rest of the session."""
    region = request.form.get("region", "")
    if is_region(region):
        session[REGION_KEY] = region
    else:
        flash(gettext("%(region)s is not an AWS region.", region=region), "error")
    return see_other(_back())


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    """Show the console in another language for the rest of the session."""
    language = request.form.get("language", "")
    if language in LANGUAGES:
        session[LANGUAGE_KEY] = language
    else:
        flash(gettext("That language is not available."), "error")
    return see_other(_back())
