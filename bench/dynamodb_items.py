"""The items page's first page in the sandbox: `python -m bench.dynamodb_items [--items N]`.

Starts its own sandbox on a free loopback port, loads a table of N items of about 1 KB
(default 100,000) with BatchWriteItem from parallel threads, and then measures:

1. side by side, interleaved request by request, `--rounds` times: the console's first items
   page of 50 (the Flask app from create_app pointed at the sandbox, signed in, a test client
   GET /tables/<t>/items) and the bare boto3 Scan(Limit=50) it wraps; p50 and p95 of each
   (target: console p50 at most 1.5x the bare Scan's p50);
2. memory: the tracemalloc peak of one console first-page request against a 1,000-item table
   and against the big table (target: the big table's peak at most 2x the small one's, i.e.
   the console's memory does not grow with the table).

Exit status 0 when both targets are met, 1 otherwise. Results go to bench/README.md by hand.
"""
from __future__ import annotations

import argparse
import gc
import re
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from flask.testing import FlaskClient

from bench.lambda_invoke import MS, REGION, sandbox
from webapp import create_app

BIG_TABLE = "bench-items-big"
SMALL_TABLE = "bench-items-small"
SMALL_ITEMS = 1_000
PAGE_SIZE = 50
BATCH = 25  # BatchWriteItem's limit
LOADERS = 8
RATIO_TARGET = 1.5
MEMORY_RATIO_TARGET = 2.0
PASSWORD = "bench-password"
PAYLOAD = "x" * 900  # with the other attributes, about 1 KB an item
ROW = re.compile(r"<tr>\s*<td")


@dataclass(frozen=True, slots=True)
class Figures:
    """One run's measurements."""

    item_count: int
    load_s: float
    bare_ms: list[float]
    console_ms: list[float]
    small_peak_bytes: int
    big_peak_bytes: int

    @property
    def ratio(self) -> float:
        """Console p50 over bare Scan p50."""
        return statistics.median(self.console_ms) / statistics.median(self.bare_ms)

    @property
    def memory_ratio(self) -> float:
        """Peak of a first page of the big table over that of the small one."""
        return self.big_peak_bytes / self.small_peak_bytes

    def verdicts(self) -> dict[str, bool]:
        """Each target, met or not."""
        return {
            f"console first page p50 <= {RATIO_TARGET:g}x bare Scan(Limit={PAGE_SIZE}) p50":
                self.ratio <= RATIO_TARGET,
            f"console peak memory, {self.item_count:,} items <= {MEMORY_RATIO_TARGET:g}x "
            f"{SMALL_ITEMS:,} items": self.memory_ratio <= MEMORY_RATIO_TARGET,
        }


def main(argv: list[str] | None = None) -> int:
    """Load, measure and print; 0 if every target is met."""
    parser = argparse.ArgumentParser(prog="python -m bench.dynamodb_items")
    parser.add_argument("--items", type=int, default=100_000,
                        help="items in the big table (default 100,000)")
    parser.add_argument("--rounds", type=int, default=30,
                        help="first pages of each kind, interleaved (default 30)")
    args = parser.parse_args(argv)
    with sandbox() as url, tempfile.TemporaryDirectory() as scratch:
        dynamodb = bare_client(url)
        load_s = load(dynamodb, BIG_TABLE, args.items)
        print(f"loaded {args.items:,} items of ~1 KB in {load_s:.1f} s "
              f"({args.items / load_s:,.0f} items/s, {LOADERS} threads)", flush=True)
        load(dynamodb, SMALL_TABLE, SMALL_ITEMS)
        console = signed_in_console(url, Path(scratch))
        bare_ms, console_ms = side_by_side(dynamodb, console, args.rounds)
        small_peak = first_page_peak(console, SMALL_TABLE)
        big_peak = first_page_peak(console, BIG_TABLE)
        figures = Figures(args.items, load_s, bare_ms, console_ms, small_peak, big_peak)
        report(figures)
        # A sandbox holding 100,000 items can take longer to stop than the sandbox helper waits.
        for table_name in (BIG_TABLE, SMALL_TABLE):
            dynamodb.delete_table(TableName=table_name)
    return 0 if all(figures.verdicts().values()) else 1


def bare_client(url: str) -> Any:
    """A low-level DynamoDB client on the sandbox, pooled for the loader threads."""
    session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                                    region_name=REGION)
    return session.client("dynamodb", endpoint_url=url,
                          config=Config(max_pool_connections=LOADERS + 2, read_timeout=120,
                                        retries={"mode": "standard", "total_max_attempts": 4}))


