"""Parsing and checking the Lambda forms: what the user typed in, values and errors out."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from flask_babel import gettext
from werkzeug.datastructures import FileStorage, MultiDict

from webapp import json_nesting, lambda_environment
from webapp.aws.functions import code_packages, runtimes
from webapp.aws.functions.code_packages import CodeTemplate
from webapp.aws.functions.lambda_functions import MEMORY_RANGE_MB, TIMEOUT_RANGE_S
from webapp.aws.functions.runtimes import DEFAULT_RUNTIME, PYTHON, Language
from webapp.views.functions.saved_events import EVENT_NAME
from webapp.views.form_numbers import parse_whole_number

FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HANDLER = re.compile(r"^[A-Za-z0-9_./-]+\.[A-Za-z_][A-Za-z0-9_]*$")
CODE_SOURCES = ("template", "zip", "inline")
NEW_BASIC_ROLE = "__new_basic_role__"
# lambda_code/'s Node.js templates are named for their Python counterparts: items-nodejs, items.
NODE_TEMPLATE_SUFFIX = "-nodejs"


@dataclass
class CreateFunctionForm:
    """The create form as typed, and what is wrong with it."""

    function_name: str = ""
    runtime: str = DEFAULT_RUNTIME
    handler: str = PYTHON.default_handler
    role: str = NEW_BASIC_ROLE
    memory_mb: str = "128"
    timeout_s: str = "3"
    environment_text: str = ""
    code_source: str = "template"
    template: str = "hello"
    inline_source: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def basic_role_name(self) -> str:
        """A role name in the AWS console's style: <function>-role-<random>."""
        return f"{self.function_name[:50]}-role-{secrets.token_hex(4)}"

    @property
    def language(self) -> Language:
        """The language of the chosen runtime."""
        return runtimes.language_of(self.runtime)


def read_create_form(form: MultiDict[str, str]) -> CreateFunctionForm:
    """The create form's values as typed, unchecked."""
    return CreateFunctionForm(
        function_name=form.get("function_name", "").strip(),
        runtime=form.get("runtime", DEFAULT_RUNTIME),
        handler=form.get("handler", PYTHON.default_handler).strip(),
        role=form.get("role", NEW_BASIC_ROLE),
        memory_mb=form.get("memory_mb", "128").strip(),
        timeout_s=form.get("timeout_s", "3").strip(),
        environment_text=form.get("environment", ""),
        code_source=form.get("code_source", "template"),
        template=form.get("template", "hello"),
        inline_source=form.get("inline_source", ""),
    )


def suit_runtime(form: CreateFunctionForm) -> None:
    """After a runtime was chosen: a handler left as a language's default becomes the chosen
    language's, and a template of the other language its counterpart (items ↔ items-nodejs)."""
    language = form.language
    if form.handler in {other.default_handler for other in runtimes.LANGUAGES} | {""}:
        form.handler = language.default_handler
    offered = templates_for(language)
    if any(template.name == form.template for template in offered) or not offered:
        return
    stem = form.template.removesuffix(NODE_TEMPLATE_SUFFIX)
    counterparts = [template.name for template in offered
                    if template.name.removesuffix(NODE_TEMPLATE_SUFFIX) == stem]
    form.template = counterparts[0] if counterparts else offered[0].name


def templates_for(language: Language) -> list[CodeTemplate]:
    """The templates the create form offers for runtimes of `language`."""
    return [template for template in code_packages.list_templates()
            if template.language == language]


