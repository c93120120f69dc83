"""Log searches and the live tail in the sandbox: `python -m bench.log_events [--streams N]`.

Starts its own sandbox on a free loopback port and loads, with PutLogEvents batches from
parallel threads, a big log group of `--streams` x `--events` events (default 100 x 2,000 =
200,000) spread over the last ten hours, and a small group of 1,000 events laid out the same
way. The lines are Lambda-like: START/END/REPORT, print output, `[INFO]`/`[ERROR]` logger lines
and JSON lines, about 5% of them carrying ERROR. Then it measures, interleaved request by
request, `--rounds` times, p50 and p95 of:

1. the first filtered page: bare FilterLogEvents(logGroupName, filterPattern="ERROR", limit=200)
   against the console's GET /logs/?group=G&pattern=ERROR&order=oldest as the filter form sends
   it (htmx: HX-Target log-view, the view swapped without the group's facts; the Flask app from
   create_app pointed at the sandbox, signed in, a test client); target: console p50 at most
   1.5x the bare call's p50. The order=newest filter and the whole page (a reload: the page
   shell and DescribeLogGroups too) are reported beside them.
2. a live-tail poll: the console's GET /logs/tail?group=G&since=<now ms> against the small and
   the big group, after one new event was put into each; target: the big group's p50 at most
   1.5x the small group's (the poll's cost does not grow with the group). The bare
   FilterLogEvents(startTime=now-60s) on each group is reported beside them.

Exit status 0 when both targets are met, 1 otherwise. Results go to bench/README.md by hand.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from flask.testing import FlaskClient

from bench.dynamodb_items import percentile, signed_in_console, timed
from bench.lambda_invoke import REGION, sandbox

BIG_GROUP = "/aws/lambda/bench-logs-big"
SMALL_GROUP = "/aws/lambda/bench-logs-small"
SMALL_STREAMS, SMALL_EVENTS = 10, 100
SPAN_MS = 10 * 3_600_000  # the loaded events' timestamps cover the last ten hours...
GAP_MS = 5 * 60_000  # ...ending five minutes ago, before any live-tail window
BATCH = 1_000
LOADERS = 8
PAGE = 200
RECENT_MS = 60_000
RATIO_TARGET = 1.5
ROW = re.compile(r'<tr class="log-event"')


@dataclass(frozen=True, slots=True)
class Figures:
    """One run's measurements, in milliseconds."""

    event_count: int
    load_s: float
    bare_ms: list[float]
    oldest_ms: list[float]
    newest_ms: list[float]
    tail_small_ms: list[float]
    tail_big_ms: list[float]
    recent_small_ms: list[float]
    recent_big_ms: list[float]
    full_page_ms: list[float]

    @property
    def page_ratio(self) -> float:
        """Console oldest-first page p50 over the bare FilterLogEvents p50."""
        return statistics.median(self.oldest_ms) / statistics.median(self.bare_ms)

    @property
    def tail_ratio(self) -> float:
        """Tail poll p50 on the big group over that on the small group."""
        return statistics.median(self.tail_big_ms) / statistics.median(self.tail_small_ms)

    def verdicts(self) -> dict[str, bool]:
        """Each target, met or not."""
        return {
            f"console first filtered page p50 <= {RATIO_TARGET:g}x bare FilterLogEvents p50":
                self.page_ratio <= RATIO_TARGET,
            f"tail poll p50, {self.event_count:,} events <= {RATIO_TARGET:g}x "
            f"{SMALL_STREAMS * SMALL_EVENTS:,} events": self.tail_ratio <= RATIO_TARGET,
        }


