"""DynamoDB (and DynamoDB Streams, which signs as "dynamodb"): actions and resource ARNs.

Resource forms, from the DynamoDB developer guide and AWS's AccessDenied messages:
table `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`; index `…:table/NAME/index/INDEX` (a grant on
the table alone does not cover it); stream `…:table/NAME/stream/LABEL`; backup, export and
import ARNs under their table; global table `arn:aws:dynamodb::ACCOUNT:global-table/NAME` (no
region). Parameters that take a table name also take its ARN.

* Batch operations need their action on every table they name.
* Transactions need the item action of each part: Put → PutItem, Update → UpdateItem,
  Delete → DeleteItem, ConditionCheck → ConditionCheckItem, Get → GetItem, each with
  dynamodb:EnclosingOperation set (developer guide, "Using IAM with DynamoDB transactions").
* PartiQL statements need dynamodb:PartiQLSelect/Insert/Update/Delete on the table or index the
  statement names ("IAM security policies with PartiQL for DynamoDB").
* Query and Scan with IndexName, and contributor insights of an index, are checked on the index.
* ListTables is checked on `…:table/*`, the resource AWS names when it refuses it; the other
  account-wide reads (ListBackups, DescribeLimits…) on `*`.
* GetRecords is checked on the stream its shard iterator belongs to (the iterator starts with
  the stream ARN, on AWS as in moto).
"""
import re
from typing import Any

from werkzeug.wrappers import Request

from webapp.sandbox.authz.permissions import ANY_RESOURCE, Permission, Target, json_body
from webapp.sandbox.dispatch import AwsOperation

SERVICE = "dynamodb"
ACCOUNT_WIDE = frozenset({
    "DescribeEndpoints", "DescribeLimits", "ListBackups", "ListContributorInsights",
    "ListExports", "ListGlobalTables", "ListImports", "ListStreams",
})
# Parameters naming the resource itself, in the order they are looked for.
ARN_PARAMETERS = ("ResourceArn", "BackupArn", "ExportArn", "ImportArn", "StreamArn")
WRITE_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                 "ConditionCheck": "ConditionCheckItem"}
READ_ACTIONS = {"Get": "GetItem"}
ENCLOSING_OPERATION = "dynamodb:enclosingoperation"
# Stream shard iterators read "STREAM_ARN|1|ID".
SHARD_ITERATOR_SEPARATOR = "|"

# A bare PartiQL name cannot hold a dot, which separates table from index; a quoted one can.
_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z0-9_\-]+)'
# The table (and index) a PartiQL statement names: after FROM, INTO, or UPDATE.
PARTIQL = re.compile(
    r'^\s*(?:EXISTS\s*\(\s*)?(?P<verb>SELECT|INSERT|UPDATE|DELETE)\b.*?'
    r'(?:\bFROM|\bINTO|(?<=UPDATE))\s+(?P<table>' + _NAME + r')(?:\s*\.\s*(?P<index>' + _NAME
    + r'))?(?=\s|$|;|\))',
    re.IGNORECASE | re.DOTALL)
PARTIQL_ACTIONS = {"SELECT": "PartiQLSelect", "INSERT": "PartiQLInsert",
                   "UPDATE": "PartiQLUpdate", "DELETE": "PartiQLDelete"}


def permissions(request: Request, operation: AwsOperation, target: Target) -> list[Permission]:
    """The DynamoDB permissions a request needs."""
    body = json_body(request)
    name = operation.name
    if name in ("BatchGetItem", "BatchWriteItem"):
        return [Permission(operation.action, table_arn(target, table))
                for table in body.get("RequestItems", {})]
    if name == "TransactWriteItems":
        return _transaction(body, target, WRITE_ACTIONS, name)
    if name == "TransactGetItems":
        return _transaction(body, target, READ_ACTIONS, name)
    if name == "ExecuteStatement":
        return [_statement(body.get("Statement", ""), target)]
    if name in ("BatchExecuteStatement", "ExecuteTransaction"):
        listed = body.get("Statements" if name == "BatchExecuteStatement" else "TransactStatements")
        return [_statement(entry.get("Statement", ""), target) for entry in _dicts(listed)]
    return [Permission(operation.action, resource) for resource in _resources(name, body, target)]


def table_arn(target: Target, table: str) -> str:
    """The ARN of a table given by name or already by ARN."""
    if table.startswith("arn:"):
        return table
    return target.arn(SERVICE, f"table/{table}")


def index_arn(table: str, index: str) -> str:
    """The ARN of a table's secondary index (`table` is the table's ARN)."""
    return f"{table}/index/{index}"


def _resources(name: str, body: dict[str, Any], target: Target) -> list[str]:
    if name == "ListTables":
        return [table_arn(target, "*")]
    if name in ACCOUNT_WIDE:
        return [ANY_RESOURCE]
    if name == "ImportTable":
        created = body.get("TableCreationParameters", {})
        return [table_arn(target, created.get("TableName", "*"))]
    if name == "RestoreTableFromBackup":
        return [table_arn(target, body.get("TargetTableName", "*"))]
    if name == "RestoreTableToPointInTime":
        # Both tables are named in AWS's examples for this action: the source read, the target made.
        source = body.get("SourceTableArn") or body.get("SourceTableName") or "*"
        return [table_arn(target, source), table_arn(target, body.get("TargetTableName", "*"))]
    if "GlobalTableName" in body:
        return [target.arn(SERVICE, f"global-table/{body['GlobalTableName']}", region="")]
    table = body.get("TableName") or body.get("TableArn")
    if table:
        arn = table_arn(target, table)
        index = body.get("IndexName")
        return [index_arn(arn, index) if index else arn]
    for parameter in ARN_PARAMETERS:
        if parameter in body:
            return [body[parameter]]
    if "ShardIterator" in body:
        return [str(body["ShardIterator"]).split(SHARD_ITERATOR_SEPARATOR, 1)[0]]
    return [ANY_RESOURCE]


def _transaction(body: dict[str, Any], target: Target, actions: dict[str, str],
                 enclosing: str) -> list[Permission]:
    keys = {ENCLOSING_OPERATION: (enclosing,)}
    needed: list[Permission] = []
    for item in _dicts(body.get("TransactItems")):
        for part, action in actions.items():
            if part in item:
                table = item[part].get("TableName", "*")
                needed.append(Permission(f"{SERVICE}:{action}", table_arn(target, table), keys))
    return needed


def _statement(statement: str, target: Target) -> Permission:
    match = PARTIQL.match(statement)
    if match is None:
        # Unparsable statements fail in DynamoDB anyway; ask for the read on every table.
        return Permission(f"{SERVICE}:PartiQLSelect", ANY_RESOURCE)
    action = f"{SERVICE}:{PARTIQL_ACTIONS[match['verb'].upper()]}"
    table = table_arn(target, _unquoted(match["table"]))
    index = match["index"]
    return Permission(action, index_arn(table, _unquoted(index)) if index else table)


def _unquoted(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []
