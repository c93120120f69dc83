"""Stage variables within API Gateway's quotas and character rules, checked before moto.

moto took any stage variables: 100,000 of them were accepted, and every call of the stage then
paid for copying them into its event (50 times slower). AWS's REST API quotas allow 100 stage
variables per stage, names of at most 64 characters and values of at most 512; the API reference
(CreateStage, CreateDeployment: `variables`) says names hold alphanumerics and underscores and
values must match [A-Za-z0-9-._~:/?#&=,]+.

CreateStage and CreateDeployment (their `variables`) and UpdateStage (patch operations on
`/variables/<name>`, applied to the stage's current variables) are refused with 400
BadRequestException when the stage would break a rule. The texts for a bad name or value are
AWS's own; AWS's texts for the three quotas were not found, so those say the quota plainly.
"""
import re
from typing import Any

from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.apigateway.exceptions import BadRequestException
from webapp.sandbox.apigateway.request_body import json_object
from webapp.sandbox.apigateway.snapshots import find_api
from webapp.sandbox.apigateway.unknown_api import missing_api
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

MAX_VARIABLES = 100
MAX_NAME_LENGTH = 64
MAX_VALUE_LENGTH = 512
NAME = re.compile(r"[A-Za-z0-9_]+")
VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]+")
# AWS's texts (its odd quoting included) for a name or a value that breaks the character rules.
BAD_NAME = "Invalid stage variable name: {name}.  Please use names with only word characters."
BAD_VALUE = ("Invalid stage variable value: {value}.  Please use values with alphanumeric "
             "characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','.")
VARIABLE_PREFIX = "/variables/"
STAGE_PATH = re.compile(r"/restapis/(?P<api_id>[^/]+)/stages/(?P<stage_name>[^/]+)/?")


# The operations whose handler here answers unknown APIs too (unknown_api.py).
HANDLED_OPERATIONS = ("CreateStage", "CreateDeployment")


def register(dispatcher: Dispatcher) -> None:
    """Refuse CreateStage and CreateDeployment whose `variables` break AWS's rules."""

    @dispatcher.register("apigateway", "CreateStage")
    @dispatcher.register("apigateway", "CreateDeployment")
    def check_created(request: Request, operation: AwsOperation) -> Response | None:
        refusal = missing_api(request, operation)
        if refusal is not None:
            return refusal
        variables = json_object(request).get("variables")
        try:
            check_variables(variables if isinstance(variables, dict) else {})
        except BadRequestException as err:
            return err.response()
        return None


def check_stage_patch(request: Request, operation: AwsOperation) -> None:
    """BadRequestException if UpdateStage's patch leaves the stage's variables breaking a rule."""
    operations = json_object(request).get("patchOperations") or []
    if not any(str(op.get("path", "")).startswith(VARIABLE_PREFIX) for op in operations):
        return
    found = STAGE_PATH.fullmatch(request.path)
    api = found and find_api(get_account_id_from(operation.access_key_id), operation.region,
                             found["api_id"])
    stage = api.stages.get(found["stage_name"]) if api else None
    if stage is None:
        return  # moto answers AWS's NotFoundException
    variables = dict(stage.variables or {})
    for op in operations:
        path = str(op.get("path", ""))
        if not path.startswith(VARIABLE_PREFIX):
            continue
        name = path.removeprefix(VARIABLE_PREFIX)
        if op.get("op") == "remove":
            variables.pop(name, None)
        elif op.get("op") in ("add", "replace"):
            variables[name] = op.get("value")
    check_variables(variables)


def check_variables(variables: dict[str, Any]) -> None:
    """BadRequestException if `variables` break a rule of AWS's."""
    if len(variables) > MAX_VARIABLES:
        raise BadRequestException(f"A stage can have at most {MAX_VARIABLES} stage variables.")
    for name, value in variables.items():
        if not NAME.fullmatch(name):
            raise BadRequestException(BAD_NAME.format(name=name))
        if len(name) > MAX_NAME_LENGTH:
            raise BadRequestException(f"Stage variable name {name} is longer than "
                                      f"{MAX_NAME_LENGTH} characters.")
        if not isinstance(value, str) or not VALUE.fullmatch(value):
            raise BadRequestException(BAD_VALUE.format(value=value))
        if len(value) > MAX_VALUE_LENGTH:
            raise BadRequestException(f"The value of stage variable {name} is longer than "
                                      f"{MAX_VALUE_LENGTH} characters.")
