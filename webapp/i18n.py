"""English and Korean through Flask-Babel: the user's choice, else the browser's language."""
from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel

LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
SESSION_KEY = "language"

babel = Babel()


def select_language() -> str:
    """The language kept in the session, else the best match for Accept-Language."""
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    """Attach Babel with the project's translation folder."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations"))
    babel.init_app(app, locale_selector=select_language)
