"""A TableDescription shaped as AWS gives it, from what moto says about the table.

The DynamoDB API Reference's TableDescription and GlobalSecondaryIndexDescription, against
moto 5.2.5's answer to CreateTable, DescribeTable, UpdateTable and DeleteTable:

* BillingModeSummary: AWS leaves it out for a table that has only ever been provisioned, and
  states `{BillingMode, LastUpdateToPayPerRequestDateTime}` once the table has been on demand
  ("the time when PAY_PER_REQUEST was last set as the read/write capacity mode"). moto always
  says `{"BillingMode": ...}` without the date.
* GlobalSecondaryIndexes and LocalSecondaryIndexes: AWS leaves out the list of a table that has
  none; moto sends `[]`.
* each index: AWS states its IndexArn (`<table ARN>/index/<name>`), IndexSizeBytes and
  ItemCount, and a global index's ProvisionedThroughput with NumberOfDecreasesToday; moto
  states none of these.
* TableClassSummary: AWS states the table class a table was given (CreateTable's or
  UpdateTable's TableClass); moto forgets it.

When the table went on demand, and its class, are kept on moto's table object, so that they go
with it (a deleted table takes them along) and are made again when the journal is replayed (the
replayed UpdateTable reads the clock frozen at the time it first arrived).
"""
from datetime import datetime, timezone
from typing import Any

from moto.dynamodb.models import dynamodb_backends

ON_DEMAND = "PAY_PER_REQUEST"
PROVISIONED = "PROVISIONED"
# Kept on moto's Table: when it last became PAY_PER_REQUEST (epoch seconds), and its class.
_ON_DEMAND_AT = "_sandbox_on_demand_at"
_TABLE_CLASS = "_sandbox_table_class"
INDEX_LISTS = ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")


def _table(account_id: str, region: str, table_name: str) -> Any | None:
    try:
        return dynamodb_backends[account_id][region].tables[table_name]
    except KeyError:
        return None


def note_request(account_id: str, region: str, table_name: str, asked: dict,
                 created_at: float | None = None) -> None:
    """Remember what a successful CreateTable (which answered `created_at`) or UpdateTable
    asked that moto forgets: when the table last went on demand, and its table class."""
    table = _table(account_id, region, table_name)
    if table is None:
        return
    state = table.__dict__
    was = state.get(_ON_DEMAND_AT)
    mode = asked.get("BillingMode")
    if mode == ON_DEMAND and created_at is not None:
        state[_ON_DEMAND_AT] = (created_at, ON_DEMAND)
    elif mode == ON_DEMAND and (was is None or was[1] != ON_DEMAND):
        state[_ON_DEMAND_AT] = (datetime.now(timezone.utc).timestamp(), ON_DEMAND)
    elif mode == PROVISIONED and was is not None and was[1] == ON_DEMAND:
        state[_ON_DEMAND_AT] = (was[0], PROVISIONED)
    table_class = asked.get("TableClass")
    if isinstance(table_class, str):
        state[_TABLE_CLASS] = table_class


def shape(account_id: str, region: str, description: dict) -> None:
    """Correct moto's TableDescription `description` (in place) to AWS's shape."""
    table = _table(account_id, region, description.get("TableName", ""))
    _shape_billing(description, table)
    table_class = table.__dict__.get(_TABLE_CLASS) if table is not None else None
    if table_class:
        description["TableClassSummary"] = {"TableClass": table_class}
    for key in INDEX_LISTS:
        indexes = description.get(key)
        if not indexes:
            description.pop(key, None)
            continue
        for index in indexes:
            _shape_index(description.get("TableArn", ""), index, table,
                         is_global=key == "GlobalSecondaryIndexes")


def _shape_billing(description: dict, table: Any | None) -> None:
    mode = description.get("BillingModeSummary", {}).get("BillingMode")
    if table is not None:
        noted = table.__dict__.get(_ON_DEMAND_AT)
    elif mode == ON_DEMAND:  # DeleteTable's answer: the table is gone, its creation date is not
        noted = (description.get("CreationDateTime"), ON_DEMAND)
    else:
        noted = None
    if noted is None:
        description.pop("BillingModeSummary", None)
        return
    description["BillingModeSummary"] = {"BillingMode": mode or noted[1],
                                         "LastUpdateToPayPerRequestDateTime": noted[0]}


def _shape_index(table_arn: str, index: dict, table: Any | None, is_global: bool) -> None:
    name = index.get("IndexName", "")
    index["IndexArn"] = f"{table_arn}/index/{name}"
    size, count = _index_contents(table, name)
    index["IndexSizeBytes"] = size
    index["ItemCount"] = count
    throughput = index.get("ProvisionedThroughput")
    if is_global and isinstance(throughput, dict):
        index["ProvisionedThroughput"] = {"NumberOfDecreasesToday": 0, **throughput}


def _index_contents(table: Any | None, index_name: str) -> tuple[int, int]:
    """The summed size and the number of the items an index holds (those with its keys)."""
    if table is None:
        return 0, 0
    index = next((found for found in table.all_indexes() if found.name == index_name), None)
    if index is None:
        return 0, 0
    keys = [element["AttributeName"] for element in index.schema]
    size = count = 0
    for item in table.all_items():
        if all(key in item.attrs for key in keys):
            projected = index.project(item)
            size += projected.size()
            count += 1
    return size, count
