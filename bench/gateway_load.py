"""The sandbox under load: `python -m bench.gateway_load [--rounds N]`.

Starts its own sandbox on a free loopback port, deploys five functions behind one REST API
(`GET /f0` … `/f4`, AWS_PROXY, stage prod; each answers the request's token and its own name
after a 20 ms sleep), and then, `--rounds` times, sends 200 stage requests at once from a pool
of `--threads` threads (default 50), 40 per function, each with a unique token. The first round meets no warm worker.

Meanwhile another thread GETs the console's dashboard every ~100 ms (the Flask app from
create_app pointed at the sandbox, signed in, a test client), from the start of the first round
to the end of the last.

Reported: per round wall time and requests/s; p50/p95/max request latency (first round apart,
as it holds the cold starts); requests lost (no 200 answer carrying their token from their
function), duplicated (a token answered more than once) or mixed up (an answer carrying another
request's token); the dashboard's p50/max during the rounds and before them; and the Lambda
worker processes after each round (workers are kept warm and only started when none is idle, so
this is the peak number that ran at once).

Targets: nothing lost, duplicated or mixed up; dashboard max under 1 s. Exit status 0 when both
are met, 1 otherwise. Results go to bench/README.md by hand.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import urllib3
from botocore.config import Config
from flask.testing import FlaskClient

from bench.dynamodb_items import percentile, signed_in_console
from bench.gateway_stage import proxy_get
from bench.lambda_invoke import (BASIC_EXECUTION_POLICY, MS, REGION, TRUST_POLICY, package,
                                 sandbox)

STAGE = "prod"
FUNCTIONS = 5
REQUESTS = 200
THREADS = 50
DASHBOARD_EVERY_S = 0.1
DASHBOARD_MAX_TARGET_MS = 1000.0
IDLE_DASHBOARDS = 10
TOKEN_ECHO = ("import json\n"
              "import time\n\n"
              "def handler(event, context):\n"
              "    token = (event.get('queryStringParameters') or {}).get('token')\n"
              "    time.sleep(0.02)\n"
              "    return {'statusCode': 200, 'body': json.dumps(\n"
              "        {'token': token, 'function': context.function_name})}\n")


@dataclass(slots=True)
class Round:
    """One round of concurrent requests: what came back, and how fast."""

    wall_s: float
    latencies_ms: list[float]
    lost: int
    duplicated: int
    mixed: int
    failures: list[str]
    workers: int

    @property
    def per_second(self) -> float:
        """Requests answered per second of wall time."""
        return REQUESTS / self.wall_s


@dataclass(slots=True)
class Figures:
    """A run's rounds and the dashboard's timings."""

    rounds: list[Round]
    dashboard_idle_ms: list[float]
    # (perf_counter when it started, milliseconds) of each dashboard GET during the rounds
    dashboard_busy: list[tuple[float, float]] = field(default_factory=list)
    dashboard_failures: list[str] = field(default_factory=list)
    cold_round_end: float = 0.0

    @property
    def dashboard_busy_ms(self) -> list[float]:
        """Every dashboard GET during the rounds."""
        return [ms for _, ms in self.dashboard_busy]

    @property
    def dashboard_cold_ms(self) -> list[float]:
        """The dashboard GETs that started during the first (cold) round."""
        return [ms for started, ms in self.dashboard_busy if started < self.cold_round_end]

    @property
    def dashboard_warm_ms(self) -> list[float]:
        """The dashboard GETs that started after the first round."""
        return [ms for started, ms in self.dashboard_busy if started >= self.cold_round_end]

    def verdicts(self) -> dict[str, bool]:
        """Each target, met or not."""
        faults = sum(r.lost + r.duplicated + r.mixed for r in self.rounds)
        return {
            "no request lost, duplicated or mixed up": faults == 0,
            f"dashboard max < {DASHBOARD_MAX_TARGET_MS:g} ms during the rounds, every answer "
            "whole": bool(self.dashboard_busy_ms) and not self.dashboard_failures
            and max(self.dashboard_busy_ms) < DASHBOARD_MAX_TARGET_MS,
        }


def main(argv: list[str] | None = None) -> int:
    """Deploy, load, measure and print; 0 if every target is met."""
    parser = argparse.ArgumentParser(prog="python -m bench.gateway_load")
    parser.add_argument("--rounds", type=int, default=5,
                        help=f"rounds of {REQUESTS} concurrent requests (default 5)")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help=f"requests in flight at once (default {THREADS})")
    args = parser.parse_args(argv)
    print(f"load average at the start: {load_average()}", flush=True)
    with sandbox() as url, tempfile.TemporaryDirectory() as scratch:
        routes = deploy(url)
        console = signed_in_console(url, Path(scratch))
        dashboard(console)  # warm: templates, clients
        figures = Figures([], [timed_dashboard(console) for _ in range(IDLE_DASHBOARDS)])
        stop = threading.Event()
        watcher = threading.Thread(target=watch_dashboard, args=(console, stop, figures),
                                   name="dashboard-watch")
        http = urllib3.PoolManager(maxsize=args.threads, retries=False,
                                   timeout=urllib3.Timeout(total=60))
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            watcher.start()
            try:
                for _ in range(args.rounds):
                    figures.rounds.append(burst(pool, http, url, routes))
                    figures.cold_round_end = figures.cold_round_end or time.perf_counter()
            finally:
                stop.set()
                watcher.join()
    report(figures, args.threads)
    return 0 if all(figures.verdicts().values()) else 1


def deploy(url: str) -> dict[str, str]:
    """Five token-echo functions behind GET /f0 … /f4 on stage prod; stage URL → function."""
    session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                                    region_name=REGION)
    no_retries = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    lambda_ = session.client("lambda", endpoint_url=url, config=no_retries)
    iam = session.client("iam", endpoint_url=url)
    apigateway = session.client("apigateway", endpoint_url=url)
    role_arn = iam.create_role(RoleName="bench-load-role",
                               AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
    iam.attach_role_policy(RoleName="bench-load-role", PolicyArn=BASIC_EXECUTION_POLICY)
    api_id = apigateway.create_rest_api(name="bench-load")["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    routes = {}
    for number in range(FUNCTIONS):
        name = f"bench-load-{number}"
        function_arn = lambda_.create_function(
            FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="app.handler",
            Code={"ZipFile": package(TOKEN_ECHO)})["FunctionArn"]
        proxy_get(apigateway, lambda_, api_id, root, f"f{number}", function_arn)
        routes[f"{url}/restapis/{api_id}/{STAGE}/_user_request_/f{number}"] = name
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    return routes


def burst(pool: ThreadPoolExecutor, http: urllib3.PoolManager, url: str,
          routes: dict[str, str]) -> Round:
    """200 requests at once, spread evenly over the functions; what came back."""
    stage_urls = list(routes)
    sent = [(stage_urls[number % FUNCTIONS], uuid.uuid4().hex) for number in range(REQUESTS)]

    def send(job: tuple[str, str]) -> tuple[float, int | None, bytes | str]:
        stage_url, token = job
        started = time.perf_counter()
        try:
            reply = http.request("GET", f"{stage_url}?token={token}")
            answer: tuple[int | None, bytes | str] = (reply.status, reply.data)
        except urllib3.exceptions.HTTPError as err:
            answer = (None, repr(err))
        return ((time.perf_counter() - started) * MS, *answer)

    started = time.perf_counter()
    replies = list(pool.map(send, sent))
    wall = time.perf_counter() - started
    answered: Counter[str] = Counter()
    mixed, failures = 0, []
    for (stage_url, token), (_, status, body) in zip(sent, replies):
        if status != 200:
            failures.append(f"{status}: {body[:200]!r}")
            continue
        answer = json.loads(body)
        if answer["token"] != token or answer["function"] != routes[stage_url]:
            mixed += 1
            failures.append(f"sent {token} to {routes[stage_url]}, got {answer}")
        answered[answer["token"]] += 1
    tokens = [token for _, token in sent]
    return Round(wall_s=wall, latencies_ms=[latency for latency, _, _ in replies],
                 lost=sum(1 for token in tokens if answered[token] == 0),
                 duplicated=sum(count - 1 for count in answered.values() if count > 1),
                 mixed=mixed, failures=failures, workers=worker_count(http, url, routes))


def worker_count(http: urllib3.PoolManager, url: str, routes: dict[str, str]) -> int:
    """Warm Lambda workers of the five functions, from the sandbox's status route."""
    total = 0
    for name in routes.values():
        reply = http.request("GET", f"{url}/_sandbox/lambda/functions/{name}")
        total += len(json.loads(reply.data)["WarmWorkers"])
    return total


