"""Non-proxy integrations (AWS Lambda, MOCK) with mapping templates."""
from http import HTTPStatus

from webapp.sandbox.apigateway.execution import (INTERNAL_ERROR, Call, GatewayResponse,
                                                 json_response)
from webapp.sandbox.awslambda.service import LambdaService


def run_mapped(call: Call, service: LambdaService) -> GatewayResponse:
    """Map the request, call the backend, select and map the response."""
    del service
    call.log.error("Execution failed due to configuration error: mapping templates")
    return json_response(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR,
                         INTERNAL_ERROR["message"])
