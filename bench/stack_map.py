"""The stack map of a large region against the AWS calls it makes: `python -m bench.stack_map`.

Starts its own sandbox on a free loopback port and builds 50 DynamoDB tables, 50 Lambda
functions (each with its own execution role: AWSLambdaBasicExecutionRole and an inline policy on
its table, the table's name in its environment) and 20 REST APIs (two methods each, Lambda proxy
to 40 of the functions, with the invoke permission, deployed to a stage `prod`). Then GETs the
Map page (`/map/`) `--rounds` times through a signed-in Flask test client of the console pointed
at the sandbox, and for each GET records:

* the page's wall time, from request to the whole HTML;
* each AWS call it made, timed from botocore's `before-call` to `after-call` (the calls run a
  few at a time on threads, so their sum can exceed the page's wall time);
* how many calls (the page's footer says the same number);
* then the same calls, with the same parameters, made one after another by a plain boto3 client:
  the time of the calls the map makes, with nothing of the console around them.

Target: the page's p50 at most 2x the p50 of those calls made one after another. Exit status 0
when met, 1 otherwise. Results go to bench/README.md by hand.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import threading
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from bench.lambda_invoke import BASIC_EXECUTION_POLICY, REGION, TRUST_POLICY, sandbox
from webapp import create_app

RATIO_TARGET = 2.0
PASSWORD = "bench-password"
TABLES, FUNCTIONS, APIS = 50, 50, 20
ROUTES = ("GET", "POST")
STAGE = "prod"
CODE = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"
FOOTER_CALLS = re.compile(r"(\d[\d,]*) AWS call")
MS = 1000.0


@dataclass
class Calls:
    """The AWS calls of one page: their durations, summed, and how many."""

    seconds: float = 0.0
    count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds
            self.count += 1


@dataclass(frozen=True, slots=True)
class Round:
    """One GET of the map."""

    page_s: float
    calls_s: float
    calls: int
    footer_calls: int
    made: tuple[tuple[str, str, dict[str, Any]], ...]  # (service, operation, parameters)


def main(argv: list[str] | None = None) -> int:
    """Build the stack, measure, print; 0 if the target is met."""
    parser = argparse.ArgumentParser(prog="python -m bench.stack_map")
    parser.add_argument("--rounds", type=int, default=7, help="GETs of the map (default 7)")
    args = parser.parse_args(argv)
    with sandbox() as url:
        started = time.perf_counter()
        build_stack(url)
        print(f"built {TABLES} tables, {FUNCTIONS} functions and roles, {APIS} APIs "
              f"in {time.perf_counter() - started:.1f} s")
        rounds = measure(url, args.rounds)
        replayed = [replay(url, rounds[-1].made) for _ in range(len(rounds))]
    page = statistics.median(r.page_s for r in rounds)
    calls = statistics.median(r.calls_s for r in rounds)
    alone = statistics.median(replayed)
    print(f"map page p50: {page * MS:.0f} ms over {len(rounds)} GETs "
          f"(min {min(r.page_s for r in rounds) * MS:.0f}, max {max(r.page_s for r in rounds) * MS:.0f})")
    print(f"its AWS calls: {rounds[-1].calls} (the footer says {rounds[-1].footer_calls}), "
          f"their summed time inside the page p50 {calls * MS:.0f} ms (a few at a time)")
    print(f"the same calls one after another, plain boto3: p50 {alone * MS:.0f} ms")
    ratio = page / alone
    met = ratio <= RATIO_TARGET
    print(f"ratio {ratio:.2f}x (target <= {RATIO_TARGET:g}x): {'met' if met else 'MISSED'}")
    return 0 if met else 1


def build_stack(url: str) -> None:
    """The region the bench draws: tables, roles, functions, APIs with stages."""
    config = Config(retries={"mode": "standard", "total_max_attempts": 5})

    def aws(service: str) -> Any:
        return boto3.client(service, endpoint_url=url, region_name=REGION, config=config,
                            aws_access_key_id="bench", aws_secret_access_key="bench")

    dynamodb, iam, lam, gateway = aws("dynamodb"), aws("iam"), aws("lambda"), aws("apigateway")
    account = aws("sts").get_caller_identity()["Account"]
    code = zipped(CODE)
    for number in range(TABLES):
        dynamodb.create_table(TableName=f"table-{number:02d}", BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id",
                                                     "AttributeType": "S"}])
    function_arns = []
    for number in range(FUNCTIONS):
        table = f"table-{number % TABLES:02d}"
        role = iam.create_role(RoleName=f"fn-{number:02d}-role",
                               AssumeRolePolicyDocument=TRUST_POLICY)["Role"]
        iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=BASIC_EXECUTION_POLICY)
        iam.put_role_policy(RoleName=role["RoleName"], PolicyName="table", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem",
                                              "dynamodb:Query", "dynamodb:Scan"],
                "Resource": f"arn:aws:dynamodb:{REGION}:{account}:table/{table}"}]}))
        function = lam.create_function(
            FunctionName=f"fn-{number:02d}", Runtime="python3.12", Role=role["Arn"],
            Handler="app.handler", Code={"ZipFile": code},
            Environment={"Variables": {"TABLE_NAME": table}})
        function_arns.append(function["FunctionArn"])
    for number in range(APIS):
        api = gateway.create_rest_api(name=f"api-{number:02d}")
        root = gateway.get_resources(restApiId=api["id"])["items"][0]["id"]
        for offset, http_method in enumerate(ROUTES):
            target = function_arns[(number * len(ROUTES) + offset) % FUNCTIONS]
            resource = gateway.create_resource(restApiId=api["id"], parentId=root,
                                               pathPart=f"route{offset}")
            gateway.put_method(restApiId=api["id"], resourceId=resource["id"],
                               httpMethod=http_method, authorizationType="NONE")
            gateway.put_integration(
                restApiId=api["id"], resourceId=resource["id"], httpMethod=http_method,
                type="AWS_PROXY", integrationHttpMethod="POST",
                uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{target}/invocations")
            lam.add_permission(
                FunctionName=target, StatementId=f"api-{api['id']}-{offset}",
                Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                SourceArn=f"arn:aws:execute-api:{REGION}:{account}:{api['id']}/*/{http_method}/route{offset}")
        gateway.create_deployment(restApiId=api["id"], stageName=STAGE)


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def measure(url: str, rounds: int) -> list[Round]:
    """GET the map `rounds` times (after one unmeasured GET), timing the page and its calls."""
    app = create_app({"TESTING": True, "CONSOLE_BACKEND": "sandbox", "AWS_ENDPOINT_URL": url,
                      "CONSOLE_PASSWORD": PASSWORD, "AWS_REGION": REGION})
    current = Calls()
    events = app.extensions["aws"].session.events

    def started(context: dict[str, Any], **_: Any) -> None:
        context["bench_started"] = time.perf_counter()

    def ended(context: dict[str, Any], **_: Any) -> None:
        begun = context.pop("bench_started", None)
        if begun is not None:
            current.add(time.perf_counter() - begun)

    made: list[tuple[str, str, dict[str, Any]]] = []

    def asked(params: dict[str, Any], model: Any, **_: Any) -> None:
        made.append((model.service_model.service_name, model.name, dict(params)))

    events.register("provide-client-params", asked)
    events.register("before-call", started)
    events.register("after-call", ended)
    client = app.test_client()
    login = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert token, "no CSRF token on /login"
    reply = client.post("/login", data={"secret": PASSWORD, "csrf_token": token.group(1)})
    assert reply.status_code == 303, reply.status_code
    found = []
    for attempt in range(rounds + 1):
        current = Calls()
        made.clear()
        begun = time.perf_counter()
        page = client.get("/map/")
        elapsed = time.perf_counter() - begun
        assert page.status_code == 200, page.status_code
        footer = FOOTER_CALLS.search(page.text)
        if attempt:
            found.append(Round(elapsed, current.seconds, current.count,
                               int(footer.group(1).replace(",", "")) if footer else -1,
                               tuple(made)))
    return found


def replay(url: str, made: tuple[tuple[str, str, dict[str, Any]], ...]) -> float:
    """Seconds to make `made` one after another with plain boto3 clients (built beforehand)."""
    session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                                    region_name=REGION)
    clients = {service: session.client(service, endpoint_url=url)
               for service in {service for service, _, _ in made}}
    begun = time.perf_counter()
    for service, operation, params in made:
        clients[service]._make_api_call(operation, params)
    return time.perf_counter() - begun


if __name__ == "__main__":
    raise SystemExit(main())
