"""The wizard's tear down: list everything it made, confirm, delete it and report each item."""
from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from flask import Blueprint, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.wizard import ownership, teardown
from webapp.wizard.model import Plan
from webapp.views.confirm_forms import ConfirmNameForm
from webapp.views.rendering import render_view
from webapp.views.wizard.pages import CHECK_SESSION_KEY, load_state, save_state

bp = Blueprint("teardown", __name__)

# Typing this word (or the API's name) confirms the tear down.
CONFIRM_WORD = "delete"


def parse_teardown_confirm(form: Mapping[str, str], plan: Plan) -> ConfirmNameForm:
    """The typed confirmation: "delete" or the API's name, exactly."""
    typed = form.get("confirm_name", "").strip()
    parsed = ConfirmNameForm(confirm_name=typed)
    if typed not in (CONFIRM_WORD, plan.api_name):
        parsed.errors["confirm_name"] = gettext(
            'Type "delete" or the API\'s name, %(api_name)s, to tear everything down.',
            api_name=plan.api_name)
    return parsed


@bp.get("/teardown")
def teardown_page() -> ResponseReturnValue:
    """What a tear down would delete and keep, with the confirmation form."""
    plan, made, _done = load_state()
    made = ownership.recognise(plan, made)
    return _list_page(plan, teardown.planned_deletions(plan, made), ConfirmNameForm(),
                      HTTPStatus.OK)


@bp.post("/teardown")
def tear_down() -> ResponseReturnValue:
    """Delete everything the wizard made once confirmed; show each item's result."""
    plan, made, _done = load_state()
    made = ownership.recognise(plan, made)
    planned = teardown.planned_deletions(plan, made)
    if not any(item.made_by_wizard for item in planned):
        return _list_page(plan, planned, ConfirmNameForm(), HTTPStatus.OK)
    form = parse_teardown_confirm(request.form, plan)
    if form.errors:
        return _list_page(plan, planned, form, HTTPStatus.UNPROCESSABLE_ENTITY)
    results = teardown.tear_down(plan, made)
    # What is gone is forgotten; the steps run again from the start (they adopt what is left).
    left_made = teardown.left_after(made, results)
    save_state(plan, left_made, [], forget=set(made.identities) - set(left_made.identities))
    session.pop(CHECK_SESSION_KEY, None)  # the live check's calls went to an API now gone
    left = [result for result in results if result.is_left]
    kept = [result for result in results if result.outcome == teardown.KEPT]
    return render_view("wizard/teardown.html", None, plan=plan, planned=planned, results=results,
                       left=left, kept=kept, form=form)


def _list_page(plan: Plan, planned: list[teardown.Deletion], form: ConfirmNameForm,
               status: HTTPStatus) -> ResponseReturnValue:
    to_delete = [item for item in planned if item.made_by_wizard]
    return render_view("wizard/teardown.html", None, plan=plan, planned=planned, results=None,
                       left=[], kept=[], to_delete=to_delete, form=form), status
