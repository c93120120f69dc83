"""The setup wizard's pages: the steps, each with its form, planned calls and what it made.

Progress lives in the wizard's record on the server (webapp/wizard/record.py), one per backend,
account and region, so leaving and coming back, from this browser or another, resumes at the
first step not done. Other wizard views (tear down, export) add routes to `bp`.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.aws.errors import ConsoleError
from webapp.wizard import live_check, preview, steps
from webapp.wizard.function_code import wizard_runtimes
from webapp.wizard.model import Made, Plan
from webapp.wizard.record import Notice, WizardRecord, WizardState, current_key
from webapp.views.wizard import forms as wizard_forms
from webapp.views.rendering import error_text, render_view, see_other
from webapp.views.wizard.artifacts import artifacts

bp = Blueprint("pages", __name__)

# Where a console before the record kept the wizard's progress: read once, then moved.
SESSION_KEY = "wizard"
RECORD_EXTENSION = "wizard_record"


def wizard_record() -> WizardRecord:
    """The app's record file (WIZARD_RECORD_FILE), opened on first use."""
    record = current_app.extensions.get(RECORD_EXTENSION)
    if record is None:
        record = WizardRecord(Path(current_app.config["SETTINGS"].wizard_record_file))
        current_app.extensions[RECORD_EXTENSION] = record
    return record


def load_state() -> tuple[Plan, Made, list[str]]:
    """The recorded plan, what was made, and the keys of the steps done (in order)."""
    loaded = wizard_record().load(current_key())
    _tell(loaded.notice)
    state = loaded.state
    if state is None and isinstance(session.get(SESSION_KEY), dict):
        state = WizardState.from_json(json.dumps(session[SESSION_KEY]))
        if state is not None:
            save_state(state.plan, state.made, state.done)
        session.pop(SESSION_KEY, None)
    state = state or WizardState()
    return state.plan, state.made, state.done


def save_state(plan: Plan, made: Made, done: list[str], *, forget: Iterable[str] = ()) -> None:
    """Keep the wizard's progress in its record (less the identities in `forget`)."""
    _tell(wizard_record().save(current_key(), WizardState(plan, made, list(done)), forget=forget))


def _tell(notice: Notice | None) -> None:
    if notice is not None:
        flash(gettext(notice.message, **notice.params), "error")


@bp.get("/")
def index() -> ResponseReturnValue:
    """The wizard's steps and where the user stands."""
    plan, made, done = load_state()
    return render_view("wizard/index.html", None, plan=plan, made=made, done=done,
                       steps=steps.STEPS, next_key=steps.first_undone(done),
                       check_results=_check_results())


CHECK_KEY = "check"  # the live check, after the steps that make things
CHECK_SESSION_KEY = "wizard_check"


def _check_results() -> list[live_check.CheckCall]:
    stored = session.get(CHECK_SESSION_KEY)
    if not isinstance(stored, list):
        return []
    try:
        return [live_check.CheckCall.from_dict(entry) for entry in stored]
    except (KeyError, TypeError, ValueError):
        return []


def _page(key: str, plan: Plan, made: Made, done: list[str], *, typed: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, problem: str | None = None,
          status: HTTPStatus = HTTPStatus.OK) -> ResponseReturnValue:
    current = steps.step(key) if key != CHECK_KEY else None
    return render_view(
        "wizard/step.html", None, key=key, current=current, steps=steps.STEPS, check_key=CHECK_KEY,
        plan=plan, made=made, done=done, typed=typed or {}, errors=errors or {}, problem=problem,
        calls=current.calls(plan, made) if current else [], artifacts=artifacts(made),
        found=preview.existing(key, plan, made) if current and key not in done else [],
        policy_document=_policy_json(made) if key == "access" else None,
        check_results=_check_results(), choices=_choices(),
        next_key=_next_key(key)), status


def _policy_json(made: Made) -> str | None:
    """The least-privilege document the access step makes, once the table's ARN is known."""
    if not made.table_arn:
        return None
    return json.dumps(steps.table_policy(made.table_arn), indent=2)


def _next_key(key: str) -> str:
    keys = [*steps.STEP_KEYS, CHECK_KEY]
    return keys[min(keys.index(key) + 1, len(keys) - 1)]


