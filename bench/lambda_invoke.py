"""Lambda invoke speed in the sandbox: `python -m bench.lambda_invoke [--rounds N]`.

Starts its own sandbox on a free loopback port and measures, against it:

1. warm invoke of a no-op handler next to lambda.get_function, interleaved, p50 of each
   (target: invoke p50 at most 2x get_function p50);
2. cold start: the first invoke of a freshly created hello function, client-side (target: p50
   under 150 ms), with the Init Duration the REPORT line gives;
3. 50 concurrent invocations of a handler sleeping 100 ms, reserved concurrency 50, after one
   warm-up round: the wall time of a whole round (target: under 0.5 s);
4. the same warm invoke and cold start for a nodejs20.x function (an index.mjs on the machine's
   node; target: warm invoke p50 at most 2x get_function p50; the cold start is reported).

Exit status 0 when every target is met, 1 otherwise. Results go to bench/README.md by hand.
"""
import argparse
import base64
import io
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REPO_ROOT = Path(__file__).resolve().parents[1]
REGION = "ap-northeast-2"
STARTUP_SECONDS = 30.0
TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
BASIC_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
NOOP = "def handler(event, context):\n    return None\n"
HELLO = ("def handler(event, context):\n"
         "    return {'message': 'hello ' + event.get('name', 'world')}\n")
SLEEPER = "import time\n\ndef handler(event, context):\n    time.sleep(0.1)\n    return 1\n"
PYTHON = "python3.12"
NODE = "nodejs20.x"
NODE_NOOP = "export const handler = async () => null;\n"
NODE_HELLO = ("export const handler = async (event) => "
              "({ message: `hello ${event.name ?? 'world'}` });\n")
# Each runtime's code file and handler.
CODE_FILES = {PYTHON: ("app.py", "app.handler"), NODE: ("index.mjs", "index.handler")}
CONCURRENCY = 50
WARM_RATIO_TARGET = 2.0
COLD_P50_TARGET_MS = 150.0
BURST_WALL_TARGET_S = 0.5
INIT_DURATION = re.compile(r"Init Duration: (\d+\.\d\d) ms")
MS = 1000.0


@dataclass(frozen=True, slots=True)
class Figures:
    """One run's measurements."""

    get_function_p50_ms: float
    warm_invoke_p50_ms: float
    cold_p50_ms: float
    cold_init_p50_ms: float
    burst_walls_s: list[float]
    node_get_function_p50_ms: float
    node_warm_invoke_p50_ms: float
    node_cold_p50_ms: float
    node_cold_init_p50_ms: float

    @property
    def warm_ratio(self) -> float:
        """Warm invoke p50 over get_function p50."""
        return self.warm_invoke_p50_ms / self.get_function_p50_ms

    @property
    def node_warm_ratio(self) -> float:
        """The Node.js function's warm invoke p50 over get_function p50 (measured beside it)."""
        return self.node_warm_invoke_p50_ms / self.node_get_function_p50_ms

    def verdicts(self) -> dict[str, bool]:
        """Each target, met or not."""
        return {
            f"warm invoke p50 <= {WARM_RATIO_TARGET:g}x get_function p50":
                self.warm_ratio <= WARM_RATIO_TARGET,
            f"cold start p50 < {COLD_P50_TARGET_MS:g} ms": self.cold_p50_ms < COLD_P50_TARGET_MS,
            f"{CONCURRENCY} concurrent x 100 ms < {BURST_WALL_TARGET_S:g} s wall (median)":
                statistics.median(self.burst_walls_s) < BURST_WALL_TARGET_S,
            f"Node.js warm invoke p50 <= {WARM_RATIO_TARGET:g}x get_function p50":
                self.node_warm_ratio <= WARM_RATIO_TARGET,
        }


