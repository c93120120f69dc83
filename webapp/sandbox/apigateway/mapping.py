"""Non-proxy integrations: AWS (Lambda) and MOCK, with mapping templates and response selection.

Request: the template for the request's Content-Type (a missing one counts as JSON) renders the
integration request; without one, passthroughBehavior decides (WHEN_NO_MATCH passes the body
through, WHEN_NO_TEMPLATES only when there are no templates at all, NEVER refuses) and a refusal
is 415 {"message": "Unsupported Media Type"}. MOCK answers the status code its rendered request
names (`{"statusCode": 200}`, 200 by default).

Response: Lambda function errors are matched by each integration response's selectionPattern
against errorMessage, MOCK status codes against the code; otherwise the response without a
pattern is the default. Its template (application/json first) renders the body,
responseParameters with 'literal' values set headers, and what the template set in
`$context.responseOverride` replaces the status and headers (overrides.py).
A template that fails (unreadable, a member that throws, over its budget: see vtl_budget) is
answered as API Gateway does, 500 {"message": "Internal server error"}, the execution log saying
"Unable to transform request" or "... response" and why. Templates reach $input and $util only
through the members exposed below (vtl_members' allow-list).
Not done: integration.response.header/body sources in responseParameters, request parameters,
models and validators, content handling (CONVERT_TO_BINARY/TEXT), HTTP integrations.
"""
import base64
import functools
import json
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from webapp.sandbox.apigateway import vtl, vtl_budget, vtl_members
from webapp.sandbox.apigateway.overrides import (Overrides, overridden_headers,
                                                 overridden_status, response_overrides)
from webapp.sandbox.apigateway.events import request_context, single_values
from webapp.sandbox.apigateway.execution import (INTERNAL_ERROR, Call, GatewayResponse,
                                                 json_response, log_method_response)
from webapp.sandbox.apigateway.lambda_proxy import call_function
from webapp.sandbox.apigateway.snapshots import IntegrationResponseSnapshot, IntegrationSnapshot
from webapp.sandbox.awslambda.service import LambdaService
from webapp.sandbox.linear_regex import LinearRegex, RegexError

JSON = "application/json"
UNSUPPORTED = {"message": "Unsupported Media Type"}
MOCK = "MOCK"
JSON_PATH_STEP = re.compile(r"\.(?P<name>[\w-]+)|\[(?P<index>\d+)\]|\['(?P<key>[^']*)'\]")
LITERAL_PARAMETER = re.compile(r"'(?P<value>.*)'", re.DOTALL)
HEADER_PARAMETER = "method.response.header."
# json.loads reads SCAN_CHARS characters in the time of about 32 template steps (measured).
PARSE_WEIGHT = 32
# What Java's URLEncoder leaves as it is, beyond letters and digits (Python's quote also keeps ~).
URL_SAFE = "*-._"
# Java's escapeJavaScript (commons-lang StringEscapeUtils): these characters and their escapes,
# other control characters as \uXXXX, and every character past ASCII as \uXXXX (uppercase hex).
JAVASCRIPT_ESCAPES = {"\b": "\\b", "\n": "\\n", "\t": "\\t", "\f": "\\f", "\r": "\\r",
                      "'": "\\'", '"': '\\"', "\\": "\\\\", "/": "\\/"}
ASCII_KEPT = range(0x20, 0x80)
NO_MATCH = ("Execution failed due to configuration error: No match for output mapping and no "
            "default output mapping configured. Endpoint Response Status Code: {status}")


class _TransformFailed(Exception):
    """A mapping template failed: which side it maps and, if the backend answered, its status."""

    def __init__(self, side: str, error: vtl.TemplateError, status: int | None) -> None:
        super().__init__(str(error))
        self.side = side
        self.status = status


def run_mapped(call: Call, service: LambdaService) -> GatewayResponse:
    """Map the request, call the backend, select and map the response."""
    integration = call.match.method.integration
    assert integration is not None
    try:
        return _run(call, integration, service)
    except _TransformFailed as failure:
        call.log.error(f"Execution failed due to configuration error: Unable to transform "
                       f"{failure.side}: {failure}")
        call.log.error(f"Method completed with status: {HTTPStatus.INTERNAL_SERVER_ERROR.value}")
        return json_response(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR,
                             INTERNAL_ERROR["message"], integration_status=failure.status)


def _run(call: Call, integration: IntegrationSnapshot, service: LambdaService) -> GatewayResponse:
    request_body = _integration_request(call, integration)
    if request_body is None:
        call.log.error(f"Method completed with status: "
                       f"{HTTPStatus.UNSUPPORTED_MEDIA_TYPE.value}")
        return json_response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, UNSUPPORTED,
                             UNSUPPORTED["message"])
    if integration.integration_type == MOCK:
        status = _mock_status(request_body)
        return _integration_response(call, integration, str(status), None, request_body)
    result, refusal = call_function(call, service, request_body.encode())
    if result is None:
        assert refusal is not None
        return refusal
    payload = result.payload.decode(errors="replace")
    error = _error_message(payload) if result.function_error else None
    return _integration_response(call, integration, str(int(result.status)), error, payload)


