"""Which AWS calls change the sandbox's state, and so are journaled.

By AWS's naming, reads start with a read verb (Get, List, Describe, Query, Scan, ...). Everything
else a signed request calls changes something, and is journaled once it succeeds, except:

* Lambda's Invoke family: an invocation's lasting results (log events, metrics) are journaled as
  the sandbox writes them, and running the code again on replay would repeat its side effects.
* DynamoDB's PartiQL calls whose statements are all SELECTs (the console's PartiQL editor runs
  them on every page): ExecuteStatement and BatchExecuteStatement carry reads and writes under
  one name, so the statement's first word decides. Anything not plainly a SELECT is journaled,
  which at worst replays a read.

STS's AssumeRole is a change like any other, and so are GetSessionToken and GetFederationToken
despite their names: the keys they gave keep working after a restart. A signed request whose
operation cannot be named (S3 speaks REST-XML, which the dispatcher does not parse) is a change
when its method is not GET, HEAD or OPTIONS.
"""
import json
import re

from werkzeug.wrappers import Request

from webapp.sandbox.dispatch import AwsOperation, credential_scope

READ_PREFIXES = ("Get", "Head", "List", "Describe", "Query", "Scan", "BatchGet", "TransactGet",
                 "Filter", "Test", "Simulate", "Search", "Lookup", "Validate", "Estimate",
                 "Check", "Decode", "Preview")
# Named like reads, but they mint credentials that must keep working after a restart.
ALWAYS_JOURNALED = frozenset({("sts", "GetSessionToken"), ("sts", "GetFederationToken")})
# Methods that never change anything, for requests whose operation cannot be named.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NOT_JOURNALED = frozenset({
    ("lambda", "Invoke"), ("lambda", "InvokeAsync"), ("lambda", "InvokeWithResponseStream"),
})

PARTIQL_OPERATIONS = frozenset({("dynamodb", "ExecuteStatement"),
                                ("dynamodb", "BatchExecuteStatement")})
SELECT_STATEMENT = re.compile(r"\s*select\b", re.IGNORECASE)


def is_change(operation: AwsOperation | None) -> bool:
    """Whether a call of `operation` may change state (so its success is journaled)."""
    if operation is None:
        return False
    key = (operation.service, operation.name)
    if key in ALWAYS_JOURNALED:
        return True
    if key in NOT_JOURNALED:
        return False
    return not operation.name.startswith(READ_PREFIXES)


def is_partiql_read(body: bytes, operation: AwsOperation | None) -> bool:
    """Whether `body` is an ExecuteStatement or BatchExecuteStatement whose statements are all
    SELECTs (so nothing changes); a body that cannot be read counts as a change."""
    if operation is None or (operation.service, operation.name) not in PARTIQL_OPERATIONS:
        return False
    try:
        request = json.loads(body)
        statements = ([request["Statement"]] if operation.name == "ExecuteStatement"
                      else [entry["Statement"] for entry in request["Statements"]])
    except (ValueError, TypeError, KeyError):
        return False
    return bool(statements) and all(isinstance(statement, str) and SELECT_STATEMENT.match(statement)
                                    for statement in statements)


def is_unnamed_change(request: Request, operation: AwsOperation | None) -> bool:
    """A signed request whose operation the dispatcher cannot name (S3's REST-XML, say), by a
    method that may change something: journaled, as moto answers it whatever it is."""
    return (operation is None and request.method not in SAFE_METHODS
            and credential_scope(request) is not None)


def change_name(request: Request, operation: AwsOperation | None) -> str:
    """What the journal calls the change: the IAM action, else the service and HTTP method."""
    if operation is not None:
        return operation.action
    scope = credential_scope(request)
    return f"{scope.service if scope else 'unsigned'}:{request.method}"
