"""Lambda: IAM action names and resource ARNs.

Actions are the API names except where Lambda's permissions reference differs: Invoke and
InvokeWithResponseStream need lambda:InvokeFunction, GetLayerVersionByArn needs
lambda:GetLayerVersion. Resources: `arn:aws:lambda:R:A:function:NAME`, qualified
(`function:NAME:QUALIFIER`) when the call names a version or alias — a grant on the unqualified
ARN does not cover qualified ones, as Lambda documents; layers `layer:NAME` and
`layer:NAME:VERSION`; event source mappings `event-source-mapping:UUID`; tagging and code signing
configs by the ARN given; list calls and the rest on `*`. FunctionName may be a name, a
`name:qualifier`, a partial ARN (`ACCOUNT:function:NAME`) or a full ARN, as the API accepts.

Not checked: iam:PassRole for CreateFunction and UpdateFunctionConfiguration.
"""
import re
from collections.abc import Mapping
from typing import Any

from moto.core.request import Request as MotoRequest
from moto.core.routing import get_service_router
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request

from webapp.sandbox.authz.permissions import ANY_RESOURCE, Permission, Target, json_body
from webapp.sandbox.dispatch import AwsOperation

SERVICE = "lambda"
ACTIONS = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction",
           "GetLayerVersionByArn": "GetLayerVersion"}
PARTIAL_ARN = re.compile(r"^\d{12}:function:")
# Query parameters that say which resource: a version or alias, GetLayerVersionByArn's ARN.
QUERY_PARAMETERS = ("Qualifier", "Arn")
# Parameters that already are the resource's ARN.
ARN_PARAMETERS = ("Resource", "CodeSigningConfigArn", "ResourceArn", "Arn")
# arn:aws:lambda:REGION:ACCOUNT:function:NAME has 7 parts; an eighth is the qualifier.
UNQUALIFIED_FUNCTION_ARN_PARTS = 7


def permissions(request: Request, operation: AwsOperation, target: Target) -> list[Permission]:
    """The Lambda permission a request needs."""
    action = f"{SERVICE}:{ACTIONS.get(operation.name, operation.name)}"
    # Names come from the path (or CreateFunction's body), never the query string: there a
    # FunctionName only filters a list (ListEventSourceMappings), which AWS checks on `*`.
    parameters = {**_json_parameters(request, operation.name), **_uri_parameters(request)}
    for name in QUERY_PARAMETERS:
        if name in request.args:
            parameters[name] = request.args[name]
    return [Permission(action, _resource(parameters, target))]


def function_arn(target: Target, function_name: str, qualifier: str | None = None) -> str:
    """The ARN a FunctionName (name, name:qualifier, partial or full ARN) stands for."""
    if function_name.startswith("arn:"):
        arn = function_name
    elif PARTIAL_ARN.match(function_name):
        arn = f"arn:{target.partition}:{SERVICE}:{target.region}:{function_name}"
    else:
        arn = target.arn(SERVICE, f"function:{function_name}")
    if qualifier and arn.count(":") + 1 == UNQUALIFIED_FUNCTION_ARN_PARTS:
        arn = f"{arn}:{qualifier}"
    return arn


def _resource(parameters: Mapping[str, Any], target: Target) -> str:
    if parameters.get("FunctionName"):
        return function_arn(target, str(parameters["FunctionName"]), parameters.get("Qualifier"))
    if parameters.get("LayerName"):
        version = parameters.get("VersionNumber")
        suffix = f":{version}" if version else ""
        return target.arn(SERVICE, f"layer:{parameters['LayerName']}{suffix}")
    if parameters.get("UUID"):
        return target.arn(SERVICE, f"event-source-mapping:{parameters['UUID']}")
    for name in ARN_PARAMETERS:
        if parameters.get(name):
            return str(parameters[name])
    return ANY_RESOURCE


def _uri_parameters(request: Request) -> dict[str, str]:
    # moto's router matches botocore's own URI templates, so labels come back by their API names.
    try:
        _, parameters = get_service_router(SERVICE).match(MotoRequest(request.environ))
    except (NotFound, NotImplementedError):
        return {}
    return dict(parameters)


def _json_parameters(request: Request, name: str) -> dict[str, Any]:
    # Only CreateFunction names its function in the body; other bodies carry no resource names.
    return json_body(request) if name == "CreateFunction" else {}
