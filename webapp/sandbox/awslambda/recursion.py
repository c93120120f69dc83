"""Lambda's recursive loop detection: a chain of invocations is stopped after 16.

A function subscribed to its own log group (or to a group its handler writes to) is invoked
with its own log lines, which it logs again: an endless loop that kept the sandbox busy and its
logs growing for as long as it ran. AWS documents how Lambda stops such loops (developer guide,
"Use Lambda recursive loop detection to prevent infinite loops"): Lambda counts, in the X-Ray
trace header's `Lineage` that AWS SDKs pass on from `_X_AMZN_TRACE_ID` as `X-Amzn-Trace-Id`,
how many times one triggering event has invoked a function, and "if your function is invoked
more than 16 times in the same chain of requests, Lambda automatically stops the next function
invocation in that request chain", counting it in the RecursiveInvocationsDropped metric.

AWS lists SQS, SNS and S3 among the loops it detects, not CloudWatch Logs subscriptions; the
sandbox applies the same rule to them as its own guard (a real account pays for such a loop; a
sandbox would spin until stopped). It counts the chain through subscriptions:
* an invocation carries its chain's length in its trace header (`Lineage=<hash>:<count>`), and
  writes its log lines within that count;
* a request carrying such a header (the handler's SDK putting log events) runs within the
  header's count;
* a subscription delivery made within count n invokes at n + 1, and is dropped past MAX_CHAIN.
"""
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

MAX_CHAIN = 16
TRACE_HEADER = "X-Amzn-Trace-Id"
# `Lineage=<8 hex digits>:<count>`, maybe several joined by '|'; counts past four digits are
# read as the limit.
_LINEAGE = re.compile(r"(?:^|;)Lineage=([^;]*)")
_COUNT = re.compile(r"[0-9a-f]{8}:([0-9]{1,4})")
_chain: ContextVar[int] = ContextVar("lambda_invocation_chain", default=0)


def lineage(function_arn: str, count: int) -> str:
    """The trace header's Lineage field for an invocation `count` deep in its chain."""
    return f"Lineage={zlib.crc32(function_arn.encode()):08x}:{count}"


def chain_of(trace_header: str | None) -> int:
    """How deep in a chain the request carrying `trace_header` was made (0: no chain)."""
    found = _LINEAGE.search(trace_header or "")
    if found is None:
        return 0
    counts = [int(count) for count in _COUNT.findall(found[1])]
    return min(max(counts, default=0), MAX_CHAIN + 1)


def current_chain() -> int:
    """The chain the running code is part of."""
    return _chain.get()


def enter_request(trace_header: str | None) -> None:
    """A request starts: its work is part of the chain its trace header names."""
    _chain.set(chain_of(trace_header))


@contextmanager
def within_chain(count: int) -> Iterator[None]:
    """Run the block as part of a chain `count` long."""
    token = _chain.set(count)
    try:
        yield
    finally:
        _chain.reset(token)
