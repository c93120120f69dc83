"""The session cookie: refreshed by what a person does, never by a page's background fetches.

The session is permanent with an idle lifetime, so Flask writes the cookie again on every answer
to keep it alive. A background fetch carries the cookie as it was when the fetch left; had its
answer re-written that cookie after a change the person made meanwhile, the change would be
lost. Two kinds of fetch are still out when a person acts on a page that has just loaded:
htmx loading a panel or polling a status (the dashboard's map), and the files the page uses,
above all its icon, which the browser asks for only after the page's load event (a language
chosen then came back in English on a loaded machine). Neither writes the cookie unless it
changes the session; the pages a person opens keep it alive.
"""
from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class ActionRefreshedSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, not re-sent with a static file or on an unchanged htmx GET."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.endpoint == "static" or (
                request.method == "GET" and request.headers.get("HX-Request") == "true"):
            return session.modified
        return super().should_set_cookie(app, session)
