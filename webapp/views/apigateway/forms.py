"""Parsing and checking the API Gateway forms: what the user typed in, values and errors out."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from webapp import json_nesting
from webapp.aws.apigateway.calls import HttpRequest
from webapp.aws.apigateway.cloudwatch_logging import LOG_LEVELS
from webapp.aws.apigateway.methods import (
    AUTHORIZATION_TYPES, HTTP_METHODS, INTEGRATION_KINDS, NewMethod,
)
from webapp.aws.apigateway.resources import Resource
from webapp.aws.apigateway.rest_apis import ENDPOINT_TYPES
from webapp.aws.iam import roles

API_NAME_MAX = 128
STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
STAGE_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
STAGE_VARIABLE_VALUE = re.compile(r"^[A-Za-z0-9\-._~:/?#&=,]{0,512}$")
QUALIFIER = re.compile(r"^(?:\$LATEST|[0-9]+|[A-Za-z0-9_-]{1,128})$")
LAMBDA_FUNCTION_ARN = re.compile(r"^arn:aws[\w-]*:lambda:[^:]+:\d{12}:function:[A-Za-z0-9_-]{1,64}$")
LOG_GROUP_NAME = re.compile(r"^[A-Za-z0-9_\-/.#]{1,512}$")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
DEFAULT_ACCESS_FORMAT = ('{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
                         '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
                         '"resourcePath":"$context.resourcePath","status":"$context.status",'
                         '"responseLength":"$context.responseLength"}')


@dataclass
class CreateApiForm:
    """The create-API form as typed, and what is wrong with it."""

    name: str = ""
    description: str = ""
    endpoint_type: str = "REGIONAL"
    errors: dict[str, str] = field(default_factory=dict)


def parse_create_api_form(form: MultiDict[str, str]) -> CreateApiForm:
    """Read the create-API form; errors keyed by field name."""
    parsed = CreateApiForm(form.get("name", "").strip(), form.get("description", "").strip(),
                           form.get("endpoint_type", "REGIONAL"))
    if not 1 <= len(parsed.name) <= API_NAME_MAX:
        parsed.errors["name"] = gettext("Name the API with 1 to 128 characters.")
    if parsed.endpoint_type not in ENDPOINT_TYPES:
        parsed.errors["endpoint_type"] = gettext("Choose one of the endpoint types.")
    return parsed


@dataclass
class ResourceForm:
    """The create-resource form as typed."""

    parent_id: str = ""
    path_part: str = ""
    enable_cors: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def parse_resource_form(form: MultiDict[str, str], resources: list[Resource],
                        problem_of: Callable[[str, list[Resource]], str | None]) -> ResourceForm:
    """Read the create-resource form and check the path part as API Gateway would."""
    parsed = ResourceForm(form.get("parent_id", ""), form.get("path_part", "").strip(),
                          form.get("enable_cors") == "on")
    parent = next((item for item in resources if item.resource_id == parsed.parent_id), None)
    if parent is None:
        parsed.errors["parent_id"] = gettext("Choose the parent resource.")
        return parsed
    if parent.path.endswith("+}"):
        parsed.errors["parent_id"] = gettext(
            "A greedy {proxy+} resource matches everything below it, so it cannot have children.")
        return parsed
    siblings = [resource for resource in resources if resource.parent_id == parsed.parent_id]
    problem = problem_of(parsed.path_part, siblings)
    if problem:
        parsed.errors["path_part"] = gettext(problem)
    return parsed


@dataclass
class MethodForm:
    """The create-method form as typed."""

    http_method: str = "GET"
    authorization_type: str = "NONE"
    integration_kind: str = "lambda_proxy"
    function_arn: str = ""
    qualifier: str = ""
    http_url: str = ""
    request_template: str = ""
    response_template: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def spec(self) -> NewMethod:
        """The method to put, as the service layer takes it."""
        return NewMethod(self.http_method, self.authorization_type, self.integration_kind,
                         self.function_arn, self.qualifier, self.http_url, self.request_template,
                         self.response_template)

    @property
    def calls_lambda(self) -> bool:
        """True for both Lambda integrations."""
        return self.integration_kind in ("lambda_proxy", "lambda")


def parse_method_form(form: MultiDict[str, str]) -> MethodForm:
    """Read the create-method form; errors keyed by field name."""
    parsed = MethodForm(
        http_method=form.get("http_method", ""), authorization_type=form.get("authorization_type", "NONE"),
        integration_kind=form.get("integration_kind", "lambda_proxy"),
        function_arn=form.get("function_arn", "").strip(), qualifier=form.get("qualifier", "").strip(),
        http_url=form.get("http_url", "").strip(), request_template=form.get("request_template", ""),
        response_template=form.get("response_template", ""))
    errors = parsed.errors
    if parsed.http_method not in HTTP_METHODS:
        errors["http_method"] = gettext("Choose one of the HTTP methods.")
    if parsed.authorization_type not in AUTHORIZATION_TYPES:
        errors["authorization_type"] = gettext("Choose one of the authorization types.")
    elif parsed.authorization_type != "NONE":
        errors["authorization_type"] = gettext(
            "This console creates methods open to callers (NONE). Set up IAM, Cognito or Lambda "
            "authorizers in the API Gateway console or the AWS CLI, then attach them there.")
    if parsed.integration_kind not in INTEGRATION_KINDS:
        errors["integration_kind"] = gettext("Choose an integration type.")
    elif parsed.calls_lambda:
        if not LAMBDA_FUNCTION_ARN.match(parsed.function_arn):
            errors["function_arn"] = gettext("Choose a Lambda function.")
        if parsed.qualifier and not QUALIFIER.match(parsed.qualifier):
            errors["qualifier"] = gettext("Write a version number or an alias name, or leave it empty.")
    elif parsed.integration_kind == "http_proxy":
        parts = urlsplit(parsed.http_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors["http_url"] = gettext("Write the full URL, starting with http:// or https://.")
    return parsed


@dataclass
class DeployForm:
    """The deploy form: an existing stage or a new one, and a description."""

    stage_choice: str = ""
    new_stage_name: str = ""
    description: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def stage_name(self) -> str:
        """The stage the deployment goes to."""
        return self.new_stage_name if self.stage_choice == "" else self.stage_choice


def parse_deploy_form(form: MultiDict[str, str], stage_names: list[str]) -> DeployForm:
    """Read the deploy form; a new stage's name is checked as API Gateway checks it."""
    parsed = DeployForm(form.get("stage", ""), form.get("new_stage_name", "").strip(),
                        form.get("description", "").strip())
    if parsed.stage_choice and parsed.stage_choice not in stage_names:
        parsed.errors["stage"] = gettext("Choose one of the stages, or a new one.")
    elif not parsed.stage_choice and not STAGE_NAME.match(parsed.new_stage_name):
        parsed.errors["new_stage_name"] = gettext(
            "Name the new stage with 1 to 128 letters, digits, hyphens or underscores.")
    return parsed


