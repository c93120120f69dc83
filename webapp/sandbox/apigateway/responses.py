"""HTTP: deployed stages, TestInvokeMethod, and the management calls moto gets wrong.

* `/restapis/<api_id>/<stage>/_user_request_/<path>` (any verb) runs the stage's deployment,
  whichever region the API was made in (its id is unique; the URL names no region);
* CreateRestApi (after moto) answers 201, as AWS does;
* CreateDeployment (after moto) snapshots the API for the new deployment;
* TestInvokeMethod runs the live API through the same code;
* UpdateStage and UpdateAccount (before moto) refuse logging without a trusted role, and
  UpdateStage refuses stage variables past AWS's rules (stage_variables.py).
"""
import json
import logging
import re
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Request, Response

from webapp.sandbox.apigateway import logs
from webapp.sandbox.apigateway.events import GatewayRequest, StageContext
from webapp.sandbox.apigateway.exceptions import ApiGatewayError, NotFoundException
from webapp.sandbox.apigateway.execution import GatewayResponse, missing_token
from webapp.sandbox.apigateway.gateway import Gateway, Outcome
from webapp.sandbox.apigateway.handler import RAW_HEADERS
from webapp.sandbox.apigateway.matching import Match, match_request, path_parameters
from webapp.sandbox.apigateway.request_body import json_object
from webapp.sandbox.apigateway.settings import check_account_update, check_stage_update
from webapp.sandbox.apigateway.snapshots import SnapshotStore, capture, find_api, locate_api
from webapp.sandbox.apigateway.stage_variables import check_stage_patch
from webapp.sandbox.apigateway.unknown_api import missing_api
from webapp.sandbox.config import ACCOUNT_ID
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

logger = logging.getLogger(__name__)

STAGE_RULE = "/restapis/<api_id>/<stage_name>/_user_request_/"
STAGE_PATH_RULE = STAGE_RULE + "<path:path>"
DEPLOYMENTS_PATH = re.compile(r"/restapis/(?P<api_id>[^/]+)/deployments/?")
TEST_INVOKE_PATH = re.compile(
    r"/restapis/(?P<api_id>[^/]+)/resources/(?P<resource_id>[^/]+)/methods/(?P<verb>[^/]+)/?")
# What TestInvokeMethod's event says instead of a real stage, domain and caller.
TEST_STAGE = "test-invoke-stage"
TEST_ARN_STAGE = "null"
TEST_DOMAIN_PREFIX = "testPrefix"
TEST_DOMAIN_NAME = "testPrefix.testDomainName"
TEST_SOURCE_IP = "test-invoke-source-ip"
# The operations whose handler here answers unknown APIs too (unknown_api.py).
HANDLED_OPERATIONS = ("TestInvokeMethod", "UpdateStage")
STAGE_VERBS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def register(dispatcher: Dispatcher, gateway: Gateway, store: SnapshotStore) -> None:
    """Serve stages (of every region) and TestInvokeMethod with `gateway`; keep deployments'
    snapshots in `store`."""
    writer = logs.StageLogWriter()

    @dispatcher.amend("apigateway", "CreateRestApi")
    def created_rest_api(_request: Request, _operation: AwsOperation,
                         answer: Response) -> Response:
        # AWS answers CreateRestApi 201 Created (API reference, Response Syntax); moto 200.
        if answer.status_code == HTTPStatus.OK:
            answer.status_code = HTTPStatus.CREATED
        return answer

    @dispatcher.amend("apigateway", "CreateDeployment")
    def snapshot_deployment(request: Request, operation: AwsOperation,
                            answer: Response) -> Response:
        match = DEPLOYMENTS_PATH.fullmatch(request.path)
        if answer.status_code != HTTPStatus.CREATED or match is None:
            return answer
        account_id = get_account_id_from(operation.access_key_id)
        api = find_api(account_id, operation.region, match["api_id"])
        if api is not None:
            deployment_id = json.loads(answer.get_data())["id"]
            store.keep(account_id, operation.region, deployment_id, capture(api))
        return answer

    @dispatcher.route(STAGE_RULE, methods=STAGE_VERBS)
    @dispatcher.route(STAGE_PATH_RULE, methods=STAGE_VERBS)
    def stage_request(request: Request, api_id: str, stage_name: str, path: str = "") -> Response:
        located = locate_api(ACCOUNT_ID, api_id)
        gateway_request = _gateway_request(request, "/" + path)
        if located is None or located[1].stages.get(stage_name) is None:
            return _http_response(missing_token(), gateway_request)
        region, api = located
        stage = api.stages[stage_name]
        snapshot = store.get(ACCOUNT_ID, region, api_id, stage.deployment_id)
        if snapshot is None:
            logger.warning("no snapshot of deployment %s of %s: serving the live API",
                           stage.deployment_id, api_id)
            snapshot = capture(api)
        context = _stage_context(region, api_id, stage_name, dict(stage.variables))
        outcome = gateway.run(gateway_request, snapshot,
                              match_request(snapshot, gateway_request.http_method,
                                            gateway_request.path),
                              context, _endpoint_url(request))
        _write_stage_logs(writer, api_id, stage, context, gateway_request, outcome)
        return _http_response(outcome.response, gateway_request)

    @dispatcher.register("apigateway", "TestInvokeMethod")
    def test_invoke_method(request: Request, operation: AwsOperation) -> Response | None:
        found = TEST_INVOKE_PATH.fullmatch(request.path)
        if found is None:
            return None
        account_id = get_account_id_from(operation.access_key_id)
        try:
            outcome, request_id = _test_invoke(gateway, account_id, operation.region,
                                               found.groupdict(), json_object(request),
                                               _endpoint_url(request))
        except ApiGatewayError as err:
            return err.response()
        response = outcome.response
        headers = response.header_values()
        reply = {"status": response.status, "body": response.body.decode(errors="replace"),
                 "headers": {name: values[-1] for name, values in headers.items()},
                 "multiValueHeaders": headers,
                 "log": logs.test_invoke_log(request_id, outcome.log),
                 "latency": outcome.latency_ms}
        return Response(json.dumps(reply), status=HTTPStatus.OK, content_type="application/json")

    @dispatcher.register("apigateway", "UpdateStage")
    def update_stage(request: Request, operation: AwsOperation) -> Response | None:
        refusal = missing_api(request, operation)
        if refusal is not None:
            return refusal
        account_id = get_account_id_from(operation.access_key_id)
        try:
            check_stage_update(account_id, operation.region,
                               json_object(request).get("patchOperations") or [])
            check_stage_patch(request, operation)
        except ApiGatewayError as err:
            return err.response()
        return None  # allowed: moto applies it

    @dispatcher.register("apigateway", "UpdateAccount")
    def update_account(request: Request, operation: AwsOperation) -> Response | None:
        try:
            check_account_update(get_account_id_from(operation.access_key_id),
                                 json_object(request).get("patchOperations") or [])
        except ApiGatewayError as err:
            return err.response()
        return None


