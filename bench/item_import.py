"""Importing items through the console: `python -m bench.item_import [--items N] [--rounds R]`.

Starts its own sandbox on a free loopback port and, round by round, imports the same N items
(about 200 bytes each; default 10,000) two ways into fresh tables:

* a bare boto3 loop: `Table.batch_writer()` and `put_item` for each item;
* the console: the Flask app from create_app, pointed at the sandbox and signed in, given the
  items as a JSON lines upload through the import form, then polling the progress page until
  it says done.

Target: the console's median wall time at most 1.5x the bare loop's. Exit status 0 when met,
1 otherwise. Results go to bench/README.md by hand.
"""
from __future__ import annotations

import argparse
import io
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
from flask.testing import FlaskClient

from bench.lambda_invoke import REGION, sandbox
from webapp import create_app
from webapp.aws.dynamodb import item_json

RATIO_TARGET = 1.5
PASSWORD = "bench-password"
POLL_SECONDS = 0.2  # a browser polls every 0.5 s
WARM_UP_ITEMS = 100
DONE = re.compile(r"(\d+) of (\d+) items written, (\d+) failed\.")


@dataclass(frozen=True, slots=True)
class Figures:
    """Wall times of every round, in seconds."""

    bare_s: list[float]
    console_s: list[float]

    @property
    def ratio(self) -> float:
        """Console median over bare median."""
        return statistics.median(self.console_s) / statistics.median(self.bare_s)


def main(argv: list[str] | None = None) -> int:
    """Measure and print; 0 if the target is met."""
    parser = argparse.ArgumentParser(prog="python -m bench.item_import")
    parser.add_argument("--items", type=int, default=10_000, help="items per import (10,000)")
    parser.add_argument("--rounds", type=int, default=3, help="imports of each kind (3)")
    args = parser.parse_args(argv)
    with sandbox() as url:
        figures = measure(url, args.items, args.rounds)
    print(f"items per import: {args.items}, rounds: {args.rounds}")
    print("bare batch_writer: " + ", ".join(f"{seconds:.2f}" for seconds in figures.bare_s)
          + f" s (median {statistics.median(figures.bare_s):.2f} s)")
    print("console import:    " + ", ".join(f"{seconds:.2f}" for seconds in figures.console_s)
          + f" s (median {statistics.median(figures.console_s):.2f} s)")
    met = figures.ratio <= RATIO_TARGET
    print(f"ratio {figures.ratio:.2f}x (target <= {RATIO_TARGET:g}x): {'met' if met else 'MISSED'}")
    return 0 if met else 1


def measure(url: str, count: int, rounds: int) -> Figures:
    """Import `count` items both ways, `rounds` times, alternating which goes first."""
    session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                                     region_name=REGION)
    dynamodb = session.resource("dynamodb", endpoint_url=url)
    items = list(make_items(count))
    lines = "".join(item_json.dump_line(item) + "\n" for item in items).encode()
    with tempfile.TemporaryDirectory() as scratch:
        client = signed_in_console(url, Path(scratch))
        # First calls pay for clients, templates and imports; neither side is timed on them.
        warm_items = items[:WARM_UP_ITEMS]
        import_bare(make_table(dynamodb, "bench-warm-bare"), warm_items)
        import_through_console(client, make_table(dynamodb, "bench-warm-console").name,
                               "".join(item_json.dump_line(item) + "\n"
                                       for item in warm_items).encode(), len(warm_items))
        bare_s, console_s = [], []
        for round_number in range(rounds):
            bare_table = make_table(dynamodb, f"bench-bare-{round_number}")
            console_table = make_table(dynamodb, f"bench-console-{round_number}")
            if round_number % 2:
                console_s.append(import_through_console(client, console_table.name, lines, count))
                bare_s.append(import_bare(bare_table, items))
            else:
                bare_s.append(import_bare(bare_table, items))
                console_s.append(import_through_console(client, console_table.name, lines, count))
            print(f"round {round_number + 1}: bare {bare_s[-1]:.2f} s, "
                  f"console {console_s[-1]:.2f} s", flush=True)
            for table in (bare_table, console_table):
                table.reload()
                if table.item_count != count:  # DescribeTable; the sandbox counts live
                    raise RuntimeError(f"{table.name} has {table.item_count} items, not {count}")
    return Figures(bare_s, console_s)


def make_items(count: int) -> Iterator[dict[str, Any]]:
    """Items of about 200 bytes: a key, a few scalars, a list and some text."""
    for number in range(count):
        yield {"id": f"item-{number:06}", "name": f"Product number {number}",
               "price": Decimal(number % 1000) / 100, "stock": number % 37,
               "tags": ["bench", f"group-{number % 10}"], "active": number % 2 == 0,
               "note": "lorem ipsum dolor sit amet " * 3}


def make_table(dynamodb: Any, table_name: str) -> Any:
    """A fresh on-demand table keyed by id."""
    table = dynamodb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    # The sandbox, like AWS, shows CREATING for a moment; the default waiter polls every 20 s.
    table.meta.client.get_waiter("table_exists").wait(TableName=table_name,
                                                      WaiterConfig={"Delay": 0.2})
    return table


def signed_in_console(url: str, scratch: Path) -> FlaskClient:
    """The console app on the sandbox, and a test client signed in to it."""
    app = create_app({"TESTING": True, "CONSOLE_BACKEND": "sandbox", "AWS_ENDPOINT_URL": url,
                      "AWS_REGION": REGION, "CONSOLE_PASSWORD": PASSWORD,
                      "CONSOLE_TEST_EVENTS_FILE": str(scratch / "test-events.json")})
    client = app.test_client()
    reply = client.post("/login", data={"secret": PASSWORD, "csrf_token": _csrf(client, "/login")})
    if reply.status_code != 303:
        raise RuntimeError(f"sign-in answered {reply.status_code}")
    return client


def import_bare(table: Any, items: list[dict[str, Any]]) -> float:
    """Seconds for a batch_writer loop over the items."""
    started = time.perf_counter()
    with table.batch_writer() as writer:
        for item in items:
            writer.put_item(Item=item)
    return time.perf_counter() - started


def import_through_console(client: FlaskClient, table_name: str, lines: bytes, count: int) -> float:
    """Seconds from posting the upload to the progress page saying every item was written."""
    form_path = f"/tables/{table_name}/import"
    token = _csrf(client, form_path)
    started = time.perf_counter()
    reply = client.post(form_path, content_type="multipart/form-data", data={
        "format": "plain", "csrf_token": token, "upload": (io.BytesIO(lines), "items.jsonl")})
    if reply.status_code != 303:
        raise RuntimeError(f"import answered {reply.status_code}: {reply.text[:500]}")
    progress_path = reply.headers["Location"]
    while True:
        page = client.get(progress_path, headers={"HX-Request": "true"}).text
        if "hx-trigger" not in page:
            break
        time.sleep(POLL_SECONDS)
    elapsed = time.perf_counter() - started
    done = DONE.search(page)
    if not done or done.groups() != (str(count), str(count), "0"):
        raise RuntimeError(f"import did not write every item: {done and done.group(0)}")
    return elapsed


def _csrf(client: FlaskClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    if not match:
        raise RuntimeError(f"no CSRF token on {path}")
    return match.group(1)


if __name__ == "__main__":
    raise SystemExit(main())
