"""ConsumedCapacity and ItemCollectionMetrics only when the caller asks for them, as on AWS.

AWS's API Reference says of ConsumedCapacity on every data-plane action: "returned only if the
ReturnConsumedCapacity parameter was specified" (INDEXES or TOTAL; NONE, the default, returns
none), and TOTAL "includes only the aggregate ConsumedCapacity for the operation" (no per-table
or per-index breakdown). ItemCollectionMetrics is "returned only if the
ReturnItemCollectionMetrics parameter was specified" (SIZE). moto 5.2.5 answers UpdateItem,
BatchGetItem, BatchWriteItem and TransactWriteItems with them unasked (BatchWriteItem's
ConsumedCapacity with its per-table part), so each answer is amended here: what was not asked
for is taken out. The numbers moto reports are left as they are.
"""
from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, Dispatcher
from webapp.sandbox.dynamodb.answers import answer_body, rewritten
from webapp.sandbox.dynamodb.request_body import parameters

CONSUMED = "ConsumedCapacity"
METRICS = "ItemCollectionMetrics"
ASKS_FOR_CAPACITY = frozenset({"INDEXES", "TOTAL"})
ASKS_FOR_METRICS = "SIZE"
TOTAL = "TOTAL"
# The per-table and per-index parts of a ConsumedCapacity, which TOTAL leaves out.
BREAKDOWN = ("Table", "LocalSecondaryIndexes", "GlobalSecondaryIndexes")
OPERATIONS = ("PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan",
              "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
              "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction")


def register(dispatcher: Dispatcher) -> None:
    """Amend each data-plane answer to report only what its request asked for."""
    for name in OPERATIONS:
        dispatcher.amend("dynamodb", name)(amend)


def amend(request: Request, operation: AwsOperation, answer: Response) -> Response:
    """`answer` without the reports `request` did not ask for."""
    data = answer.get_data()
    if CONSUMED.encode() not in data and METRICS.encode() not in data:
        return answer
    body = answer_body(answer)
    if body is None:
        return answer
    asked = parameters(request)
    if trimmed(body, asked.get("ReturnConsumedCapacity"), asked.get("ReturnItemCollectionMetrics")):
        return rewritten(answer, body)
    return answer


def trimmed(body: dict, capacity: object, metrics: object) -> bool:
    """Take out of `body` what the request's Return* settings did not ask for; True if changed."""
    changed = False
    if capacity not in ASKS_FOR_CAPACITY and CONSUMED in body:
        del body[CONSUMED]
        changed = True
    elif capacity == TOTAL and CONSUMED in body:
        consumed = body[CONSUMED]
        for report in consumed if isinstance(consumed, list) else [consumed]:
            for part in BREAKDOWN:
                changed = report.pop(part, None) is not None or changed
    if metrics != ASKS_FOR_METRICS and METRICS in body:
        del body[METRICS]
        changed = True
    return changed
