"""The setup wizard's pages: the steps, each with its form, planned calls and what it made.

Progress lives in the user's session (Plan and Made as JSON), so leaving and coming back resumes
at the first step not done. Other wizard views (tear down, export) add routes to `bp`.
"""
from __future__ import annotations

from flask import Blueprint, session
from flask.typing import ResponseReturnValue

from ..wizard.model import Made, Plan
from .rendering import render_view

bp = Blueprint("wizard", __name__, url_prefix="/wizard")

SESSION_KEY = "wizard"


def load_state() -> tuple[Plan, Made, list[str]]:
    """The session's plan, what was made, and the keys of the steps done (in order)."""
    state = session.get(SESSION_KEY) or {}
    done = state.get("done") if isinstance(state, dict) else None
    return (Plan.from_dict(state.get("plan") if isinstance(state, dict) else None),
            Made.from_dict(state.get("made") if isinstance(state, dict) else None),
            [key for key in done if isinstance(key, str)] if isinstance(done, list) else [])


def save_state(plan: Plan, made: Made, done: list[str]) -> None:
    """Keep the wizard's progress in the session."""
    session[SESSION_KEY] = {"plan": plan.to_dict(), "made": made.to_dict(), "done": list(done)}


@bp.get("/")
def index() -> ResponseReturnValue:
    """The wizard's steps and where the user stands."""
    plan, made, done = load_state()
    return render_view("wizard/index.html", None, plan=plan, made=made, done=done)
