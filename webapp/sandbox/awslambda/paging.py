"""Pages for Lambda's list operations, which moto answers whole whatever MaxItems says.

AWS returns at most MaxItems entries (50 by default) and a NextMarker to continue from; clients
such as botocore's paginators depend on it. The marker here is the last entry's ARN of the page
before, which is as opaque to clients as AWS's.
"""
import json
from collections.abc import Callable
from http import HTTPStatus

from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, Dispatcher

DEFAULT_MAX_ITEMS = 50
MAX_ITEMS_LIMIT = 10_000
# Operation name → the key of the list in its answer and the field that names an entry.
PAGED_LISTS = {
    "ListFunctions": ("Functions", "FunctionArn"),
    "ListVersionsByFunction": ("Versions", "FunctionArn"),
}


def register(dispatcher: Dispatcher) -> None:
    """Cut moto's whole lists into AWS's pages."""
    for operation_name, (list_key, id_key) in PAGED_LISTS.items():
        dispatcher.amend("lambda", operation_name)(_pager(list_key, id_key))


def _pager(list_key: str, id_key: str) -> Callable[[Request, AwsOperation, Response], Response]:
    def page(request: Request, operation: AwsOperation, answer: Response) -> Response:
        if answer.status_code != HTTPStatus.OK:
            return answer
        body = json.loads(answer.get_data())
        entries = body.get(list_key, [])
        start = _start_after(entries, id_key, request.args.get("Marker"))
        size = _max_items(request.args.get("MaxItems"))
        body[list_key] = entries[start:start + size]
        body.pop("NextMarker", None)
        if start + size < len(entries):
            body["NextMarker"] = body[list_key][-1][id_key]
        answer.set_data(json.dumps(body))
        return answer

    return page


def _start_after(entries: list[dict[str, object]], id_key: str, marker: str | None) -> int:
    if not marker:
        return 0
    for index, entry in enumerate(entries):
        if entry.get(id_key) == marker:
            return index + 1
    return len(entries)


def _max_items(raw: str | None) -> int:
    try:
        return max(1, min(int(raw), MAX_ITEMS_LIMIT)) if raw else DEFAULT_MAX_ITEMS
    except ValueError:
        return DEFAULT_MAX_ITEMS
