"""Stage request speed in the sandbox: `python -m bench.gateway_stage [--rounds N]`.

Starts its own sandbox on a free loopback port, deploys a hello function behind an AWS_PROXY
method on a stage, warms it, and then measures, interleaved call by call:

* a GET of the stage URL (`/restapis/<api>/prod/_user_request_/hello`) with urllib3;
* a lambda.invoke of the same function with boto3.

Target: stage p50 at most 1.5x invoke p50. Exit status 0 when met, 1 otherwise. Results go to
bench/README.md by hand.
"""
import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import urllib3
from botocore.config import Config

from bench.lambda_invoke import (BASIC_EXECUTION_POLICY, MS, REGION, TRUST_POLICY, package,
                                 sandbox, timed)

ACCOUNT_ID = "123456789012"
STAGE = "prod"
RATIO_TARGET = 1.5
HELLO_PROXY = ("def handler(event, context):\n"
               "    return {'statusCode': 200, 'body': 'hello'}\n")


@dataclass(frozen=True, slots=True)
class Figures:
    """One run's p50s."""

    invoke_p50_ms: float
    stage_p50_ms: float

    @property
    def ratio(self) -> float:
        """Stage p50 over invoke p50."""
        return self.stage_p50_ms / self.invoke_p50_ms


def main(argv: list[str] | None = None) -> int:
    """Measure and print; 0 if the target is met."""
    parser = argparse.ArgumentParser(prog="python -m bench.gateway_stage")
    parser.add_argument("--rounds", type=int, default=300,
                        help="stage requests and invokes each (default 300)")
    args = parser.parse_args(argv)
    with sandbox() as url:
        figures = measure(url, args.rounds)
    print(f"lambda.invoke p50: {figures.invoke_p50_ms:.2f} ms")
    print(f"stage request p50: {figures.stage_p50_ms:.2f} ms")
    met = figures.ratio <= RATIO_TARGET
    print(f"ratio {figures.ratio:.2f}x (target <= {RATIO_TARGET:g}x): {'met' if met else 'MISSED'}")
    return 0 if met else 1


def measure(url: str, rounds: int) -> Figures:
    """Deploy the hello API, warm it, and time both paths interleaved."""
    session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                                    region_name=REGION)
    no_retries = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    lambda_ = session.client("lambda", endpoint_url=url, config=no_retries)
    stage_url = deploy_hello(session, lambda_, url)
    http = urllib3.PoolManager()
    stage_get = _stage_get(http, stage_url)
    invoke = _invoke(lambda_)
    stage_get()
    invoke()  # both warm: one worker, reused by each path
    stages, invokes = [], []
    for _ in range(rounds):
        stages.append(_timed_ms(stage_get))
        invokes.append(timed(invoke))
    return Figures(statistics.median(invokes), statistics.median(stages))


def deploy_hello(session: boto3.session.Session, lambda_: Any, url: str) -> str:
    """The hello function behind GET /hello on stage prod; the stage URL."""
    iam = session.client("iam", endpoint_url=url)
    role_arn = iam.create_role(RoleName="bench-gateway-role",
                               AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
    iam.attach_role_policy(RoleName="bench-gateway-role", PolicyArn=BASIC_EXECUTION_POLICY)
    function_arn = lambda_.create_function(
        FunctionName="bench-hello", Runtime="python3.12", Role=role_arn, Handler="app.handler",
        Code={"ZipFile": package(HELLO_PROXY)})["FunctionArn"]
    apigateway = session.client("apigateway", endpoint_url=url)
    api_id = apigateway.create_rest_api(name="bench")["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    proxy_get(apigateway, lambda_, api_id, root, "hello", function_arn)
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    return f"{url}/restapis/{api_id}/{STAGE}/_user_request_/hello"


def proxy_get(apigateway: Any, lambda_: Any, api_id: str, parent_id: str, path_part: str,
              function_arn: str) -> None:
    """GET /`path_part` under `parent_id`, a Lambda proxy to the function, allowed to call it."""
    resource = apigateway.create_resource(restApiId=api_id, parentId=parent_id,
                                          pathPart=path_part)["id"]
    apigateway.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET",
                          authorizationType="NONE")
    apigateway.put_integration(
        restApiId=api_id, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}"
            "/invocations")
    lambda_.add_permission(
        FunctionName=function_arn, StatementId="apigw", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/*/GET/{path_part}")


def _stage_get(http: urllib3.PoolManager, stage_url: str) -> Callable[[], None]:
    def get() -> None:
        reply = http.request("GET", stage_url)
        if reply.status != 200 or reply.data != b"hello":
            raise RuntimeError(f"stage answered {reply.status}: {reply.data[:200]!r}")
    return get


def _invoke(lambda_: Any) -> Callable[[], dict[str, Any]]:
    def invoke() -> dict[str, Any]:
        reply = lambda_.invoke(FunctionName="bench-hello")
        if reply.get("FunctionError"):
            raise RuntimeError(json.loads(reply["Payload"].read()))
        return reply
    return invoke


def _timed_ms(call: Callable[[], None]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * MS


if __name__ == "__main__":
    raise SystemExit(main())
