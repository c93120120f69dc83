"""What keeping the sandbox's state costs: `python -m bench.sandbox_state [--items N]`.

Starts a sandbox with SANDBOX_PERSIST=1 over a temporary data directory and measures:

1. PutItem latency, p50 and p95, journaled to disk, next to the same calls against a sandbox with
   SANDBOX_PERSIST=0 (which journals into an unnamed temporary file) — the cost of the disk;
2. start-up with that history: N single PutItems, N/25 BatchWriteItems of 25, and 200 Lambda
   invocations (each journaling its log events and metrics), then a restart: the time until the
   health check answers, and the replay rate the sandbox reports (target: at least 500 changes
   a second, so an afternoon's work of ~10,000 changes is back within twenty seconds);
3. the journal's size, and a snapshot's (gzip) size.

Exit status 0 when the target is met, 1 otherwise. Results go to bench/README.md by hand.
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3

from bench.lambda_invoke import (BASIC_EXECUTION_POLICY, REGION, TRUST_POLICY, free_port, package,
                                 sandbox)

STARTUP_SECONDS = 300.0
TARGET_CHANGES_PER_SECOND = 500
INVOCATIONS = 200
HANDLER = "def handler(event, context):\n    print('item', event)\n    return event\n"


def state_of(url: str) -> dict[str, Any]:
    """The `state` part of the sandbox's health answer."""
    with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=5) as reply:
        return json.load(reply)["state"]


def client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name=REGION,
                        aws_access_key_id="bench", aws_secret_access_key="bench")


def make_table(dynamodb: Any) -> None:
    dynamodb.create_table(TableName="bench", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])


def put_latencies(dynamodb: Any, count: int, prefix: str) -> list[float]:
    latencies = []
    for number in range(count):
        began = time.perf_counter()
        dynamodb.put_item(TableName="bench", Item={"id": {"S": f"{prefix}{number}"},
                                                   "text": {"S": "x" * 100}})
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies


def measured_puts(url: str, count: int) -> list[float]:
    """A table, 100 warm-up PutItems, then `count` measured ones."""
    dynamodb = client(url, "dynamodb")
    make_table(dynamodb)
    put_latencies(dynamodb, 100, "warm")
    return put_latencies(dynamodb, count, "m")


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95)]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms"


def build_history(url: str, items: int) -> int:
    dynamodb = client(url, "dynamodb")
    for start_at in range(items, items * 2, 25):
        dynamodb.batch_write_item(RequestItems={"bench": [
            {"PutRequest": {"Item": {"id": {"S": f"b{number}"}}}}
            for number in range(start_at, min(start_at + 25, items * 2))]})
    iam, lambda_api = client(url, "iam"), client(url, "lambda")
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
    iam.attach_role_policy(RoleName="bench", PolicyArn=BASIC_EXECUTION_POLICY)
    lambda_api.create_function(FunctionName="bench", Runtime="python3.12", Role=role,
                               Handler="app.handler", Code={"ZipFile": package(HANDLER)})
    for number in range(INVOCATIONS):
        lambda_api.invoke(FunctionName="bench", Payload=json.dumps({"n": number}).encode())
    return client(url, "dynamodb").scan(TableName="bench", Select="COUNT")["Count"]


def snapshot_bytes(url: str) -> int:
    with urllib.request.urlopen(f"{url}/_sandbox/state", timeout=120) as reply:
        return len(reply.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    args = parser.parse_args()
    with sandbox() as memory_url:
        in_memory = measured_puts(memory_url, args.items)
    with tempfile.TemporaryDirectory() as directory:
        port = free_port()
        kept = {"SANDBOX_PERSIST": "1", "SANDBOX_DATA_DIR": str(Path(directory) / "data")}
        began = time.perf_counter()
        with sandbox(port, STARTUP_SECONDS, **kept) as url:
            cold_start = time.perf_counter() - began
            on_disk = measured_puts(url, args.items)
            count = build_history(url, args.items)
            state = state_of(url)
            snapshot = snapshot_bytes(url)
        began = time.perf_counter()
        with sandbox(port, STARTUP_SECONDS, **kept) as url:
            restart = time.perf_counter() - began
            restored = state_of(url)["restored"]
            again = client(url, "dynamodb").scan(TableName="bench", Select="COUNT")["Count"]
    rate = restored["changes"] / max(restored["seconds"], 1e-9)
    print(f"PutItem, SANDBOX_PERSIST=0 (temporary journal): {summary(in_memory)}")
    print(f"PutItem, SANDBOX_PERSIST=1 (journal on disk):   {summary(on_disk)}")
    print(f"history: {state['changes']} changes ({count} items, {INVOCATIONS} invocations), "
          f"journal {state['bytes'] / 1e6:.1f} MB, snapshot {snapshot / 1e6:.2f} MB (gzip)")
    print(f"start-up: empty {cold_start:.2f} s; with that history {restart:.2f} s "
          f"(replay {restored['seconds']:.2f} s, {rate:,.0f} changes/s, "
          f"{restored['failed']} failed); items after restart: {again}")
    met = rate >= TARGET_CHANGES_PER_SECOND and again == count and restored["failed"] == 0
    print("target met" if met else f"target NOT met (>= {TARGET_CHANGES_PER_SECOND} changes/s)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
