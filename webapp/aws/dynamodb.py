"""DynamoDB tables: list, create, describe, delete."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .clients import client
from .errors import N_, aws_errors
from .paging import Count, count_items


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
                status=index.get("IndexStatus", "ACTIVE"), arn=index.get("IndexArn", "")))
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