def load(dynamodb: Any, table_name: str, count: int) -> float:
    """Create a table keyed by pk and write `count` items in batches of 25; seconds taken."""
    dynamodb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    dynamodb.get_waiter("table_exists").wait(TableName=table_name,
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    batches = [range(start, min(start + BATCH, count)) for start in range(0, count, BATCH)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=LOADERS) as pool:
        for _ in pool.map(lambda numbers: write_batch(dynamodb, table_name, numbers), batches):
            pass
    return time.perf_counter() - started


def write_batch(dynamodb: Any, table_name: str, numbers: range) -> None:
    """One BatchWriteItem of the numbered items, resending what comes back unprocessed."""
    requests = [{"PutRequest": {"Item": wire_item(number)}} for number in numbers]
    for attempt in range(10):
        reply = dynamodb.batch_write_item(RequestItems={table_name: requests})
        requests = reply.get("UnprocessedItems", {}).get(table_name, [])
        if not requests:
            return
        time.sleep(0.05 * 2 ** attempt)
    raise RuntimeError(f"{len(requests)} items stayed unprocessed")


def wire_item(number: int) -> dict[str, dict[str, Any]]:
    """Item `number` as an AttributeValue map: about 1 KB."""
    return {"pk": {"S": f"item-{number:07d}"}, "n": {"N": str(number)},
            "name": {"S": f"Product number {number}"}, "price": {"N": f"{number % 1000}.99"},
            "active": {"BOOL": number % 2 == 0},
            "tags": {"L": [{"S": "bench"}, {"S": f"group-{number % 10}"}]},
            "payload": {"S": PAYLOAD}}


def signed_in_console(url: str, scratch: Path) -> FlaskClient:
    """The console app on the sandbox, and a test client signed in to it."""
    app = create_app({"TESTING": True, "CONSOLE_BACKEND": "sandbox", "AWS_ENDPOINT_URL": url,
                      "AWS_REGION": REGION, "CONSOLE_PASSWORD": PASSWORD,
                      "CONSOLE_TEST_EVENTS_FILE": str(scratch / "test-events.json")})
    client = app.test_client()
    login = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)
    if token is None:
        raise RuntimeError("no CSRF token on /login")
    reply = client.post("/login", data={"secret": PASSWORD, "csrf_token": token.group(1)})
    if reply.status_code != 303:
        raise RuntimeError(f"sign-in answered {reply.status_code}")
    return client


def console_first_page(console: FlaskClient, table_name: str) -> None:
    """GET the items page and check it shows a full first page."""
    reply = console.get(f"/tables/{table_name}/items")
    rows = len(ROW.findall(reply.text))
    if reply.status_code != 200 or rows != PAGE_SIZE:
        raise RuntimeError(f"items page answered {reply.status_code} with {rows} rows")


def bare_scan(dynamodb: Any) -> None:
    """The Scan the console's first page wraps."""
    reply = dynamodb.scan(TableName=BIG_TABLE, Limit=PAGE_SIZE)
    if len(reply["Items"]) != PAGE_SIZE:
        raise RuntimeError(f"Scan returned {len(reply['Items'])} items")


def side_by_side(dynamodb: Any, console: FlaskClient, rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds of each bare Scan and console page, interleaved, after a warm-up of each."""
    bare_scan(dynamodb)
    console_first_page(console, BIG_TABLE)
    bare_ms, console_ms = [], []
    for round_number in range(rounds):
        pair = [(bare_ms, lambda: bare_scan(dynamodb)),
                (console_ms, lambda: console_first_page(console, BIG_TABLE))]
        for times, call in pair if round_number % 2 == 0 else reversed(pair):
            times.append(timed(call))
    return bare_ms, console_ms


def timed(call: Callable[[], None]) -> float:
    """Milliseconds `call` took."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * MS


def first_page_peak(console: FlaskClient, table_name: str) -> int:
    """tracemalloc's peak, in bytes, during one console first-page request (after a warm one)."""
    console_first_page(console, table_name)
    gc.collect()
    tracemalloc.start()
    try:
        console_first_page(console, table_name)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def report(figures: Figures) -> None:
    """Print the figures and the verdict on each target."""
    for label, times in (("bare Scan(Limit=50)", figures.bare_ms),
                         ("console first page", figures.console_ms)):
        print(f"{label:<22} p50 {percentile(times, 0.5):7.2f} ms   "
              f"p95 {percentile(times, 0.95):7.2f} ms   ({len(times)} requests)")
    print(f"ratio of p50s          {figures.ratio:.2f}x")
    print(f"console peak memory    {SMALL_ITEMS:,} items: {figures.small_peak_bytes / 1024:,.0f} KiB"
          f"   {figures.item_count:,} items: {figures.big_peak_bytes / 1024:,.0f} KiB"
          f"   ({figures.memory_ratio:.2f}x)")
    for target, met in figures.verdicts().items():
        print(f"{'met   ' if met else 'MISSED'} {target}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
