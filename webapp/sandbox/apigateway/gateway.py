"""The one code path a deployed stage and TestInvokeMethod share: match, integrate, log."""
import time
from dataclasses import dataclass, replace
from http import HTTPStatus

from webapp.sandbox.apigateway import mapping
from webapp.sandbox.apigateway.events import (GatewayRequest, StageContext, request_context,
                                              single_values)
from webapp.sandbox.apigateway.execution import (INTERNAL_ERROR, MS, Call, ExecutionLog,
                                                 GatewayResponse, json_response,
                                                 log_method_request, missing_token)
from webapp.sandbox.apigateway.lambda_proxy import run_proxy
from webapp.sandbox.apigateway.matching import Match
from webapp.sandbox.apigateway.snapshots import ApiSnapshot
from webapp.sandbox.awslambda.service import LambdaService

AWS_PROXY = "AWS_PROXY"
AWS = "AWS"
MOCK = "MOCK"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A request's answer, its execution log and ($context for access logs) its context."""

    response: GatewayResponse
    log: ExecutionLog
    context: dict[str, object] | None
    latency_ms: int


class Gateway:
    """Runs requests against API snapshots, calling functions through the Lambda runtime."""

    def __init__(self, service: LambdaService) -> None:
        self._service = service

    def run(self, request: GatewayRequest, api: ApiSnapshot, match: Match | None,
            stage: StageContext, endpoint_url: str) -> Outcome:
        """The answer to `request`; `match` None means no resource or verb fits it."""
        log = ExecutionLog()
        if match is None:
            return Outcome(missing_token(), log, None, _since(request))
        log_method_request(log, request, match, single_values(request.query),
                           single_values(request.headers))
        call = Call(request, match, stage, api, endpoint_url, log)
        started = time.monotonic()
        response = self._integrate(call)
        latency = int((time.monotonic() - started) * MS)
        if response.integration_status is not None:
            response = replace(response, integration_latency_ms=latency)
        context = request_context(request, match, stage)
        return Outcome(response, log, context, _since(request))

    def _integrate(self, call: Call) -> GatewayResponse:
        integration = call.match.method.integration
        if integration is None:
            call.log.error("Execution failed due to configuration error: "
                           "No integration defined for method")
            call.log.error(f"Method completed with status: "
                           f"{HTTPStatus.INTERNAL_SERVER_ERROR.value}")
            return json_response(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR,
                                 INTERNAL_ERROR["message"])
        if integration.integration_type == AWS_PROXY:
            return run_proxy(call, self._service)
        if integration.integration_type in (AWS, MOCK):
            return mapping.run_mapped(call, self._service)
        call.log.error("Execution failed due to configuration error: integration type "
                       f"{integration.integration_type} is not run by the sandbox")
        call.log.error(f"Method completed with status: {HTTPStatus.INTERNAL_SERVER_ERROR.value}")
        return json_response(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR,
                             INTERNAL_ERROR["message"])


def _since(request: GatewayRequest) -> int:
    return int((time.time() - request.started) * MS)

