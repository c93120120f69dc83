"""TableStatus CREATING for a while after CreateTable, as AWS reports it.

CreateTable answers TableStatus "CREATING" (and IndexStatus "CREATING" for each global secondary
index); DescribeTable keeps saying so until `creating_seconds` have passed since the table was
created, then tells moto's "ACTIVE". Only the status fields change: the state kept is one
monotonic timestamp per (region, table name), forgotten on DeleteTable.

Deviation from AWS: AWS refuses reads and writes on a CREATING table with
ResourceNotFoundException; the sandbox accepts them at once, because code written against moto
(and tests that create a table and use it in the next line) expects that.
"""
import threading
import time
from collections.abc import Callable

from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, Dispatcher
from webapp.sandbox.dynamodb import table_descriptions
from webapp.sandbox.dynamodb.answers import answer_body, rewritten
from webapp.sandbox.dynamodb.request_body import parameters
from webapp.sandbox.dynamodb.table_size import table_size_bytes
from webapp.sandbox.persistence import phase

DEFAULT_CREATING_SECONDS = 1.0
CREATING = "CREATING"
# Describing a table after CreateTable is how clients wait for it; bound the state anyway.
MAX_TRACKED_TABLES = 10_000


class CreationClock:
    """When each table was created, for as long as it may still be CREATING."""

    def __init__(self, creating_seconds: float, now: Callable[[], float] = time.monotonic) -> None:
        self.creating_seconds = creating_seconds
        self._now = now
        self._lock = threading.Lock()
        self._created: dict[tuple[str, str], float] = {}

    def started(self, region: str, table_name: str) -> None:
        """Note that the table was created just now (unless it is a replay of its creation)."""
        if self.creating_seconds <= 0 or phase.is_replaying():
            return
        with self._lock:
            if len(self._created) >= MAX_TRACKED_TABLES:
                self._forget_settled()
            self._created[(region, table_name)] = self._now()

    def is_creating(self, region: str, table_name: str) -> bool:
        """True while the table is younger than `creating_seconds`."""
        with self._lock:
            created = self._created.get((region, table_name))
            if created is None:
                return False
            if self._now() - created < self.creating_seconds:
                return True
            del self._created[(region, table_name)]
            return False

    def forget(self, region: str, table_name: str) -> None:
        """The table is gone: a new one of the same name starts afresh."""
        with self._lock:
            self._created.pop((region, table_name), None)

    def _forget_settled(self) -> None:
        now = self._now()
        for key, created in list(self._created.items()):
            if now - created >= self.creating_seconds:
                del self._created[key]


def register(dispatcher: Dispatcher, clock: CreationClock, account_id: str) -> None:
    """Amend CreateTable, DescribeTable, UpdateTable and DeleteTable answers with the table's
    creation phase (and DescribeTable's with the table's size, which moto leaves at 0), each
    TableDescription shaped as AWS gives it (table_descriptions.py)."""

    @dispatcher.amend("dynamodb", "CreateTable")
    def create_table(request: Request, operation: AwsOperation, answer: Response) -> Response:
        body = answer_body(answer)
        if body is None:
            return answer
        description = body.get("TableDescription", {})
        table_name = description.get("TableName", "")
        table_descriptions.note_request(account_id, operation.region, table_name,
                                        parameters(request), description.get("CreationDateTime"))
        table_descriptions.shape(account_id, operation.region, description)
        if clock.creating_seconds > 0:
            clock.started(operation.region, table_name)
            _mark_creating(description)
        return rewritten(answer, body)

    @dispatcher.amend("dynamodb", "DescribeTable")
    def describe_table(request: Request, operation: AwsOperation, answer: Response) -> Response:
        body = answer_body(answer)
        if body is None:
            return answer
        description = body.get("Table", {})
        table_name = description.get("TableName", "")
        size = table_size_bytes(account_id, operation.region, table_name)
        if size is not None:
            description["TableSizeBytes"] = size
        table_descriptions.shape(account_id, operation.region, description)
        if clock.is_creating(operation.region, table_name):
            _mark_creating(description)
        return rewritten(answer, body)

    @dispatcher.amend("dynamodb", "UpdateTable")
    def update_table(request: Request, operation: AwsOperation, answer: Response) -> Response:
        body = answer_body(answer)
        if body is None:
            return answer
        description = body.get("TableDescription", {})
        table_descriptions.note_request(account_id, operation.region,
                                        description.get("TableName", ""), parameters(request))
        table_descriptions.shape(account_id, operation.region, description)
        return rewritten(answer, body)

    @dispatcher.amend("dynamodb", "DeleteTable")
    def delete_table(request: Request, operation: AwsOperation, answer: Response) -> Response:
        body = answer_body(answer)
        if body is None:
            return answer
        description = body.get("TableDescription", {})
        clock.forget(operation.region, description.get("TableName", ""))
        table_descriptions.shape(account_id, operation.region, description)
        return rewritten(answer, body)


def _mark_creating(description: dict) -> None:
    description["TableStatus"] = CREATING
    for index in description.get("GlobalSecondaryIndexes", []):
        index["IndexStatus"] = CREATING
