"""The wizard's step forms: each step's fields of the Plan, as typed, with errors per field.

Only the fields of the step being submitted are read; the rest of the plan stays as it was.
Names are checked as AWS checks them, so a mistake is shown beside its field before any call.
"""
from __future__ import annotations

import re
from dataclasses import replace

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from webapp.aws.apigateway.rest_apis import ENDPOINT_TYPES
from webapp.aws.errors import N_, ConsoleError
from webapp.aws.functions.lambda_functions import MEMORY_RANGE_MB, TIMEOUT_RANGE_S
from webapp.aws.functions.runtimes import is_offered
from webapp.wizard.model import Plan
from webapp.wizard.steps import parse_test_items, step
from webapp.views.form_numbers import parse_whole_number
from webapp.views.rendering import error_text

LOGGING_LEVELS = ("INFO", "ERROR", "OFF")
# The plan lives in the session cookie (about 4 KB in all), so the test items stay small.
MAX_TEST_ITEMS_BYTES = 1500
WIZARD_ENDPOINT_TYPES = tuple(kind for kind in ENDPOINT_TYPES if kind != "PRIVATE")
_NAMES = {
    "table_name": (re.compile(r"^[A-Za-z0-9_.-]{3,255}$"),
                   N_("A table name has 3 to 255 letters, digits, underscores (_), hyphens (-) "
                      "and dots (.).")),
    "partition_key": (re.compile(r"^[^\x00-\x1f\x7f\s][^\x00-\x1f\x7f]{0,254}$"),
                      N_("Give the partition key's attribute name (up to 255 characters).")),
    "policy_name": (re.compile(r"^[A-Za-z0-9_+=,.@-]{1,128}$"),
                    N_("A policy name has 1 to 128 letters, digits and + = , . @ _ -.")),
    "role_name": (re.compile(r"^[A-Za-z0-9_+=,.@-]{1,64}$"),
                  N_("A role name has 1 to 64 letters, digits and + = , . @ _ -.")),
    "function_name": (re.compile(r"^[A-Za-z0-9_-]{1,64}$"),
                      N_("A function name has 1 to 64 letters, digits, hyphens (-) and "
                         "underscores (_).")),
    "api_name": (re.compile(r"^[^\x00-\x1f\x7f\s][^\x00-\x1f\x7f]{0,127}$"),
                 N_("Give the API a name: up to 128 characters, no line breaks or tabs.")),
    "stage_name": (re.compile(r"^[A-Za-z0-9_]{1,128}$"),
                   N_("A stage name has 1 to 128 letters, digits and underscores (_).")),
}


def typed_values(key: str, form: MultiDict[str, str]) -> dict[str, str]:
    """This step's fields exactly as typed, to show them again beside their errors."""
    return {name: form.get(name, "") for name in step(key).inputs}


def parse_step_form(key: str, form: MultiDict[str, str], plan: Plan) -> tuple[Plan, dict[str, str]]:
    """The plan with this step's fields as typed, and an error per field that is wrong."""
    fields = step(key).inputs
    errors: dict[str, str] = {}
    changes: dict[str, object] = {}
    for name in fields:
        if name in _NAMES:
            value = form.get(name, "").strip()
            changes[name] = value
            if not _NAMES[name][0].match(value):
                errors[name] = gettext(_NAMES[name][1])
    if "tutorial_way" in fields:
        changes["tutorial_way"] = form.get("tutorial_way") == "on"
    if "test_items" in fields:
        changes["test_items"] = form.get("test_items", "").replace("\r\n", "\n").strip()
        if len(changes["test_items"].encode()) > MAX_TEST_ITEMS_BYTES:
            errors["test_items"] = gettext(
                "Keep the test items under %(size)s bytes: they are a few examples, kept with "
                "your progress. Import more on the table's page afterwards.",
                size=MAX_TEST_ITEMS_BYTES)
    if "runtime" in fields:
        changes["runtime"] = form.get("runtime", "")
        if not is_offered(str(changes["runtime"])):
            errors["runtime"] = gettext("Choose one of the Node.js or Python runtimes offered.")
    for name, bounds in (("memory_mb", MEMORY_RANGE_MB), ("timeout_s", TIMEOUT_RANGE_S)):
        if name in fields:
            value = parse_whole_number(form.get(name), bounds[0], bounds[1])
            changes[name] = value if value is not None else getattr(plan, name)
            if value is None:
                errors[name] = gettext("Give a whole number from %(low)s to %(high)s.",
                                       low=bounds[0], high=bounds[1])
    if "endpoint_type" in fields:
        changes["endpoint_type"] = form.get("endpoint_type", "")
        if changes["endpoint_type"] not in WIZARD_ENDPOINT_TYPES:
            errors["endpoint_type"] = gettext("Choose Regional or Edge-optimized.")
    if "logging_level" in fields:
        changes["logging_level"] = form.get("logging_level", "")
        if changes["logging_level"] not in LOGGING_LEVELS:
            errors["logging_level"] = gettext("Choose INFO, ERROR or OFF.")
    updated = replace(plan, **{name: value for name, value in changes.items() if name in fields})
    if "test_items" in fields and not {"test_items", "partition_key"} & errors.keys():
        try:
            parse_test_items(updated.test_items, updated.partition_key)
        except ConsoleError as err:
            errors["test_items"] = error_text(err)
    return updated, errors
