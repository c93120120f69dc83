"""A stage under load: 200 concurrent requests over 5 functions, each answered once, by its own."""
import json
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from .lambda_support import create_role, deploy, lambda_client, unique
from .processes import ClientFactory
from .test_gateway_stage import (STAGE, Reply, add_method, allow_gateway, call, ensure_resource,
                                 execute_arn, stage_url)

FUNCTIONS = 5
REQUESTS = 200
THREADS = 40
# Each answer names its function and the request's token; the short sleep keeps calls overlapping.
TOKEN_ECHO = """
    import json
    import time

    def handler(event, context):
        token = (event.get("queryStringParameters") or {}).get("token")
        if token is None and event.get("body"):
            token = json.loads(event["body"])["token"]
        time.sleep(0.02)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"token": token, "function": context.function_name,
                                    "requestId": context.aws_request_id})}
"""


@pytest.fixture(scope="module")
def routes(sandbox_url: str, aws_client: ClientFactory) -> dict[str, str]:
    """Path `/f<n>` of one deployed API → the function behind it, for five functions."""
    apigateway = aws_client("apigateway")
    lambda_api = lambda_client(sandbox_url)
    role_arn = create_role(aws_client("iam"))
    api_id = apigateway.create_rest_api(name=unique("load"))["id"]
    resources = {"/": next(item["id"] for item in apigateway.get_resources(restApiId=api_id)
                           ["items"] if item["path"] == "/")}
    routes = {}
    for number in range(FUNCTIONS):
        function = deploy(lambda_api, role_arn, TOKEN_ECHO)
        resource_id = ensure_resource(apigateway, api_id, resources, f"/f{number}")
        for verb in ("GET", "POST"):
            add_method(apigateway, api_id, resource_id, verb, function.arn)
        allow_gateway(lambda_api, function.name, execute_arn(api_id))
        routes[stage_url(sandbox_url, api_id, f"/f{number}")] = function.name
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    return routes


def request(url: str, token: str, number: int) -> Reply:
    """Every other request carries its token in a JSON body, the rest in the query string."""
    if number % 2:
        return call(url, "POST", json.dumps({"token": token}).encode(),
                    headers=[("Content-Type", "application/json")])
    return call(f"{url}?token={token}")


def test_concurrent_stage_requests_each_come_back_once_from_their_function(
        routes: dict[str, str]) -> None:
    urls = list(routes)
    sent = [(urls[number % FUNCTIONS], f"tok-{number}-{uuid.uuid4().hex}", number)
            for number in range(REQUESTS)]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        replies = list(pool.map(lambda job: request(*job), sent))

    assert Counter(reply.status for reply in replies) == {200: REQUESTS}, [
        reply.body[:200] for reply in replies if reply.status != 200][:5]
    answers: list[dict[str, Any]] = [reply.json() for reply in replies]
    # Matched by position: request n got the answer to its own token, from its own function.
    mixed = [(token, answer) for (url, token, _), answer in zip(sent, answers)
             if answer["token"] != token or answer["function"] != routes[url]]
    assert not mixed, mixed[:5]
    tokens = Counter(answer["token"] for answer in answers)
    assert tokens == Counter(token for _, token, _ in sent)
    assert len({answer["requestId"] for answer in answers}) == REQUESTS
    assert Counter(answer["function"] for answer in answers) == {
        name: REQUESTS // FUNCTIONS for name in routes.values()}
