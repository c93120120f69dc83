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
import base64
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import boto3

REPO_ROOT = Path(__file__).resolve().parents[1]
REGION = "ap-northeast-2"
STARTUP_SECONDS = 300.0
TARGET_CHANGES_PER_SECOND = 500
INVOCATIONS = 200
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
HANDLER = "def handler(event, context):\n    print('item', event)\n    return event\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def health(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=1) as reply:
            return json.load(reply)
    except OSError:
        return None


def start(port: int, persist: bool, data_dir: Path) -> tuple[subprocess.Popen[bytes], float]:
    environment = {"PATH": os.environ.get("PATH", os.defpath), "PYTHONUNBUFFERED": "1",
                   "SANDBOX_PERSIST": "1" if persist else "0", "SANDBOX_DATA_DIR": str(data_dir),
                   "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "webapp.sandbox", "--port", str(port)],
                               cwd=REPO_ROOT, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if health(url) is not None:
            return process, time.perf_counter() - began
        time.sleep(0.02)
    process.kill()
    raise SystemExit("the sandbox did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=30)


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


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95)]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms"


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    return buffer.getvalue()


def build_history(url: str, items: int) -> int:
    dynamodb = client(url, "dynamodb")
    for start_at in range(items, items * 2, 25):
        dynamodb.batch_write_item(RequestItems={"bench": [
            {"PutRequest": {"Item": {"id": {"S": f"b{number}"}}}}
            for number in range(start_at, min(start_at + 25, items * 2))]})
    iam, lambda_api = client(url, "iam"), client(url, "lambda")
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.attach_role_policy(RoleName="bench", PolicyArn="arn:aws:iam::aws:policy/service-role/"
                                                       "AWSLambdaBasicExecutionRole")
    lambda_api.create_function(FunctionName="bench", Runtime="python3.12", Role=role,
                               Handler="app.handler", Code={"ZipFile": package()})
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
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory) / "data"
        memory_port = free_port()
        memory, _ = start(memory_port, False, data_dir)
        memory_url = f"http://127.0.0.1:{memory_port}"
        make_table(client(memory_url, "dynamodb"))
        put_latencies(client(memory_url, "dynamodb"), 100, "warm")
        in_memory = put_latencies(client(memory_url, "dynamodb"), args.items, "m")
        stop(memory)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process, cold_start = start(port, True, data_dir)
        make_table(client(url, "dynamodb"))
        put_latencies(client(url, "dynamodb"), 100, "warm")
        on_disk = put_latencies(client(url, "dynamodb"), args.items, "d")
        count = build_history(url, args.items)
        state = health(url)["state"]
        snapshot = snapshot_bytes(url)
        stop(process)

        process, restart = start(port, True, data_dir)
        restored = health(url)["state"]["restored"]
        again = client(url, "dynamodb").scan(TableName="bench", Select="COUNT")["Count"]
        stop(process)
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