def main(argv: list[str] | None = None) -> int:
    """Load, measure and print; 0 if every target is met."""
    parser = argparse.ArgumentParser(prog="python -m bench.log_events")
    parser.add_argument("--streams", type=int, default=100, help="streams in the big group")
    parser.add_argument("--events", type=int, default=2_000, help="events per big-group stream")
    parser.add_argument("--rounds", type=int, default=30,
                        help="requests of each kind, interleaved (default 30)")
    args = parser.parse_args(argv)
    with sandbox() as url, tempfile.TemporaryDirectory() as scratch:
        logs = bare_client(url)
        count = args.streams * args.events
        load_s = load(logs, BIG_GROUP, args.streams, args.events)
        print(f"loaded {count:,} events in {load_s:.1f} s ({count / load_s:,.0f} events/s, "
              f"{LOADERS} threads, batches of {BATCH:,})", flush=True)
        load(logs, SMALL_GROUP, SMALL_STREAMS, SMALL_EVENTS)
        console = signed_in_console(url, Path(scratch))
        figures = measure(logs, console, count, load_s, args.rounds)
        report(figures)
        for group in (BIG_GROUP, SMALL_GROUP):
            logs.delete_log_group(logGroupName=group)
    return 0 if all(figures.verdicts().values()) else 1


def bare_client(url: str) -> Any:
    """A CloudWatch Logs client on the sandbox, pooled for the loader threads."""
    session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                                    region_name=REGION)
    return session.client("logs", endpoint_url=url,
                          config=Config(max_pool_connections=LOADERS + 2, read_timeout=120,
                                        retries={"mode": "standard", "total_max_attempts": 4}))


