"""Lambda requests whose body is not UTF-8: AWS's 400, never moto's 500.

Lambda's REST operations take JSON bodies, and Invoke a JSON payload; a body that cannot be
read as JSON is 400 InvalidRequestContentException "Could not parse request body into json:
…" (API reference, Invoke: "InvalidRequestContentException: The request body could not be
parsed as JSON, or a request header is invalid", HTTP 400). moto decoded such a body as UTF-8
unchecked and answered 500 for UpdateFunctionConfiguration, UpdateFunctionCode,
PublishVersion and Invoke of a function that does not exist.
"""
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.sandbox.lambda_support import create_role, deploy, lambda_client
from tests.sandbox.processes import REGION, ClientFactory

SIGNED = (f"AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/lambda/aws4_request, "
          "SignedHeaders=host, Signature=0")
NOT_UTF8 = b"\xff\xfe{}"
HELLO = """
def handler(event, context):
    return "ok"
"""


@pytest.fixture(scope="module")
def function_name(sandbox_url: str, aws_client: ClientFactory) -> str:
    return deploy(lambda_client(sandbox_url), create_role(aws_client("iam")), HELLO).name


def answer(sandbox_url: str, method: str, path: str) -> tuple[int, str, dict[str, Any]]:
    """(status, X-Amzn-ErrorType, JSON body) of a Lambda request whose body is not UTF-8."""
    request = urllib.request.Request(f"{sandbox_url}{path}", data=NOT_UTF8, method=method,
                                     headers={"Authorization": SIGNED,
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.headers.get("X-Amzn-ErrorType", ""), json.load(reply)
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, error.headers.get("X-Amzn-ErrorType", ""), json.loads(body)


@pytest.mark.parametrize("method,path", [
    ("PUT", "/2015-03-31/functions/{name}/configuration"),
    ("PUT", "/2015-03-31/functions/{name}/code"),
    ("POST", "/2015-03-31/functions/{name}/versions"),
    ("POST", "/2015-03-31/functions/{name}/invocations"),
    ("POST", "/2015-03-31/functions/no-such-function/invocations"),
], ids=["configuration", "code", "versions", "invoke", "invoke-missing"])
def test_a_body_that_is_not_utf8_is_invalid_request_content(sandbox_url: str, function_name: str,
                                                            method: str, path: str) -> None:
    status, error_type, body = answer(sandbox_url, method, path.format(name=function_name))
    assert (status, error_type) == (400, "InvalidRequestContentException")
    assert body["message"].startswith("Could not parse request body into json: ")
