"""DynamoDB in the sandbox: moto's tables, with the CREATING phase AWS shows after CreateTable.

moto makes a table ACTIVE the moment it exists, so a console that polls for ACTIVE never sees
the wait a person sees on AWS. table_status.py puts it back: see its docstring for what it
changes and where it deliberately differs from AWS. table_size.py reports TableSizeBytes (moto
says 0), table_order.py keeps a Scan page as cheap as DynamoDB's on a large table,
item_nesting.py refuses items nested deeper than DynamoDB's 32 levels, capacity_reports.py
leaves out ConsumedCapacity and ItemCollectionMetrics the caller did not ask for,
table_descriptions.py shapes each TableDescription as AWS does, write_checks.py refuses the
deletes and batch writes AWS refuses with AWS's messages, partiql.py runs PartiQL statements
(ExecuteStatement, BatchExecuteStatement), which moto parsed only in part, and text_encoding.py
refuses text that is not UTF-8.
"""
from webapp.sandbox.dispatch import Dispatcher
from webapp.sandbox.dynamodb import (capacity_reports, item_nesting, partiql, table_order,
                                     table_status, text_encoding, write_checks)
from webapp.sandbox.dynamodb.table_status import DEFAULT_CREATING_SECONDS

__all__ = ["DEFAULT_CREATING_SECONDS", "register"]


def register(dispatcher: Dispatcher, account_id: str,
             creating_seconds: float = DEFAULT_CREATING_SECONDS) -> None:
    """Let `dispatcher` report new tables as CREATING for `creating_seconds` (0: never) and with
    their size; keep Scan pages from sorting the whole table each time; refuse items nested
    deeper than DynamoDB takes; report consumed capacity only when asked; check writes' keys and
    run PartiQL as DynamoDB does."""
    text_encoding.register(dispatcher)
    item_nesting.register(dispatcher)
    capacity_reports.register(dispatcher)
    write_checks.register(dispatcher, account_id)
    partiql.register(dispatcher, account_id)
    table_order.install()
    table_status.register(dispatcher, table_status.CreationClock(creating_seconds), account_id)
