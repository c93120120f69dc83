"""DynamoDB tables: list, create, describe, delete."""
from __future__ import annotations

import contextvars
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from webapp.aws.account import account_id
from webapp.aws.clients import client, current_region
from webapp.aws.errors import N_, AlreadyExists, ConsoleError, NotFound, aws_errors
from webapp.aws.paging import PAGE_SIZE, Count, Page, count_items
from webapp.aws.tags import tag_arguments


def count_tables() -> Count:
    """How many tables the region has (capped)."""
    with aws_errors(N_("count DynamoDB tables")):
        pages = client("dynamodb").get_paginator("list_tables").paginate()
        return count_items(pages, "TableNames")


@dataclass(frozen=True, slots=True)
class KeyAttribute:
    """One key attribute: its name and DynamoDB scalar type ("S", "N" or "B")."""

    name: str
    type: str


@dataclass(frozen=True, slots=True)
class TableIndex:
    """A global or local secondary index."""

    name: str
    kind: str  # "GSI" or "LSI"
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    projection: str  # "ALL", "KEYS_ONLY" or "INCLUDE"
    status: str  # IndexStatus for a GSI; "ACTIVE" for an LSI
    arn: str


@dataclass(frozen=True, slots=True)
class Table:
    """A table as DescribeTable tells it."""

    name: str
    arn: str
    status: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    billing_mode: str  # "PAY_PER_REQUEST" or "PROVISIONED"
    read_capacity: int | None
    write_capacity: int | None
    item_count: int
    size_bytes: int
    created: datetime | None
    indexes: list[TableIndex] = field(default_factory=list)

    @property
    def key_names(self) -> list[str]:
        """The table's key attribute names, partition key first."""
        return [self.partition_key.name] + ([self.sort_key.name] if self.sort_key else [])


def _key_schema(schema: list[dict], types: dict[str, str]) -> tuple[KeyAttribute, KeyAttribute | None]:
    hash_name = next(part["AttributeName"] for part in schema if part["KeyType"] == "HASH")
    range_name = next((part["AttributeName"] for part in schema if part["KeyType"] == "RANGE"), None)
    return (KeyAttribute(hash_name, types.get(hash_name, "S")),
            KeyAttribute(range_name, types.get(range_name, "S")) if range_name else None)


def table_arn(table_name: str) -> str:
    """The ARN a table of this name has in this account and region, without asking DynamoDB."""
    return f"arn:aws:dynamodb:{current_region()}:{account_id()}:table/{table_name}"


def _index_arn(description: dict, index_name: str) -> str:
    # AWS names every index's ARN; moto leaves IndexArn out, and the form is fixed.
    table_arn = description.get("TableArn", "")
    return f"{table_arn}/index/{index_name}" if table_arn else ""


def table_from_description(description: dict) -> Table:
    """A Table from DescribeTable's (or CreateTable's) TableDescription."""
    types = {definition["AttributeName"]: definition["AttributeType"]
             for definition in description.get("AttributeDefinitions", [])}
    partition_key, sort_key = _key_schema(description["KeySchema"], types)
    indexes = []
    for kind, key in (("GSI", "GlobalSecondaryIndexes"), ("LSI", "LocalSecondaryIndexes")):
        for index in description.get(key, []):
            index_pk, index_sk = _key_schema(index["KeySchema"], types)
            indexes.append(TableIndex(
                name=index["IndexName"], kind=kind, partition_key=index_pk, sort_key=index_sk,
                projection=index.get("Projection", {}).get("ProjectionType", "ALL"),
                status=index.get("IndexStatus", "ACTIVE"),
                arn=index.get("IndexArn") or _index_arn(description, index["IndexName"])))
    billing = description.get("BillingModeSummary", {}).get("BillingMode")
    throughput = description.get("ProvisionedThroughput", {})
    if billing is None:
        billing = "PROVISIONED" if throughput.get("ReadCapacityUnits") else "PAY_PER_REQUEST"
    provisioned = billing == "PROVISIONED"
    return Table(
        name=description["TableName"], arn=description.get("TableArn", ""),
        status=description.get("TableStatus", ""), partition_key=partition_key, sort_key=sort_key,
        billing_mode=billing,
        read_capacity=throughput.get("ReadCapacityUnits") if provisioned else None,
        write_capacity=throughput.get("WriteCapacityUnits") if provisioned else None,
        item_count=int(description.get("ItemCount", 0)),
        size_bytes=int(description.get("TableSizeBytes", 0)),
        created=description.get("CreationDateTime"), indexes=indexes)


def describe_table(table_name: str) -> Table:
    """One table's status, keys, indexes, capacity, size and item count."""
    with aws_errors(N_("describe the table"), f"Table {table_name}"):
        reply = client("dynamodb").describe_table(TableName=table_name)
    return table_from_description(reply["Table"])


# A new table is CREATING for a while: ask every second, for up to a minute.
ACTIVE_WAIT = {"Delay": 1, "MaxAttempts": 60}


