"""Which AWS calls change the sandbox's state, and so are journaled.

By AWS's naming, reads start with a read verb (Get, List, Describe, Query, Scan, ...). Everything
else a signed request calls changes something, and is journaled once it succeeds, except:

* Lambda's Invoke family: an invocation's lasting results (log events, metrics) are journaled as
  the sandbox writes them, and running the code again on replay would repeat its side effects.

STS's AssumeRole is a change like any other: the keys it gave keep working after a restart.
"""
from webapp.sandbox.dispatch import AwsOperation

READ_PREFIXES = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "TransactGet",
                 "Filter", "Test", "Simulate", "Search", "Lookup", "Validate", "Estimate",
                 "Check", "Decode", "Preview")
NOT_JOURNALED = frozenset({
    ("lambda", "Invoke"), ("lambda", "InvokeAsync"), ("lambda", "InvokeWithResponseStream"),
})


def is_change(operation: AwsOperation | None) -> bool:
    """Whether a call of `operation` may change state (so its success is journaled)."""
    if operation is None:
        return False
    if (operation.service, operation.name) in NOT_JOURNALED:
        return False
    return not operation.name.startswith(READ_PREFIXES)