@dataclass
class VariablesForm:
    """The stage-variables editor: NAME=value lines."""

    text: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def variables_text(variables: dict[str, str]) -> str:
    """Stage variables as the editor shows them."""
    return "\n".join(f"{name}={value}" for name, value in sorted(variables.items()))


def parse_variables_form(form: MultiDict[str, str]) -> VariablesForm:
    """NAME=value lines, checked as API Gateway checks stage variables."""
    parsed = VariablesForm(form.get("variables", ""))
    for number, line in enumerate(parsed.text.splitlines(), start=1):
        if not line.strip():
            continue
        name, separator, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not separator or not STAGE_VARIABLE_NAME.match(name):
            parsed.errors["variables"] = gettext(
                "Line %(number)s: write NAME=value; a name has 1 to 64 letters, digits or "
                "underscores.", number=number)
            return parsed
        if not STAGE_VARIABLE_VALUE.match(value):
            parsed.errors["variables"] = gettext(
                "Line %(number)s: a value may have up to 512 letters, digits and "
                "- . _ ~ : / ? # & = , only.", number=number)
            return parsed
        parsed.variables[name] = value
    return parsed


@dataclass
class LoggingForm:
    """The stage-logging form."""

    level: str = "OFF"
    access_enabled: bool = False
    log_group: str = ""
    access_format: str = DEFAULT_ACCESS_FORMAT
    errors: dict[str, str] = field(default_factory=dict)


