"""A handler's code has its execution role's rights in the sandbox, whatever keys it makes up."""
import json
from typing import Any

import pytest

from .lambda_support import create_role, deploy, lambda_client
from .processes import ClientFactory

PROBE = """
    import os
    import socket
    import time
    import urllib.parse
    import urllib.request

    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.exceptions import ClientError

    def attempt(call):
        try:
            call()
            return "allowed"
        except ClientError as error:
            return error.response["Error"]["Code"]

    def handler(event, context):
        endpoint = os.environ["AWS_ENDPOINT_URL"]
        made_up = dict(aws_access_key_id="AKIAMADEUP", aws_secret_access_key="x",
                       aws_session_token=None)
        own = boto3.client("sts").get_caller_identity()["Arn"]
        results = {
            "own": own,
            "lambda": attempt(lambda: boto3.client("lambda", **made_up).list_functions()),
            "iam": attempt(lambda: boto3.client("iam", **made_up).create_user(UserName="evil")),
            "dynamodb": attempt(lambda: boto3.client("dynamodb", **made_up).list_tables()),
        }
        try:
            with urllib.request.urlopen(endpoint + "/_sandbox/state", timeout=5) as reply:
                results["state"] = reply.status
        except urllib.error.HTTPError as error:
            results["state"] = error.code
        send_and_hang_up(endpoint)
        return results

    def send_and_hang_up(endpoint):
        # A write that needs no answer: sent, then the socket closed before the sandbox answers.
        body = "Action=CreateUser&UserName=hung-up&Version=2010-05-08"
        request = AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        SigV4Auth(Credentials("AKIAMADEUP", "x"), "iam", "us-east-1").add_auth(request)
        address = urllib.parse.urlsplit(endpoint)
        raw = socket.create_connection((address.hostname, address.port))
        head = "".join(f"{name}: {value}\\r\\n" for name, value in request.headers.items())
        raw.sendall((f"POST / HTTP/1.1\\r\\nHost: {address.netloc}\\r\\n{head}"
                     f"Content-Length: {len(body)}\\r\\n\\r\\n{body}").encode())
        raw.close()
        time.sleep(1)  # the sandbox has long answered by now, to nobody
"""


@pytest.fixture(scope="module")
def probed(sandbox_url: str, aws_client: ClientFactory) -> dict[str, Any]:
    client = lambda_client(sandbox_url)
    probe = deploy(client, create_role(aws_client("iam")), PROBE, Timeout=30)
    reply = client.invoke(FunctionName=probe.name)
    assert "FunctionError" not in reply, reply["Payload"].read()
    return json.loads(reply["Payload"].read())


def test_a_handler_keeps_its_own_role(probed: dict[str, Any]) -> None:
    assert ":assumed-role/" in probed["own"]


@pytest.mark.parametrize("service, code", [("lambda", "AccessDeniedException"),
                                           ("iam", "AccessDenied"),
                                           ("dynamodb", "AccessDeniedException")])
def test_made_up_keys_do_not_make_a_handler_the_administrator(probed: dict[str, Any],
                                                              service: str, code: str) -> None:
    assert probed[service] == code


def test_a_handler_cannot_read_the_sandboxs_state(probed: dict[str, Any],
                                                  aws_client: ClientFactory) -> None:
    assert probed["state"] == 403
    users = [user["UserName"] for user in aws_client("iam").list_users()["Users"]]
    assert "evil" not in users


def test_hanging_up_before_the_answer_does_not_hide_a_handler(probed: dict[str, Any],
                                                              aws_client: ClientFactory) -> None:
    users = [user["UserName"] for user in aws_client("iam").list_users()["Users"]]
    assert "hung-up" not in users
