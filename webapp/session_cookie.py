"""The session cookie: refreshed by what a person does, never by a page's background fetches.

The session is permanent with an idle lifetime, so Flask writes the cookie again on every answer
to keep it alive. A background fetch (htmx loading a panel or polling a status) carries the
cookie as it was when the fetch left; had its answer re-written that cookie after a change the
person made meanwhile (a language chosen while the dashboard's map still loads), the change
would be lost. Background GETs therefore leave the cookie alone unless they change the session.
"""
from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class ActionRefreshedSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, not re-sent on an unchanged htmx GET."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.method == "GET" and request.headers.get("HX-Request") == "true":
            return session.modified
        return super().should_set_cookie(app, session)