def parse_logging_form(form: MultiDict[str, str]) -> LoggingForm:
    """Read the logging form; access logging needs a log group and a format."""
    parsed = LoggingForm(form.get("level", "OFF"), form.get("access_enabled") == "on",
                         form.get("log_group", "").strip(), form.get("access_format", "").strip())
    if parsed.level not in LOG_LEVELS:
        parsed.errors["level"] = gettext("Choose OFF, ERROR or INFO.")
    if parsed.access_enabled:
        if not LOG_GROUP_NAME.match(parsed.log_group):
            parsed.errors["log_group"] = gettext(
                "Write a log group name: letters, digits and _ - / . # only.")
        if "$context.requestId" not in parsed.access_format:
            parsed.errors["access_format"] = gettext(
                "The format must include $context.requestId, as API Gateway requires.")
    return parsed


@dataclass
class TestForm:
    """A request to send to a method: path parameters, query string, headers and a JSON body."""

    path_values: dict[str, str] = field(default_factory=dict)
    query: str = ""
    headers_text: str = ""
    body: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def request(self, http_method: str, resource_path: str) -> HttpRequest:
        """The request with the resource path's parameters filled in."""
        def fill(match: re.Match[str]) -> str:
            value = self.path_values.get(match[1], "")
            return value if match[0].endswith("+}") else quote(value, safe="")
        path = re.sub(r"\{([^}+]+)\+?\}", fill, resource_path)
        return HttpRequest(http_method, path, self.query, self.headers, self.body)


def parse_test_form(form: MultiDict[str, str], resource: Resource) -> TestForm:
    """Read the test form: every path parameter filled, headers as Name: value lines, JSON body."""
    parsed = TestForm({name: form.get(f"path_{name}", "").strip()
                       for name in resource.path_parameters},
                      form.get("query", "").strip().lstrip("?"), form.get("headers", ""),
                      form.get("body", ""))
    for name, value in parsed.path_values.items():
        if not value:
            parsed.errors[f"path_{name}"] = gettext("Give a value for {%(name)s}.", name=name)
    for number, line in enumerate(parsed.headers_text.splitlines(), start=1):
        if not line.strip():
            continue
        name, separator, value = line.partition(":")
        if not separator or not HEADER_NAME.match(name.strip()):
            parsed.errors["headers"] = gettext("Line %(number)s: write Name: value.", number=number)
            break
        parsed.headers[name.strip()] = value.strip()
    if parsed.body.strip():
        try:
            json_nesting.loads(parsed.body)
        except ValueError as err:
            parsed.errors["body"] = gettext("The body is not valid JSON: %(reason)s", reason=str(err))
    return parsed


@dataclass
class RoleArnForm:
    """The account's CloudWatch Logs role ARN, pasted or picked."""

    role_arn: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def parse_role_arn_form(form: MultiDict[str, str]) -> RoleArnForm:
    """Read the role ARN; it must be an IAM role's ARN."""
    parsed = RoleArnForm(form.get("role_arn", "").strip())
    if not roles.ROLE_ARN.match(parsed.role_arn):
        parsed.errors["role_arn"] = gettext(
            "Paste an IAM role's ARN, like arn:aws:iam::123456789012:role/apigateway-logs, or "
            "choose a role below.")
    return parsed