def template_variables(call: Call, body: str,
                       response_override: Overrides | None = None) -> dict[str, Any]:
    """What a template sees: $input, $util, $context (with $context.responseOverride in a
    response template), $stageVariables."""
    context: dict[str, Any] = request_context(call.request, call.match, call.stage)
    if response_override is not None:
        context["responseOverride"] = response_override
    return {"input": Input(call, body), "util": Util(), "context": context,
            "stageVariables": call.stage.variables or {}}


class Input:
    """$input: the body and parameters of the request (or, in responses, the backend's answer)."""

    def __init__(self, call: Call, body: str) -> None:
        self._call = call
        self.body = body
        self._document: Any = None
        self._parsed = False

    def json(self, path: str) -> str:
        """The JSON text at a JSONPath of the body."""
        return json.dumps(self.path(path))

    def path(self, path: str) -> Any:
        """The value at a JSONPath of the body (parsed once, however often a template asks)."""
        if not self._parsed:
            try:
                self._document = json.loads(self.body) if self.body else None
            except ValueError:
                self._document = None
            self._parsed = True
        return json_path(self._document, path)

    def params(self, name: str | None = None) -> Any:
        """One parameter (path, then query string, then header), or all of them."""
        request = self._call.request
        every = {"path": dict(self._call.match.path_parameters),
                 "querystring": single_values(request.query) or {},
                 "header": single_values(request.headers) or {}}
        if name is None:
            return every
        for source in ("path", "querystring", "header"):
            if name in every[source]:
                return every[source][name]
        return ""


class Util:
    """$util: functions of text, called as methods of the one $util object."""

    def escapeJavaScript(self, text: Any) -> str:  # noqa: N802 - VTL's name
        """The text escaped by JavaScript string rules as Java's escapeJavaScript does: quotes
        (single ones too, as API Gateway documents), backslash, slash, control characters and
        everything past ASCII."""
        source = vtl.to_text(text)
        vtl_budget.current().build(6 * len(source))
        return "".join(JAVASCRIPT_ESCAPES.get(char) or (
            char if ord(char) in ASCII_KEPT else _unicode_escape(char)) for char in source)

    def parseJson(self, text: str | None) -> Any:  # noqa: N802 - VTL's name
        """The JSON text as an object (paid for by the render's budget); nothing (null, or a
        blank text such as a missing parameter) parses to null."""
        if text is None or (type(text) is str and not text.strip()):
            return None
        vtl_budget.current().scan(len(text), PARSE_WEIGHT)
        return json.loads(text)

    def urlEncode(self, text: str) -> str:  # noqa: N802 - VTL's name
        """application/x-www-form-urlencoded, as Java's URLEncoder writes it."""
        return quote_plus(_string(text), safe=URL_SAFE).replace("~", "%7E")

    def urlDecode(self, text: str) -> str:  # noqa: N802 - VTL's name
        """The reverse of urlEncode."""
        return unquote_plus(_string(text))

    def base64Encode(self, text: str) -> str:  # noqa: N802 - VTL's name
        """Base64 of the UTF-8 text."""
        return base64.b64encode(_string(text).encode()).decode()

    def base64Decode(self, text: str) -> str:  # noqa: N802 - VTL's name
        """The text that base64 encodes."""
        return base64.b64decode(_string(text)).decode(errors="replace")


# Everything else of Input and Util (`_call`, dunders, Python's own methods) stays out of reach.
vtl_members.expose(Input, properties={"body": lambda value: value.body},
                   methods={"json": Input.json, "path": Input.path, "params": Input.params})
vtl_members.expose(Util, methods={
    "escapeJavaScript": Util.escapeJavaScript, "parseJson": Util.parseJson,
    "urlEncode": Util.urlEncode, "urlDecode": Util.urlDecode,
    "base64Encode": Util.base64Encode, "base64Decode": Util.base64Decode})


def _string(value: Any) -> str:
    """A text argument: anything else fits no signature of the Java method (the call is null)."""
    if type(value) is not str:
        raise TypeError("not a String")
    return value


def _unicode_escape(char: str) -> str:
    """\\uXXXX, in UTF-16 (two escapes past the Basic Multilingual Plane), as Java writes it."""
    units = char.encode("utf-16-be")
    return "".join(f"\\u{units[at] << 8 | units[at + 1]:04X}" for at in range(0, len(units), 2))


