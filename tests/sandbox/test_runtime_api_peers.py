"""A handler cannot take another function's events or answer in its name through that worker's
Runtime API, although every worker shares the machine's loopback."""
import json
from typing import Any

import pytest

from .lambda_support import create_role, deploy, lambda_client
from .processes import ClientFactory

VICTIM = """
    import os

    def handler(event, context):
        return {"api": os.environ["AWS_LAMBDA_RUNTIME_API"], "event": event}
"""
ATTACKER = """
    import http.client

    def attempt(address, method, path, body=None):
        connection = http.client.HTTPConnection(address, timeout=3)
        try:
            connection.request(method, path, body=body, headers={"Host": address})
            reply = connection.getresponse()
            return [reply.status, reply.read().decode(errors="replace")[:300]]
        except Exception as error:
            return ["failed", type(error).__name__]
        finally:
            connection.close()

    def handler(event, context):
        target = event["target"]
        return {"next": attempt(target, "GET", "/2018-06-01/runtime/invocation/next"),
                "answer": attempt(target, "POST",
                                  "/2018-06-01/runtime/invocation/some-id/response",
                                  b'{"forged": true}')}
"""


@pytest.fixture(scope="module")
def functions(sandbox_url: str, aws_client: ClientFactory) -> tuple[Any, str, str]:
    client = lambda_client(sandbox_url)
    role = create_role(aws_client("iam"))
    return client, deploy(client, role, VICTIM).name, deploy(client, role, ATTACKER).name


def invoke(client: Any, name: str, event: dict[str, Any]) -> Any:
    reply = client.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    assert "FunctionError" not in reply, reply["Payload"].read()
    return json.loads(reply["Payload"].read())


def test_another_workers_runtime_api_refuses_a_handler(functions: tuple[Any, str, str]) -> None:
    client, victim, attacker = functions
    address = invoke(client, victim, {"n": 1})["api"]
    tried = invoke(client, attacker, {"target": address})
    for attempt in (tried["next"], tried["answer"]):
        assert attempt[0] in (403, "failed"), tried
        assert '"n"' not in attempt[1] and "secret" not in attempt[1]
    # The victim's next call is its own, answered by its own handler.
    assert invoke(client, victim, {"secret": "card"}) == {"api": address,
                                                         "event": {"secret": "card"}}