def _test_invoke(gateway: Gateway, account_id: str, region: str, path: dict[str, str],
                 body: dict[str, Any], endpoint_url: str) -> tuple[Outcome, str]:
    api = find_api(account_id, region, path["api_id"])
    if api is None:
        raise NotFoundException("Invalid API identifier specified "
                                f"{account_id}:{path['api_id']}")
    snapshot = capture(api)
    resource = snapshot.resource(path["resource_id"])
    if resource is None:
        raise NotFoundException("Invalid Resource identifier specified")
    method = resource.methods.get(path["verb"].upper())
    if method is None:
        raise NotFoundException("Invalid Method identifier specified")
    target = urlsplit(body.get("pathWithQueryString") or resource.path)
    headers = [(name, str(value)) for name, value in (body.get("headers") or {}).items()]
    for name, values in (body.get("multiValueHeaders") or {}).items():
        headers = [pair for pair in headers if pair[0] != name]
        headers.extend((name, str(value)) for value in values)
    request = GatewayRequest(
        http_method=method.http_method if method.http_method != "ANY" else "GET",
        path=target.path or "/", headers=tuple(headers),
        query=tuple(parse_qsl(target.query, keep_blank_values=True)),
        body=(body.get("body") or "").encode(), source_ip=TEST_SOURCE_IP)
    context = StageContext(
        account_id=account_id, region=region, api_id=api.id, stage=TEST_STAGE,
        arn_stage=TEST_ARN_STAGE, variables=body.get("stageVariables") or None,
        domain_name=TEST_DOMAIN_NAME, domain_prefix=TEST_DOMAIN_PREFIX, path_prefix="",
        identity={"accountId": account_id, "caller": account_id, "user": account_id,
                  "userArn": f"arn:aws:iam::{account_id}:root", "apiKey": "test-invoke-api-key",
                  "apiKeyId": "test-invoke-api-key-id"})
    match = Match(resource, method, path_parameters(resource, request.path))
    return gateway.run(request, snapshot, match, context, endpoint_url), request.request_id


def _gateway_request(request: Request, path: str) -> GatewayRequest:
    raw = request.environ.get(RAW_HEADERS)
    headers = tuple(raw) if raw is not None else tuple(request.headers.items())
    return GatewayRequest(
        http_method=request.method, path=path, headers=headers,
        query=tuple(parse_qsl(request.environ.get("QUERY_STRING", ""), keep_blank_values=True)),
        body=request.get_data(), source_ip=request.remote_addr or "127.0.0.1")


def _stage_context(region: str, api_id: str, stage_name: str,
                   variables: dict[str, str]) -> StageContext:
    return StageContext(
        account_id=ACCOUNT_ID, region=region, api_id=api_id, stage=stage_name,
        arn_stage=stage_name, variables=variables or None,
        domain_name=f"{api_id}.execute-api.{region}.amazonaws.com", domain_prefix=api_id,
        path_prefix="/" + stage_name)


def _write_stage_logs(writer: logs.StageLogWriter, api_id: str, stage: Any,
                      context: StageContext, request: GatewayRequest, outcome: Outcome) -> None:
    if outcome.context is None:
        return
    resource_path = str(outcome.context["resourcePath"])
    level = logs.logging_level(stage.method_settings or {}, resource_path, request.http_method)
    if level is not None:
        writer.execution(context.account_id, context.region, api_id, context.stage, level,
                         request.request_id, outcome.log)
    settings = stage.access_log_settings or {}
    if settings.get("destinationArn") and settings.get("format"):
        line = logs.access_log_line(settings["format"], logs.access_context(
            outcome.context, outcome.response, outcome.latency_ms))
        writer.access(settings["destinationArn"], line, time.time())


def _http_response(response: GatewayResponse, request: GatewayRequest) -> Response:
    reply = Response(response.body, status=response.status)
    reply.headers.clear()
    for name, value in response.headers:
        reply.headers.add(name, value)
    reply.headers["x-amzn-RequestId"] = request.request_id
    reply.headers["x-amz-apigw-id"] = request.extended_request_id
    return reply


def _endpoint_url(request: Request) -> str:
    host = request.environ.get("SERVER_NAME", "127.0.0.1")
    port = request.environ.get("SERVER_PORT", "80")
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