def parse_create_form(form: MultiDict[str, str], upload: FileStorage | None) -> CreateFunctionForm:
    """Read the create form; errors keyed by field name."""
    parsed = read_create_form(form)
    errors = parsed.errors
    if not FUNCTION_NAME.match(parsed.function_name):
        errors["function_name"] = gettext(
            "Use 1 to 64 letters, digits, hyphens (-) or underscores (_).")
    if not runtimes.is_offered(parsed.runtime):
        errors["runtime"] = gettext("Choose one of the listed runtimes.")
    if not HANDLER.match(parsed.handler):
        errors["handler"] = gettext("Write the handler as module.function, e.g. %(example)s.",
                                    example=parsed.language.default_handler)
    if not parsed.role:
        errors["role"] = gettext("Choose an execution role, or let the console create one.")
    check_number(parsed.memory_mb, MEMORY_RANGE_MB, "memory_mb", gettext("Memory (MB)"), errors)
    check_number(parsed.timeout_s, TIMEOUT_RANGE_S, "timeout_s", gettext("Timeout (seconds)"), errors)
    parsed.environment = parse_environment(parsed.environment_text, errors)
    if parsed.code_source not in CODE_SOURCES:
        errors["code_source"] = gettext("Choose where the code comes from.")
    elif parsed.code_source == "zip" and (upload is None or not upload.filename):
        errors["code"] = gettext("Choose a .zip file to upload.")
    elif parsed.code_source == "inline" and not parsed.inline_source.strip():
        errors["inline_source"] = gettext("Write the function's code.")
    elif parsed.code_source == "template" and "runtime" not in errors:
        check_template(parsed)
    return parsed


def check_template(form: CreateFunctionForm) -> None:
    """A template runs only on its own language's runtimes, and only with its handler."""
    template = next((template for template in code_packages.list_templates()
                     if template.name == form.template), None)
    if template is None:
        return  # creating refuses it beside the field, naming it
    if template.language != form.language:
        form.errors["template"] = gettext(
            "%(template)s is %(language)s code, which cannot run on %(runtime)s: choose a "
            "%(runtime_language)s template, or a %(language)s runtime.",
            template=template.name, language=template.language.label, runtime=form.runtime,
            runtime_language=form.language.label)
    elif ("handler" not in form.errors
          and template.handler_file not in form.language.handler_candidates(form.handler)):
        form.errors["handler"] = gettext(
            "The %(template)s template's handler is %(handler)s: its code is in %(file)s.",
            template=template.name, handler=template.handler, file=template.handler_file)


def check_number(raw: str, bounds: tuple[int, int], name: str, label: str,
                 errors: dict[str, str]) -> None:
    """Record an error unless `raw` is a whole number within `bounds`."""
    low, high = bounds
    if parse_whole_number(raw, low, high) is None:
        errors[name] = gettext("%(label)s must be a whole number from %(low)s to %(high)s.",
                               label=label, low=low, high=high)


def parse_environment(text: str, errors: dict[str, str]) -> dict[str, str]:
    """KEY=value lines into a dict, checked as Lambda checks them."""
    variables: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, separator, value = line.partition("=")
        key = key.strip()
        if not separator or not lambda_environment.KEY.fullmatch(key):
            errors["environment"] = gettext(
                "Line %(number)s: write KEY=value; a key starts with a letter and has at least "
                "two letters, digits or underscores.", number=number)
            return variables
        if key in lambda_environment.RESERVED_KEYS:
            errors["environment"] = gettext(
                "Line %(number)s: Lambda reserves %(key)s and sets it itself.", number=number, key=key)
            return variables
        variables[key] = value.strip()
    if lambda_environment.measured_bytes(variables) > lambda_environment.MAX_BYTES:
        errors["environment"] = gettext("All variables together may take at most 4 KB.")
    return variables


@dataclass
class InvokeForm:
    """The invoke panel's event (and the name it is saved under), as typed."""

    event_text: str
    event_name: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    payload: bytes = b""


def parse_invoke_form(form: MultiDict[str, str]) -> InvokeForm:
    """The event must be JSON, nested no deeper than the console can read; it is sent as the
    user wrote it."""
    parsed = InvokeForm(event_text=form.get("event", "{}"), event_name=form.get("event_name", "").strip())
    try:
        json_nesting.loads(parsed.event_text or "{}")
    except ValueError as err:
        parsed.errors["event"] = gettext("The event is not valid JSON: %(reason)s", reason=str(err))
        return parsed
    parsed.payload = (parsed.event_text or "{}").encode()
    return parsed


def parse_save_event_form(form: MultiDict[str, str]) -> InvokeForm:
    """A test event to save: valid JSON under a name Lambda's console would accept."""
    parsed = parse_invoke_form(form)
    if not EVENT_NAME.match(parsed.event_name):
        parsed.errors["event_name"] = gettext(
            "Name the event with 1 to 25 letters, digits, hyphens or underscores.")
    return parsed