def load(logs: Any, group: str, streams: int, per_stream: int) -> float:
    """Create `group` with `streams` streams of `per_stream` events each; seconds taken."""
    logs.create_log_group(logGroupName=group)
    names = [f"2026/11/26/[$LATEST]{number:032x}" for number in range(streams)]
    for name in names:
        logs.create_log_stream(logGroupName=group, logStreamName=name)
    end = int(time.time() * 1000) - GAP_MS
    step = max(1, SPAN_MS // per_stream)
    jobs = [(group, name, stream_number, start, min(per_stream, start + BATCH), end, step)
            for stream_number, name in enumerate(names)
            for start in range(0, per_stream, BATCH)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=LOADERS) as pool:
        for _ in pool.map(lambda job: put_batch(logs, *job, per_stream), jobs):
            pass
    return time.perf_counter() - started


def put_batch(logs: Any, group: str, stream: str, stream_number: int, first: int, last: int,
              end: int, step: int, per_stream: int) -> None:
    """Events first..last-1 of one stream, oldest `per_stream * step` ms before `end`."""
    events = [{"timestamp": end - (per_stream - number) * step + stream_number,
               "message": line(stream_number, number)} for number in range(first, last)]
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def line(stream_number: int, number: int) -> str:
    """A Lambda-like log line; one in 20 carries ERROR."""
    request = f"{stream_number:08x}-0000-4000-8000-{number:012x}"
    kind = number % 20
    if kind == 0:
        return f"START RequestId: {request} Version: $LATEST\n"
    if kind == 7:
        return f"[ERROR]\t2026-11-26T00:00:00.000Z\t{request}\tpayment failed for order {number}\n"
    if kind in (3, 11):
        return json.dumps({"level": "INFO", "requestId": request, "message": "charged",
                           "amount": number % 997}) + "\n"
    if kind == 18:
        return f"END RequestId: {request}\n"
    if kind == 19:
        return (f"REPORT RequestId: {request}\tDuration: {number % 90 + 1}.25 ms\tBilled "
                f"Duration: {number % 90 + 2} ms\tMemory Size: 128 MB\tMax Memory Used: 41 MB\t\n")
    return f"[INFO]\t2026-11-26T00:00:00.000Z\t{request}\tstep {kind} of order {number} done\n"


# What the browser sends when the filter form is submitted: htmx swaps the group's view only.
FILTER_FORM = {"HX-Request": "true", "HX-Target": "log-view"}


def console_rows(console: FlaskClient, path: str, at_least: int,
                 headers: dict[str, str] | None = None) -> None:
    """GET a console page or fragment and check it answers 200 with enough event rows."""
    reply = console.get(path, headers=headers or {})
    rows = len(ROW.findall(reply.text))
    if reply.status_code != 200 or rows < at_least:
        raise RuntimeError(f"{path} answered {reply.status_code} with {rows} rows")


def bare_page(logs: Any) -> None:
    """The FilterLogEvents call behind the console's first filtered page."""
    reply = logs.filter_log_events(logGroupName=BIG_GROUP, filterPattern="ERROR", limit=PAGE)
    if len(reply["events"]) != PAGE:
        raise RuntimeError(f"FilterLogEvents returned {len(reply['events'])} events")


def bare_recent(logs: Any, group: str) -> None:
    """FilterLogEvents over the last minute: only the events this run put."""
    now = int(time.time() * 1000)
    logs.filter_log_events(logGroupName=group, startTime=now - RECENT_MS)


def tail_poll(logs: Any, console: FlaskClient, group: str, round_number: int) -> float:
    """Put one new event, then time one live-tail poll that must show it."""
    since = int(time.time() * 1000) - 1
    stream = "2026/11/26/[$LATEST]" + "f" * 32
    if round_number == 0:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": since + 1, "message": f"[INFO]\tfresh line {round_number}\n"}])
    return timed(lambda: console_rows(console, f"/logs/tail?group={group}&since={since}", 1))


def measure(logs: Any, console: FlaskClient, count: int, load_s: float,
            rounds: int) -> Figures:
    """Every timing, interleaved, after a warm-up of each kind."""
    oldest = f"/logs/?group={BIG_GROUP}&pattern=ERROR&order=oldest&range=all"
    newest = f"/logs/?group={BIG_GROUP}&pattern=ERROR&order=newest&range=all"
    bare_page(logs)
    console_rows(console, oldest, PAGE, FILTER_FORM)
    console_rows(console, newest, PAGE, FILTER_FORM)
    console_rows(console, oldest, PAGE)
    times: dict[str, list[float]] = {key: [] for key in (
        "bare", "oldest", "newest", "tail_small", "tail_big", "recent_small", "recent_big",
        "full_page")}
    for round_number in range(rounds):
        calls: list[tuple[str, Callable[[], float]]] = [
            ("bare", lambda: timed(lambda: bare_page(logs))),
            ("oldest", lambda: timed(lambda: console_rows(console, oldest, PAGE, FILTER_FORM))),
            ("newest", lambda: timed(lambda: console_rows(console, newest, PAGE, FILTER_FORM))),
            ("full_page", lambda: timed(lambda: console_rows(console, oldest, PAGE))),
            ("tail_small", lambda: tail_poll(logs, console, SMALL_GROUP, round_number)),
            ("tail_big", lambda: tail_poll(logs, console, BIG_GROUP, round_number)),
            ("recent_small", lambda: timed(lambda: bare_recent(logs, SMALL_GROUP))),
            ("recent_big", lambda: timed(lambda: bare_recent(logs, BIG_GROUP))),
        ]
        for key, call in calls if round_number % 2 == 0 else reversed(calls):
            times[key].append(call())
    return Figures(count, load_s, times["bare"], times["oldest"], times["newest"],
                   times["tail_small"], times["tail_big"], times["recent_small"],
                   times["recent_big"], times["full_page"])


def report(figures: Figures) -> None:
    """Print the figures and the verdict on each target."""
    small = f"{SMALL_STREAMS * SMALL_EVENTS:,}"
    big = f"{figures.event_count:,}"
    for label, times in (
            ("bare FilterLogEvents ERROR limit 200", figures.bare_ms),
            ("console filter, oldest first", figures.oldest_ms),
            ("console filter, newest first", figures.newest_ms),
            ("console whole page, oldest first", figures.full_page_ms),
            (f"tail poll, {small} events", figures.tail_small_ms),
            (f"tail poll, {big} events", figures.tail_big_ms),
            (f"bare last minute, {small} events", figures.recent_small_ms),
            (f"bare last minute, {big} events", figures.recent_big_ms)):
        print(f"{label:<40} p50 {percentile(times, 0.5):8.2f} ms   "
              f"p95 {percentile(times, 0.95):8.2f} ms   ({len(times)} requests)")
    print(f"console oldest page / bare FilterLogEvents  {figures.page_ratio:.2f}x")
    print(f"tail poll {big} / {small} events        {figures.tail_ratio:.2f}x")
    for target, met in figures.verdicts().items():
        print(f"{'met   ' if met else 'MISSED'} {target}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
