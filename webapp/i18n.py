"""English and Korean through Flask-Babel: the user's choice, else the browser's language.

Korean particles are fitted to the names they follow once the names are in: the catalogue writes
"%(name)s을(를)" and the reader sees "Table을" or "items를" (webapp.korean_particles). Flask-Babel
interpolates in two places, its Domain (gettext, ngettext and their lazy forms in Python) and
Jinja's newstyle callables (templates), so both are replaced by ones that fit the particles
first. English text has no markers and comes out unchanged.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, request, session
from flask_babel import Babel, Domain, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from werkzeug.utils import cached_property

from webapp.korean_particles import with_particles

LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
SESSION_KEY = "language"


class ParticleDomain(Domain):
    """Flask-Babel's message domain, fitting Korean particles to the values it interpolates."""

    def gettext(self, string: str, **variables: Any) -> str:
        text = self.get_translations().ugettext(string)
        return with_particles(text, variables) % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = self.get_translations().ungettext(singular, plural, num)
        return with_particles(text, variables) % variables


class ConsoleBabel(Babel):
    """Babel whose default domain is a ParticleDomain (what gettext and lazy_gettext use)."""

    @cached_property
    def domain_instance(self) -> Domain:
        return ParticleDomain(domain=self.domain)


babel = ConsoleBabel()


def select_language() -> str:
    """The language kept in the session, else the best match for Accept-Language."""
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def interpolated(context: Context, text: str, variables: dict[str, Any]) -> str:
    """As Jinja's newstyle gettext: always a format string, escaping the values under autoescape."""
    text = with_particles(text, variables)
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


@pass_context
def template_gettext(context: Context, message: str, /, **variables: Any) -> str:
    """`_()` and `gettext()` in templates."""
    return interpolated(context, get_translations().ugettext(message), variables)


@pass_context
def template_ngettext(context: Context, singular: str, plural: str, num: int, /,
                      **variables: Any) -> str:
    """`ngettext()` in templates; `num` is a value too, as in Jinja's own."""
    variables.setdefault("num", num)
    return interpolated(context, get_translations().ungettext(singular, plural, num), variables)


def init_app(app: Flask) -> None:
    """Attach Babel with the project's translation folder, and the templates' gettext."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations"))
    babel.init_app(app, locale_selector=select_language)
    app.jinja_env.globals.update(gettext=template_gettext, ngettext=template_ngettext)
