"""What running handlers in bubblewrap costs: `python -m bench.lambda_isolation [--rounds N]`.

Starts two sandboxes, one with SANDBOX_ISOLATION=0 (handlers run as is) and one with isolation
on (handlers run in bwrap), and measures against both, call by call in turn, so the machine's
other load falls on both alike:

1. warm invoke of a no-op handler, p50 and p95 (target: isolated p50 at most 1.2x the p50
   without isolation);
2. cold start: the first invoke of a freshly created hello function, client-side, with the
   Init Duration the REPORT line gives (reported: what bwrap adds to starting a worker).

Exit status 0 when the target is met, 1 when it is missed or bwrap is not in use.
"""
import argparse
import base64
import json
import statistics
import sys
import time
import urllib.request
from dataclasses import dataclass

from bench.dynamodb_items import percentile
from bench.lambda_invoke import HELLO, INIT_DURATION, MS, NOOP, Bench, sandbox, timed

WARM_RATIO_TARGET = 1.2
P95 = 0.95
MODES = ("unisolated", "bwrap")


@dataclass(frozen=True, slots=True)
class Timings:
    """One mode's measurements, in milliseconds."""

    warm: list[float]
    cold: list[float]
    init: list[float]

    def line(self) -> str:
        """The mode's figures on one line."""
        return (f"warm p50 {statistics.median(self.warm):6.2f} ms  "
                f"p95 {percentile(self.warm, P95):6.2f} ms   "
                f"cold p50 {statistics.median(self.cold):6.1f} ms  "
                f"(Init Duration p50 {statistics.median(self.init):5.1f} ms)")


def main(argv: list[str] | None = None) -> int:
    """Measure both modes side by side and print them; 0 if the target is met."""
    parser = argparse.ArgumentParser(prog="python -m bench.lambda_isolation")
    parser.add_argument("--rounds", type=int, default=300,
                        help="warm invokes per mode (default 300)")
    parser.add_argument("--cold", type=int, default=20, help="cold starts per mode (default 20)")
    args = parser.parse_args(argv)
    with sandbox(SANDBOX_ISOLATION="0") as plain_url, sandbox() as isolated_url:
        isolation = health(isolated_url)["isolation"]
        if not isolation["bwrap"]:
            print(f"bwrap is not in use: {isolation['detail']}")
            return 1
        benches = {"unisolated": Bench(plain_url), "bwrap": Bench(isolated_url)}
        warm = warm_invokes(benches, args.rounds)
        cold, init = cold_starts(benches, args.cold)
    timings = {mode: Timings(warm[mode], cold[mode], init[mode]) for mode in MODES}
    return report(timings)


def health(url: str) -> dict[str, object]:
    """The sandbox's health answer."""
    with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=5) as reply:
        return json.load(reply)


def warm_invokes(benches: dict[str, Bench], rounds: int) -> dict[str, list[float]]:
    """Warm no-op invokes, one per mode in turn."""
    names = {mode: bench.create(NOOP) for mode, bench in benches.items()}
    for mode, bench in benches.items():
        bench.lambda_.invoke(FunctionName=names[mode])  # the cold start, not measured here
    times: dict[str, list[float]] = {mode: [] for mode in benches}
    for _ in range(rounds):
        for mode, bench in benches.items():
            times[mode].append(timed(lambda: bench.lambda_.invoke(FunctionName=names[mode])))
    return times


def cold_starts(benches: dict[str, Bench],
                count: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """First invokes of new functions, client-side, and their Init Durations, modes in turn."""
    latencies: dict[str, list[float]] = {mode: [] for mode in benches}
    inits: dict[str, list[float]] = {mode: [] for mode in benches}
    for _ in range(count):
        for mode, bench in benches.items():
            name = bench.create(HELLO)
            started = time.perf_counter()
            reply = bench.lambda_.invoke(FunctionName=name, Payload=b'{"name": "bench"}',
                                         LogType="Tail")
            latencies[mode].append((time.perf_counter() - started) * MS)
            init = INIT_DURATION.search(base64.b64decode(reply["LogResult"]).decode())
            if init is None:
                raise RuntimeError(f"{name}'s first invoke was not a cold start")
            inits[mode].append(float(init[1]))
    return latencies, inits


def report(timings: dict[str, Timings]) -> int:
    """Print each mode's figures and the verdict; the exit status."""
    for mode in MODES:
        print(f"{mode:<11} {timings[mode].line()}")
    plain, isolated = timings["unisolated"], timings["bwrap"]
    ratio = statistics.median(isolated.warm) / statistics.median(plain.warm)
    cold_growth = statistics.median(isolated.cold) - statistics.median(plain.cold)
    init_growth = statistics.median(isolated.init) - statistics.median(plain.init)
    print(f"bwrap warm p50 = {ratio:.2f}x unisolated; cold start {cold_growth:+.1f} ms "
          f"(Init Duration {init_growth:+.1f} ms)")
    met = ratio <= WARM_RATIO_TARGET
    print(f"{'met   ' if met else 'MISSED'} bwrap warm invoke p50 <= {WARM_RATIO_TARGET:g}x "
          "unisolated p50")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