def wait_until_active(table_name: str) -> None:
    """Wait until the table is ACTIVE (DynamoDB's table_exists waiter)."""
    with aws_errors(N_("wait for the table to become active"), f"table {table_name}"):
        client("dynamodb").get_waiter("table_exists").wait(TableName=table_name,
                                                            WaiterConfig=ACTIVE_WAIT)


# The most describe_table calls a list page makes at once.
DESCRIBE_WORKERS = 8
TABLE_EXISTS = N_("A table called %(table_name)s already exists in this region: choose another name.")


def list_tables(page_token: str | None = None) -> Page[Table]:
    """One page of the region's tables, each described (tables gone meanwhile are left out)."""
    start = {"ExclusiveStartTableName": page_token} if page_token else {}
    with aws_errors(N_("list DynamoDB tables")):
        reply = client("dynamodb").list_tables(Limit=PAGE_SIZE, **start)
    tables = _describe_all(reply.get("TableNames", []))
    return Page(tables, reply.get("LastEvaluatedTableName"))


def _describe_all(table_names: list[str]) -> list[Table]:
    if not table_names:
        return []
    # Each worker runs in a copy of this context: the request's region lives in a ContextVar,
    # which threads do not inherit.
    with ThreadPoolExecutor(max_workers=min(DESCRIBE_WORKERS, len(table_names))) as pool:
        futures = [pool.submit(contextvars.copy_context().run, _describe_if_present, table_name)
                   for table_name in table_names]
        described = [future.result() for future in futures]
    return [table for table in described if table is not None]


def _describe_if_present(table_name: str) -> Table | None:
    try:
        return describe_table(table_name)
    except NotFound:  # deleted between ListTables and DescribeTable
        return None


@dataclass(frozen=True, slots=True)
class NewIndex:
    """A global secondary index to create with the table."""

    index_name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None
    projection: str = "ALL"
    read_capacity: int | None = None
    write_capacity: int | None = None


@dataclass(frozen=True, slots=True)
class NewTable:
    """What the create form asks for; capacities only with billing_mode "PROVISIONED"."""

    table_name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None
    billing_mode: str = "PAY_PER_REQUEST"
    read_capacity: int | None = None
    write_capacity: int | None = None
    indexes: list[NewIndex] = field(default_factory=list)


def _key_schema_spec(partition_key: KeyAttribute,
                     sort_key: KeyAttribute | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key.name, "KeyType": "HASH"}]
    if sort_key:
        schema.append({"AttributeName": sort_key.name, "KeyType": "RANGE"})
    return schema


def _throughput(read_capacity: int | None, write_capacity: int | None) -> dict[str, int]:
    return {"ReadCapacityUnits": read_capacity or 1, "WriteCapacityUnits": write_capacity or 1}


def _create_arguments(spec: NewTable) -> dict[str, object]:
    provisioned = spec.billing_mode == "PROVISIONED"
    attributes: dict[str, str] = {}
    for key in (spec.partition_key, spec.sort_key,
                *(part for index in spec.indexes for part in (index.partition_key, index.sort_key))):
        if key:
            attributes.setdefault(key.name, key.type)
    arguments: dict[str, object] = {
        "TableName": spec.table_name,
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": attribute_type}
                                 for name, attribute_type in attributes.items()],
        "KeySchema": _key_schema_spec(spec.partition_key, spec.sort_key),
        "BillingMode": spec.billing_mode,
    }
    if provisioned:
        arguments["ProvisionedThroughput"] = _throughput(spec.read_capacity, spec.write_capacity)
    if spec.indexes:
        indexes = []
        for index in spec.indexes:
            described: dict[str, object] = {
                "IndexName": index.index_name,
                "KeySchema": _key_schema_spec(index.partition_key, index.sort_key),
                "Projection": {"ProjectionType": index.projection},
            }
            if provisioned:
                described["ProvisionedThroughput"] = _throughput(index.read_capacity,
                                                                 index.write_capacity)
            indexes.append(described)
        arguments["GlobalSecondaryIndexes"] = indexes
    return arguments


def create_table(spec: NewTable, *, tags: Mapping[str, str] | None = None) -> Table:
    """Create a table (it starts CREATING); a taken name is an error on the name field."""
    tagged = tag_arguments(tags)
    try:
        with aws_errors(N_("create the table"), f"Table {spec.table_name}"):
            reply = client("dynamodb").create_table(**_create_arguments(spec), **tagged)
    except ConsoleError as err:
        if err.aws_code == "ResourceInUseException":
            raise AlreadyExists(TABLE_EXISTS, field="table_name",
                                aws_code=err.aws_code, table_name=spec.table_name) from err
        raise
    return table_from_description(reply["TableDescription"])


def delete_table(table_name: str) -> None:
    """Delete a table and all its items."""
    with aws_errors(N_("delete the table"), f"Table {table_name}"):
        client("dynamodb").delete_table(TableName=table_name)