def main(argv: list[str] | None = None) -> int:
    """Run the three measurements and print them; 0 if every target is met."""
    parser = argparse.ArgumentParser(prog="python -m bench.lambda_invoke")
    parser.add_argument("--rounds", type=int, default=300,
                        help="warm invokes and get_function calls each (default 300)")
    parser.add_argument("--cold", type=int, default=20, help="cold starts (default 20)")
    parser.add_argument("--bursts", type=int, default=5,
                        help=f"measured rounds of {CONCURRENCY} concurrent calls (default 5)")
    args = parser.parse_args(argv)
    with sandbox() as url:
        bench = Bench(url)
        get_p50, warm_p50 = bench.warm_against_get_function(args.rounds)
        cold_p50, init_p50 = bench.cold_starts(args.cold)
        # Before the bursts, whose 50 warm workers would slow every call measured after them.
        node_get_p50, node_warm_p50 = bench.warm_against_get_function(args.rounds, NODE_NOOP,
                                                                      NODE)
        node_cold_p50, node_init_p50 = bench.cold_starts(args.cold, NODE_HELLO, NODE)
        walls = bench.bursts(args.bursts)
    figures = Figures(get_p50, warm_p50, cold_p50, init_p50, walls, node_get_p50, node_warm_p50,
                      node_cold_p50, node_init_p50)
    report(figures)
    return 0 if all(figures.verdicts().values()) else 1