def _choices() -> dict[str, object]:
    return {"runtimes": wizard_runtimes(), "endpoint_types": wizard_forms.WIZARD_ENDPOINT_TYPES,
            "logging_levels": wizard_forms.LOGGING_LEVELS}


@bp.get("/step/<key>")
def step_page(key: str) -> ResponseReturnValue:
    """One step: its form, the calls it makes, and what it made."""
    if key not in (*steps.STEP_KEYS, CHECK_KEY):
        abort(HTTPStatus.NOT_FOUND)
    plan, made, done = load_state()
    return _page(key, plan, made, done)


@bp.get("/resume")
def resume() -> ResponseReturnValue:
    """On to the first step not done yet (the live check when all are)."""
    _, _, done = load_state()
    return see_other(url_for("wizard.pages.step_page", key=steps.first_undone(done) or CHECK_KEY))


@bp.post("/step/<key>")
def run_step(key: str) -> ResponseReturnValue:
    """Take the step's answers, then make what the step makes; on to the next step."""
    if key not in steps.STEP_KEYS:
        abort(HTTPStatus.NOT_FOUND)
    plan, made, done = load_state()
    updated, errors = wizard_forms.parse_step_form(key, request.form, plan)
    typed = wizard_forms.typed_values(key, request.form)
    if errors:
        return _page(key, plan, made, done, typed=typed, errors=errors,
                     status=HTTPStatus.UNPROCESSABLE_ENTITY)
    done = steps.undone_by(plan, updated, done)
    blocked = next((earlier for earlier in steps.STEP_KEYS[:steps.STEP_KEYS.index(key)]
                    if earlier not in done), None)
    if blocked is not None:
        save_state(updated, made, done)
        return _page(key, updated, made, done, typed=typed, problem=gettext(
            "Do the step “%(step)s” first: this one builds on it.",
            step=gettext(steps.step(blocked).title)), status=HTTPStatus.UNPROCESSABLE_ENTITY)
    working = Made.from_dict(made.to_dict())  # the step records into it as it goes
    try:
        made = steps.step(key).run(updated, working)
    except ConsoleError as err:
        made = working  # what the step made before it failed stays known (and torn down)
        save_state(updated, made, done)  # keep the answers too
        message = error_text(err)
        field = err.field if err.field in steps.step(key).inputs else None
        return _page(key, updated, made, done, typed=typed,
                     errors={field: message} if field else None,
                     problem=None if field else message, status=HTTPStatus.UNPROCESSABLE_ENTITY)
    done = [*done, key] if key not in done else done
    session.pop(CHECK_SESSION_KEY, None)
    save_state(updated, made, done)
    flash(gettext("Done: %(step)s.", step=gettext(steps.step(key).title)), "info")
    return see_other(url_for("wizard.pages.step_page", key=_next_key(key)))


@bp.post("/check")
def run_check() -> ResponseReturnValue:
    """Call the deployed stage: create, read and list items."""
    plan, made, done = load_state()
    missing = steps.first_undone(done)
    if missing is not None:
        return _page(CHECK_KEY, plan, made, done, problem=gettext(
            "Do the step “%(step)s” first: the check calls what the steps made.",
            step=gettext(steps.step(missing).title)), status=HTTPStatus.UNPROCESSABLE_ENTITY)
    try:
        results = live_check.run_check(plan, made)
    except ConsoleError as err:
        return _page(CHECK_KEY, plan, made, done, problem=error_text(err),
                     status=HTTPStatus.UNPROCESSABLE_ENTITY)
    session[CHECK_SESSION_KEY] = [call.to_dict() for call in results]
    return see_other(url_for("wizard.pages.step_page", key=CHECK_KEY))


@bp.post("/attach-policy")
def attach_policy() -> ResponseReturnValue:
    """The tutorial's fix: attach the table policy to the function's role."""
    plan, made, done = load_state()
    try:
        made = steps.attach_table_policy(plan, made)
    except ConsoleError as err:
        return _page(CHECK_KEY, plan, made, done, problem=error_text(err),
                     status=HTTPStatus.UNPROCESSABLE_ENTITY)
    save_state(plan, made, done)
    session.pop(CHECK_SESSION_KEY, None)
    flash(gettext("Attached %(policy)s to %(role)s. Run the check again.",
                  policy=plan.policy_name, role=made.role_name or ""), "info")
    return see_other(url_for("wizard.pages.step_page", key=CHECK_KEY))
