"""HTTP: lambda:Invoke answered by the sandbox's runtime, and the function status endpoint.

Anything the runtime does not own (an unknown function, a bad qualifier) is left to moto, which
answers with AWS's own errors.
"""
import base64
import binascii
import json
import re
from http import HTTPStatus
from urllib.parse import unquote

from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.awslambda.exceptions import (InvalidRequestContentException,
                                                 LambdaServiceError, ValidationException)
from webapp.sandbox.awslambda.functions import FoundFunction, find_function
from webapp.sandbox.awslambda.runtimes import effective_runtime, is_supported, unsupported_message
from webapp.sandbox.awslambda.service import (InvocationType, InvokeRequest, InvokeResult,
                                              LambdaService)
from webapp.sandbox.config import ACCOUNT_ID
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

DELETE_PATH = re.compile(r"/[^/]+/functions/(?P<function>[^/]+)/?")
INVOKE_PATH = re.compile(r"/[^/]+/functions/(?P<function>[^/]+)/invocations/?")
STATUS_RULE = "/_sandbox/lambda/functions/<function_name>"
# What would run a function of a runtime, asked before there is one (the console's create form).
RUNTIME_RULE = "/_sandbox/lambda/runtimes/<runtime>"
ARN_FUNCTION_PART = ":function:"
# Sandbox-only response header: the interpreter that really ran the function.
EFFECTIVE_RUNTIME_HEADER = "X-Sandbox-Effective-Runtime"


def register(dispatcher: Dispatcher, service: LambdaService, region: str) -> None:
    """Answer lambda:Invoke and GET /_sandbox/lambda/functions/<name> with `service`."""

    @dispatcher.amend("lambda", "DeleteFunction")
    def retire_workers(request: Request, operation: AwsOperation, answer: Response) -> Response:
        # A deleted function's workers would otherwise idle on for minutes, busy ones run on.
        found = DELETE_PATH.fullmatch(request.path)
        if answer.status_code == HTTPStatus.NO_CONTENT and found and not request.args.get(
                "Qualifier"):
            # A name, name:qualifier, or an ARN (full or partial): the name is what is deleted.
            name = unquote(found["function"]).rpartition(ARN_FUNCTION_PART)[2].partition(":")[0]
            service.retire(get_account_id_from(operation.access_key_id), operation.region, name)
        return answer

    @dispatcher.register("lambda", "Invoke")
    def invoke(request: Request, operation: AwsOperation) -> Response | None:
        match = INVOKE_PATH.fullmatch(request.path)
        if match is None:
            return None
        account_id = get_account_id_from(operation.access_key_id)
        qualifier = request.args.get("Qualifier") or None
        found = find_function(account_id, operation.region, match["function"], qualifier)
        if found is None:
            return None
        try:
            result = service.invoke(parse_invoke(request, found, match["function"], qualifier))
        except LambdaServiceError as err:
            return err.response()
        return invoke_response(result, found)

    @dispatcher.route(STATUS_RULE, methods=["GET"])
    def function_status(request: Request, function_name: str) -> Response:
        status = service.status(ACCOUNT_ID, request.args.get("region") or region, function_name,
                                request.args.get("qualifier") or None)
        if status is None:
            return _json({"message": f"Function not found: {function_name}"},
                         HTTPStatus.NOT_FOUND)
        return _json(status.to_json(), HTTPStatus.OK)

    @dispatcher.route(RUNTIME_RULE, methods=["GET"])
    def runtime_status(_request: Request, runtime: str) -> Response:
        supported = is_supported(runtime)
        return _json({"Runtime": runtime, "Supported": supported,
                      "EffectiveRuntime": effective_runtime(runtime),
                      "Message": None if supported else unsupported_message(runtime)},
                     HTTPStatus.OK)


def parse_invoke(request: Request, found: FoundFunction, name_or_arn: str,
                 qualifier: str | None) -> InvokeRequest:
    """The Invoke call's parameters, validated as Lambda validates them."""
    type_header = request.headers.get("X-Amz-Invocation-Type") or InvocationType.REQUEST_RESPONSE
    try:
        invocation_type = InvocationType(type_header)
    except ValueError:
        raise ValidationException(
            f"1 validation error detected: Value '{type_header}' at 'invocationType' failed "
            "to satisfy constraint: Member must satisfy enum value set: "
            "[Event, RequestResponse, DryRun]") from None
    payload = request.get_data()
    _check_json(payload)
    return InvokeRequest(
        found=found, invocation_type=invocation_type,
        tail_log=request.headers.get("X-Amz-Log-Type") == "Tail",
        payload=payload,
        client_context=_client_context(request.headers.get("X-Amz-Client-Context")),
        invoked_function_arn=_invoked_arn(found, name_or_arn, qualifier),
        endpoint_url=_endpoint_url(request))


def invoke_response(result: InvokeResult, found: FoundFunction) -> Response:
    """Invoke's HTTP answer."""
    headers = {"X-Amzn-RequestId": result.request_id}
    runtime = effective_runtime(found.function.runtime)
    if runtime:
        headers[EFFECTIVE_RUNTIME_HEADER] = runtime
    if result.executed_version is not None:
        headers["X-Amz-Executed-Version"] = result.executed_version
    if result.function_error is not None:
        headers["X-Amz-Function-Error"] = result.function_error
    if result.log_result is not None:
        headers["X-Amz-Log-Result"] = result.log_result
    return Response(result.payload, status=result.status, headers=headers,
                    content_type="application/json")


def _check_json(payload: bytes) -> None:
    if not payload:
        return
    try:
        json.loads(payload)
    except (ValueError, RecursionError) as err:  # RecursionError: nested thousands deep
        raise InvalidRequestContentException(
            f"Could not parse request body into json: {err}") from None


def _client_context(header: str | None) -> str | None:
    """The decoded client context, re-serialised so it is safe as a header value."""
    if not header:
        return None
    try:
        context = json.loads(base64.b64decode(header, validate=True))
    except (binascii.Error, ValueError):
        context = None
    if not isinstance(context, dict):
        raise InvalidRequestContentException(
            "Client context must be a valid Base64-encoded JSON object.")
    return json.dumps(context)


def _invoked_arn(found: FoundFunction, name_or_arn: str, qualifier: str | None) -> str:
    """The ARN the caller used: qualified only if the caller named a version or alias."""
    name_part = name_or_arn.split(ARN_FUNCTION_PART)[-1]
    _, _, named_qualifier = name_part.partition(":")
    chosen = named_qualifier or qualifier
    arn = found.function.function_arn
    return f"{arn}:{chosen}" if chosen else arn


def _endpoint_url(request: Request) -> str:
    """The sandbox's own address, as the listening socket has it, for the function's SDK."""
    host = request.environ.get("SERVER_NAME", "127.0.0.1")
    port = request.environ.get("SERVER_PORT", "80")
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _json(body: object, status: HTTPStatus) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