class Bench:
    """Functions and clients for the measurements against one sandbox."""

    def __init__(self, url: str) -> None:
        config = Config(retries={"total_max_attempts": 1, "mode": "standard"},
                        max_pool_connections=CONCURRENCY + 10, read_timeout=60)
        session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                                        region_name=REGION)
        self.lambda_ = session.client("lambda", endpoint_url=url, config=config)
        iam = session.client("iam", endpoint_url=url)
        role_name = "bench-role"
        self.role_arn = iam.create_role(RoleName=role_name,
                                        AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
        iam.attach_role_policy(RoleName=role_name, PolicyArn=BASIC_EXECUTION_POLICY)
        self._count = 0

    def warm_against_get_function(self, rounds: int, source: str = NOOP,
                                  runtime: str = PYTHON) -> tuple[float, float]:
        """p50 of get_function and of a warm no-op invoke, interleaved call by call."""
        name = self.create(source, runtime)
        self.lambda_.invoke(FunctionName=name)  # the cold start, not measured here
        gets, invokes = [], []
        for _ in range(rounds):
            gets.append(timed(lambda: self.lambda_.get_function(FunctionName=name)))
            invokes.append(timed(lambda: self.lambda_.invoke(FunctionName=name)))
        return statistics.median(gets), statistics.median(invokes)

    def cold_starts(self, count: int, source: str = HELLO,
                    runtime: str = PYTHON) -> tuple[float, float]:
        """p50 of a new function's first invoke, client-side, and of its Init Duration."""
        latencies, inits = [], []
        for _ in range(count):
            name = self.create(source, runtime)
            started = time.perf_counter()
            reply = self.lambda_.invoke(FunctionName=name, Payload=b'{"name": "bench"}',
                                        LogType="Tail")
            latencies.append((time.perf_counter() - started) * MS)
            init = INIT_DURATION.search(base64.b64decode(reply["LogResult"]).decode())
            if init is None:
                raise RuntimeError(f"{name}'s first invoke was not a cold start")
            inits.append(float(init[1]))
        return statistics.median(latencies), statistics.median(inits)

    def bursts(self, rounds: int) -> list[float]:
        """Wall time of rounds of 50 concurrent 100 ms calls, after one warm-up round."""
        name = self.create(SLEEPER)
        self.lambda_.put_function_concurrency(FunctionName=name,
                                              ReservedConcurrentExecutions=CONCURRENCY)
        walls = []
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            self._burst(pool, name)  # warm-up: starts the 50 workers
            for _ in range(rounds):
                walls.append(self._burst(pool, name))
        return walls

    def create(self, source: str, runtime: str = PYTHON) -> str:
        """A new function of `runtime` with `source` as its code file (app.py, index.mjs)."""
        self._count += 1
        name = f"bench-{self._count}"
        file_name, handler = CODE_FILES[runtime]
        self.lambda_.create_function(FunctionName=name, Runtime=runtime,
                                     Role=self.role_arn, Handler=handler,
                                     Code={"ZipFile": package(source, file_name)})
        return name

    def _burst(self, pool: ThreadPoolExecutor, name: str) -> float:
        started = time.perf_counter()
        replies = list(pool.map(lambda _: self.lambda_.invoke(FunctionName=name),
                                range(CONCURRENCY)))
        wall = time.perf_counter() - started
        failed = [reply for reply in replies if reply.get("FunctionError")]
        if failed:
            raise RuntimeError(f"{len(failed)} of {CONCURRENCY} calls failed")
        return wall


def timed(call: Callable[[], Any]) -> float:
    """Milliseconds `call` took, its answer read whole."""
    started = time.perf_counter()
    reply = call()
    if "Payload" in reply:
        reply["Payload"].read()
    return (time.perf_counter() - started) * MS


def package(source: str, file_name: str = "app.py") -> bytes:
    """A deployment package with `source` as `file_name`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(file_name, source)
    return buffer.getvalue()


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def sandbox(port: int | None = None, startup_seconds: float = STARTUP_SECONDS,
            **settings: str) -> Iterator[str]:
    """A sandbox process of our own (on a free port unless given; in memory unless `settings`
    say otherwise), stopped afterwards; yields its URL once it answers."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {"PATH": os.environ.get("PATH", os.defpath), "PYTHONUNBUFFERED": "1",
                   "SANDBOX_PERSIST": "0", "AWS_CONFIG_FILE": os.devnull,
                   "AWS_SHARED_CREDENTIALS_FILE": os.devnull, **settings}
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen([sys.executable, "-m", "webapp.sandbox", "--port", str(port)],
                                   cwd=REPO_ROOT, env=environment, stdout=output, stderr=output)
        try:
            wait_until_healthy(process, url, output, startup_seconds)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_healthy(process: subprocess.Popen[bytes], url: str, output: Any,
                       seconds: float = STARTUP_SECONDS) -> None:
    """Poll the health check; fail with the sandbox's output if it exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            raise RuntimeError(f"sandbox exited: {output.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sandbox not healthy after {seconds} s")


def report(figures: Figures) -> None:
    """Print the figures and the verdict on each target."""
    print(f"lambda.get_function p50      {figures.get_function_p50_ms:8.2f} ms")
    print(f"warm invoke (no-op) p50      {figures.warm_invoke_p50_ms:8.2f} ms   "
          f"({figures.warm_ratio:.2f}x get_function)")
    print(f"cold start (hello) p50       {figures.cold_p50_ms:8.2f} ms   "
          f"(Init Duration p50 {figures.cold_init_p50_ms:.2f} ms)")
    walls = ", ".join(f"{wall:.3f}" for wall in figures.burst_walls_s)
    print(f"{CONCURRENCY} x 100 ms concurrent wall  "
          f"{statistics.median(figures.burst_walls_s):8.3f} s    (rounds: {walls})")
    print(f"Node.js get_function p50     {figures.node_get_function_p50_ms:8.2f} ms")
    print(f"Node.js warm invoke p50      {figures.node_warm_invoke_p50_ms:8.2f} ms   "
          f"({figures.node_warm_ratio:.2f}x get_function)")
    print(f"Node.js cold start p50       {figures.node_cold_p50_ms:8.2f} ms   "
          f"(Init Duration p50 {figures.node_cold_init_p50_ms:.2f} ms)")
    for target, met in figures.verdicts().items():
        print(f"{'met   ' if met else 'MISSED'} {target}")


if __name__ == "__main__":
    sys.exit(main())
