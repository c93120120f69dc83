"""GetFunction's Code.Location as an address the sandbox serves, so code downloads work.

moto answers with an S3 address of AWS's that nothing here can reach. The sandbox points it at
its own route instead, named by the code's S3 key, so a link to replaced code stops working as
an expired presigned URL would.
"""
import json
from http import HTTPStatus
from urllib.parse import quote

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import lambda_backends
from werkzeug.wrappers import Request, Response

from webapp.sandbox.config import ACCOUNT_ID
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

CODE_RULE = "/_sandbox/lambda/code/<region>/<function_name>/<code_key>.zip"
LATEST = "$LATEST"


def register(dispatcher: Dispatcher) -> None:
    """Rewrite GetFunction's Code.Location and serve the code there."""

    @dispatcher.amend("lambda", "GetFunction")
    def point_location_here(request: Request, operation: AwsOperation, answer: Response) -> Response:
        if answer.status_code != HTTPStatus.OK:
            return answer
        body = json.loads(answer.get_data())
        location = body.get("Code", {}).get("Location", "")
        if not location.startswith("https://"):
            return answer  # container images and the like have no package to serve
        configuration = body.get("Configuration", {})
        code_key = location.rsplit("/", 1)[-1]
        body["Code"]["Location"] = (
            f"{request.host_url.rstrip('/')}/_sandbox/lambda/code/{operation.region}/"
            f"{quote(configuration.get('FunctionName', ''))}/{quote(code_key)}.zip"
            f"?version={quote(configuration.get('Version', LATEST))}")
        answer.set_data(json.dumps(body))
        return answer

    @dispatcher.route(CODE_RULE, methods=["GET"])
    def download(request: Request, region: str, function_name: str, code_key: str) -> Response:
        version = request.args.get("version", LATEST)
        try:
            function = lambda_backends[ACCOUNT_ID][region].get_function(
                function_name, None if version == LATEST else version)
        except LambdaClientError:
            function = None
        if function is None or function.code.get("S3Key") != code_key:
            return Response("This code link is not valid any more: ask GetFunction for a new one.",
                            status=HTTPStatus.FORBIDDEN, mimetype="text/plain")
        return Response(function.code_bytes, mimetype="application/zip", headers={
            "Content-Disposition": f'attachment; filename="{function_name}.zip"'})
