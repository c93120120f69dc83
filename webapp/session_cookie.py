"""The session cookie: refreshed by the pages a person opens and by what changes the session.

The session is permanent with an idle lifetime, so Flask writes the cookie again on every answer
to keep it alive. A fetch carries the cookie as it was when it left; had its answer re-written
that cookie after a change the person made meanwhile, the change would be lost. Three kinds of
fetch can still be out when a person acts on a page:
- htmx loading a panel or polling a status (the dashboard's map);
- htmx sending a form to preview it (a role's review, redrawn as its name is typed, goes out
  on leaving the field, side by side with the Create the person then clicks, whose notice it
  could have dropped);
- the files the page uses, above all its icon, which the browser asks for only after the page's
  load event (a language chosen then came back in English on a loaded machine).
None of them writes the cookie unless it changes the session; the pages a person opens, and
every answer that changes the session, keep it alive.
"""
from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class ActionRefreshedSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, re-sent with a static file or an htmx answer only when
    that request changed the session."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.endpoint == "static" or request.headers.get("HX-Request") == "true":
            return session.modified
        return super().should_set_cookie(app, session)