def dashboard(console: FlaskClient) -> str | None:
    """GET / once; what is wrong with the answer, or None if it is a whole dashboard."""
    reply = console.get("/")
    if reply.status_code != 200:
        return f"dashboard answered {reply.status_code}"
    if "banner-error" in reply.text or "tile-error" in reply.text:
        return "dashboard showed an error"
    return None


def timed_dashboard(console: FlaskClient) -> float:
    """Milliseconds of one dashboard GET; raises if the answer is not a whole dashboard."""
    started = time.perf_counter()
    problem = dashboard(console)
    if problem:
        raise RuntimeError(problem)
    return (time.perf_counter() - started) * MS


def watch_dashboard(console: FlaskClient, stop: threading.Event, figures: Figures) -> None:
    """GET the dashboard every ~100 ms until `stop` is set, recording each time."""
    while not stop.is_set():
        started = time.perf_counter()
        problem = dashboard(console)
        elapsed = time.perf_counter() - started
        figures.dashboard_busy.append((started, elapsed * MS))
        if problem:
            figures.dashboard_failures.append(problem)
        stop.wait(max(0.0, DASHBOARD_EVERY_S - elapsed))


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def report(figures: Figures, threads: int) -> None:
    """Print the figures and the verdict on each target."""
    print(f"load average at the end: {load_average()}")
    print(f"{REQUESTS} concurrent stage requests over {FUNCTIONS} functions, {threads} threads")
    for number, r in enumerate(figures.rounds, start=1):
        print(f"round {number}{' (cold)' if number == 1 else '       '}  wall {r.wall_s:6.3f} s  "
              f"{r.per_second:6.0f} req/s  p50 {statistics.median(r.latencies_ms):6.1f} ms  "
              f"max {max(r.latencies_ms):6.1f} ms  lost {r.lost}  duplicated {r.duplicated}  "
              f"mixed {r.mixed}  workers {r.workers}")
        for failure in r.failures[:5]:
            print(f"    {failure}")
    warm = [latency for r in figures.rounds[1:] for latency in r.latencies_ms]
    if warm:
        walls = [r.wall_s for r in figures.rounds[1:]]
        print(f"warm rounds: wall median {statistics.median(walls):.3f} s "
              f"({REQUESTS / statistics.median(walls):.0f} req/s); latency "
              f"p50 {statistics.median(warm):.1f} ms  p95 {percentile(warm, 0.95):.1f} ms  "
              f"max {max(warm):.1f} ms")
    for label, times in (("idle, before the rounds", figures.dashboard_idle_ms),
                         ("during the cold round", figures.dashboard_cold_ms),
                         ("during the warm rounds", figures.dashboard_warm_ms),
                         ("during all rounds", figures.dashboard_busy_ms)):
        if times:
            print(f"dashboard {label} ({len(times)}): p50 {statistics.median(times):.1f} ms  "
                  f"max {max(times):.1f} ms")
    for failure in figures.dashboard_failures[:5]:
        print(f"    {failure}")
    for target, met in figures.verdicts().items():
        print(f"{'met   ' if met else 'MISSED'} {target}")


if __name__ == "__main__":
    raise SystemExit(main())