def json_path(document: Any, path: str) -> Any:
    """The value at a simple JSONPath: `$`, `$.a.b`, `$.a[0]`, `$['a']`."""
    if not path.startswith("$"):
        return None
    value = document
    for step in JSON_PATH_STEP.finditer(path[1:]):
        if step["index"] is not None:
            value = value[int(step["index"])] if isinstance(value, list) and int(
                step["index"]) < len(value) else None
        else:
            key = step["name"] if step["name"] is not None else step["key"]
            value = value.get(key) if isinstance(value, dict) else None
    return value


def _integration_request(call: Call, integration: IntegrationSnapshot) -> str | None:
    """The integration request body, or None when passthroughBehavior refuses the request."""
    body = call.request.body.decode(errors="replace")
    templates = integration.request_templates
    content_type = call.request.content_type
    if content_type in templates:
        template = templates[content_type]
        return _render(call, template, body, "request", None) if template else body
    behaviour = integration.passthrough_behavior
    if behaviour == "NEVER" or (behaviour == "WHEN_NO_TEMPLATES" and templates):
        call.log.error("Execution failed: Unsupported Media Type")
        return None
    return body


def _integration_response(call: Call, integration: IntegrationSnapshot, status: str,
                          error: str | None, payload: str) -> GatewayResponse:
    call.log.info(f"Endpoint response body before transformations: {payload}")
    selected = select_response(integration, status, error, integration.integration_type == MOCK)
    if selected is None:
        call.log.error(NO_MATCH.format(status=status))
        call.log.error(f"Method completed with status: {HTTPStatus.INTERNAL_SERVER_ERROR.value}")
        return json_response(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR,
                             INTERNAL_ERROR["message"], integration_status=int(status))
    if selected.status_code not in call.match.method.response_codes:
        call.log.error("Execution failed due to configuration error: Output mapping refers to "
                       f"an invalid method response: {selected.status_code}")
        call.log.error(f"Method completed with status: {HTTPStatus.INTERNAL_SERVER_ERROR.value}")
        return json_response(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR,
                             INTERNAL_ERROR["message"], integration_status=int(status))
    template = selected.response_templates.get(JSON) or next(
        (text for text in selected.response_templates.values() if text), None)
    overrides = response_overrides()
    body = (_render(call, template, payload, "response", int(status), overrides) if template
            else payload)
    headers = [("Content-Type", JSON)]
    for target, source in selected.response_parameters.items():
        literal = LITERAL_PARAMETER.fullmatch(source)
        if target.startswith(HEADER_PARAMETER) and literal:
            headers.append((target[len(HEADER_PARAMETER):], literal["value"]))
    try:
        method_status = overridden_status(overrides, int(selected.status_code))
    except vtl.TemplateError as err:
        raise _TransformFailed("response", err, int(status)) from None
    response = GatewayResponse(method_status, tuple(overridden_headers(overrides, headers)),
                               body.encode(), integration_status=int(status))
    log_method_response(call.log, response)
    return response


def select_response(integration: IntegrationSnapshot, status: str, error: str | None,
                    by_status: bool) -> IntegrationResponseSnapshot | None:
    """The integration response a backend answer selects, else the default (no pattern)."""
    subject = status if by_status else error
    default = None
    for response in integration.responses:
        pattern = response.selection_pattern
        if not pattern:
            default = default or response
        elif subject is not None and _selects(pattern, subject):
            return response
    return default


@functools.lru_cache(maxsize=256)
def _selection_regex(pattern: str) -> LinearRegex | None:
    try:
        return LinearRegex.whole(pattern)
    except RegexError:
        return None


def _selects(pattern: str, subject: str) -> bool:
    """Whether a selectionPattern matches the whole subject, in time linear in the subject:
    the pattern is the API owner's and the subject a Lambda error message anyone can cause, so
    a backtracking engine would let one request hold the sandbox. A pattern RE2 cannot run
    (backreferences, lookarounds) selects nothing."""
    regex = _selection_regex(pattern)
    return regex is not None and regex.found_in(subject)


def _render(call: Call, template: str, body: str, side: str, status: int | None,
            response_override: Overrides | None = None) -> str:
    try:
        return vtl.render(template, template_variables(call, body, response_override))
    except vtl.TemplateError as err:
        raise _TransformFailed(side, err, status) from None


def _mock_status(rendered: str) -> int:
    try:
        status = json.loads(rendered).get("statusCode", HTTPStatus.OK)
    except (ValueError, AttributeError):
        return HTTPStatus.OK
    return int(status) if str(status).isdigit() else HTTPStatus.OK


def _error_message(payload: str) -> str:
    try:
        answer = json.loads(payload)
    except ValueError:
        return payload
    return str(answer.get("errorMessage", "")) if isinstance(answer, dict) else payload
