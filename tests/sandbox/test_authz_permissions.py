"""Which actions and resource ARNs each request needs, worked out from the request itself."""
import json
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from webapp.sandbox.authz.permissions import Permission, Target, required_permissions
from webapp.sandbox.dispatch import identify

from .processes import ACCOUNT_ID, REGION

TARGET = Target(partition="aws", region=REGION, account_id=ACCOUNT_ID)
TABLES = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table"
LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group"
FUNCTIONS = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function"
TRANSACT_WRITE = {"dynamodb:enclosingoperation": ("TransactWriteItems",)}


def signed(signing_name: str, *, target: str | None = None, body: Any = None, path: str = "/",
           method: str = "POST", query: dict[str, str] | None = None) -> Request:
    """A request as boto3 signs it (only the parts the sandbox reads)."""
    headers = {"Authorization": f"AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20240101/{REGION}/"
                                f"{signing_name}/aws4_request, SignedHeaders=host, Signature=0"}
    if target:
        headers["X-Amz-Target"] = target
        headers["Content-Type"] = "application/x-amz-json-1.0"
    data = json.dumps(body) if body is not None else None
    builder = EnvironBuilder(path=path, method=method, headers=headers, data=data,
                             query_string=query)
    return Request(builder.get_environ())


def needed(request: Request) -> list[Permission]:
    """What the sandbox checks for this request."""
    operation = identify(request)
    assert operation is not None
    return required_permissions(request, operation, TARGET)


def dynamodb(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(action, resource) pairs a DynamoDB call needs."""
    request = signed("dynamodb", target=f"DynamoDB_20120810.{operation}", body=body)
    return [(permission.action, permission.resource) for permission in needed(request)]


@pytest.mark.parametrize(("operation", "body", "resource"), [
    ("PutItem", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("GetItem", {"TableName": f"{TABLES}/Orders"}, f"{TABLES}/Orders"),
    ("UpdateItem", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("DeleteItem", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("Query", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("Query", {"TableName": "Orders", "IndexName": "ByDate"}, f"{TABLES}/Orders/index/ByDate"),
    ("Scan", {"TableName": "Orders", "IndexName": "ByDate"}, f"{TABLES}/Orders/index/ByDate"),
    ("CreateTable", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("DescribeTable", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("UpdateTable", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("DeleteTable", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("DescribeTimeToLive", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("UpdateTimeToLive", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("DescribeContinuousBackups", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("CreateBackup", {"TableName": "Orders"}, f"{TABLES}/Orders"),
    ("DescribeContributorInsights", {"TableName": "Orders", "IndexName": "ByDate"},
     f"{TABLES}/Orders/index/ByDate"),
    ("ExportTableToPointInTime", {"TableArn": f"{TABLES}/Orders"}, f"{TABLES}/Orders"),
    ("ImportTable", {"TableCreationParameters": {"TableName": "Orders"}}, f"{TABLES}/Orders"),
    ("RestoreTableFromBackup", {"TargetTableName": "Orders"}, f"{TABLES}/Orders"),
    ("TagResource", {"ResourceArn": f"{TABLES}/Orders"}, f"{TABLES}/Orders"),
    ("ListTagsOfResource", {"ResourceArn": f"{TABLES}/Orders"}, f"{TABLES}/Orders"),
    ("DescribeBackup", {"BackupArn": f"{TABLES}/Orders/backup/01"}, f"{TABLES}/Orders/backup/01"),
    ("DescribeGlobalTable", {"GlobalTableName": "Orders"},
     f"arn:aws:dynamodb::{ACCOUNT_ID}:global-table/Orders"),
    ("ListTables", {}, f"{TABLES}/*"),
    ("ListBackups", {"TableName": "Orders"}, "*"),
    ("DescribeLimits", {}, "*"),
])
def test_dynamodb_operations_name_their_table(operation: str, body: dict[str, Any],
                                              resource: str) -> None:
    assert dynamodb(operation, body) == [(f"dynamodb:{operation}", resource)]


def test_point_in_time_restore_needs_source_and_target() -> None:
    assert dynamodb("RestoreTableToPointInTime",
                    {"SourceTableName": "Orders", "TargetTableName": "Copy"}) == [
        ("dynamodb:RestoreTableToPointInTime", f"{TABLES}/Orders"),
        ("dynamodb:RestoreTableToPointInTime", f"{TABLES}/Copy")]


@pytest.mark.parametrize("operation", ["BatchWriteItem", "BatchGetItem"])
def test_batches_need_every_table_once(operation: str) -> None:
    body = {"RequestItems": {"Orders": [], f"{TABLES}/Other": []}}
    assert dynamodb(operation, body) == [(f"dynamodb:{operation}", f"{TABLES}/Orders"),
                                         (f"dynamodb:{operation}", f"{TABLES}/Other")]


def test_transact_write_needs_each_item_action_in_its_enclosing_operation() -> None:
    body = {"TransactItems": [{"Put": {"TableName": "Orders"}},
                              {"Update": {"TableName": "Orders"}},
                              {"Delete": {"TableName": "Other"}},
                              {"ConditionCheck": {"TableName": "Stock"}},
                              {"Put": {"TableName": "Orders"}}]}
    request = signed("dynamodb", target="DynamoDB_20120810.TransactWriteItems", body=body)
    assert needed(request) == [
        Permission("dynamodb:PutItem", f"{TABLES}/Orders", TRANSACT_WRITE),
        Permission("dynamodb:UpdateItem", f"{TABLES}/Orders", TRANSACT_WRITE),
        Permission("dynamodb:DeleteItem", f"{TABLES}/Other", TRANSACT_WRITE),
        Permission("dynamodb:ConditionCheckItem", f"{TABLES}/Stock", TRANSACT_WRITE)]


def test_transact_get_needs_get_item() -> None:
    body = {"TransactItems": [{"Get": {"TableName": "Orders"}}]}
    assert dynamodb("TransactGetItems", body) == [("dynamodb:GetItem", f"{TABLES}/Orders")]


@pytest.mark.parametrize(("statement", "action", "resource"), [
    ('SELECT * FROM "Orders" WHERE id = ?', "dynamodb:PartiQLSelect", f"{TABLES}/Orders"),
    ('SELECT * FROM "Orders"."ByDate"', "dynamodb:PartiQLSelect",
     f"{TABLES}/Orders/index/ByDate"),
    ("select id from Orders.ByDate where x = 1", "dynamodb:PartiQLSelect",
     f"{TABLES}/Orders/index/ByDate"),
    ('SELECT * FROM "my.table"', "dynamodb:PartiQLSelect", f"{TABLES}/my.table"),
    ("INSERT INTO \"Orders\" VALUE {'id': '1'}", "dynamodb:PartiQLInsert", f"{TABLES}/Orders"),
    ("UPDATE Orders SET n = 1 WHERE id = '1'", "dynamodb:PartiQLUpdate", f"{TABLES}/Orders"),
    ("DELETE FROM \"Orders\" WHERE id = '1'", "dynamodb:PartiQLDelete", f"{TABLES}/Orders"),
    ("EXISTS(SELECT * FROM \"Stock\" WHERE id = '1')", "dynamodb:PartiQLSelect",
     f"{TABLES}/Stock"),
])
def test_partiql_statements_need_the_partiql_action(statement: str, action: str,
                                                    resource: str) -> None:
    assert dynamodb("ExecuteStatement", {"Statement": statement}) == [(action, resource)]


def test_partiql_batches_check_each_statement() -> None:
    body = {"Statements": [{"Statement": 'SELECT * FROM "Orders"'},
                           {"Statement": "DELETE FROM Other WHERE id = '1'"}]}
    assert dynamodb("BatchExecuteStatement", body) == [
        ("dynamodb:PartiQLSelect", f"{TABLES}/Orders"),
        ("dynamodb:PartiQLDelete", f"{TABLES}/Other")]


def test_stream_reads_are_checked_on_the_stream() -> None:
    stream = f"{TABLES}/Orders/stream/2024-01-01T00:00:00.000"
    request = signed("dynamodb", target="DynamoDBStreams_20120810.GetRecords",
                     body={"ShardIterator": f"{stream}|1|abcdef"})
    assert [(p.action, p.resource) for p in needed(request)] == [("dynamodb:GetRecords", stream)]


@pytest.mark.parametrize(("operation", "body", "resource"), [
    ("CreateLogGroup", {"logGroupName": "/aws/lambda/fn"}, f"{LOGS}:/aws/lambda/fn:log-stream:"),
    ("CreateLogStream", {"logGroupName": "/aws/lambda/fn", "logStreamName": "s1"},
     f"{LOGS}:/aws/lambda/fn:log-stream:s1"),
    ("PutLogEvents", {"logGroupName": "/aws/lambda/fn", "logStreamName": "s1"},
     f"{LOGS}:/aws/lambda/fn:log-stream:s1"),
    ("GetLogEvents", {"logGroupIdentifier": f"{LOGS}:/aws/lambda/fn:*", "logStreamName": "s1"},
     f"{LOGS}:/aws/lambda/fn:log-stream:s1"),
    ("DescribeLogStreams", {"logGroupName": "/aws/lambda/fn"},
     f"{LOGS}:/aws/lambda/fn:log-stream:"),
    ("FilterLogEvents", {"logGroupName": "/aws/lambda/fn", "logStreamNames": ["s1"]},
     f"{LOGS}:/aws/lambda/fn:log-stream:"),
    ("DescribeLogGroups", {"logGroupNamePrefix": "/aws"}, f"{LOGS}::log-stream:"),
    ("TagResource", {"resourceArn": f"{LOGS}:/aws/lambda/fn"}, f"{LOGS}:/aws/lambda/fn"),
    ("DescribeDestinations", {}, "*"),
])
def test_logs_operations_name_group_or_stream(operation: str, body: dict[str, Any],
                                              resource: str) -> None:
    request = signed("logs", target=f"Logs_20140328.{operation}", body=body)
    assert [(p.action, p.resource) for p in needed(request)] == [(f"logs:{operation}", resource)]


@pytest.mark.parametrize(("method", "path", "query", "action", "resource"), [
    ("POST", "/2015-03-31/functions/fn/invocations", None, "lambda:InvokeFunction",
     f"{FUNCTIONS}:fn"),
    ("POST", "/2015-03-31/functions/fn/invocations", {"Qualifier": "live"},
     "lambda:InvokeFunction", f"{FUNCTIONS}:fn:live"),
    ("POST", "/2015-03-31/functions/fn%3Alive/invocations", {"Qualifier": "live"},
     "lambda:InvokeFunction", f"{FUNCTIONS}:fn:live"),
    ("POST", f"/2015-03-31/functions/{ACCOUNT_ID}%3Afunction%3Afn/invocations", None,
     "lambda:InvokeFunction", f"{FUNCTIONS}:fn"),
    ("GET", f"/2015-03-31/functions/{FUNCTIONS}%3Afn", None, "lambda:GetFunction",
     f"{FUNCTIONS}:fn"),
    ("GET", "/2015-03-31/functions/fn/configuration", None, "lambda:GetFunctionConfiguration",
     f"{FUNCTIONS}:fn"),
    ("GET", "/2015-03-31/functions/", None, "lambda:ListFunctions", "*"),
    ("GET", "/2015-03-31/event-source-mappings/", {"FunctionName": "fn"},
     "lambda:ListEventSourceMappings", "*"),
    ("GET", "/2018-10-31/layers/deps/versions/3", None, "lambda:GetLayerVersion",
     f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:deps:3"),
])
def test_lambda_operations_name_their_function(method: str, path: str,
                                               query: dict[str, str] | None, action: str,
                                               resource: str) -> None:
    request = signed("lambda", path=path, method=method, query=query)
    assert [(p.action, p.resource) for p in needed(request)] == [(action, resource)]


def test_create_function_names_the_function_in_its_body() -> None:
    request = signed("lambda", path="/2015-03-31/functions", body={"FunctionName": "fn"})
    assert [(p.action, p.resource) for p in needed(request)] == [
        ("lambda:CreateFunction", f"{FUNCTIONS}:fn")]


def test_api_gateway_actions_are_http_methods_on_paths() -> None:
    request = signed("apigateway", path="/restapis/a1b2/stages/prod", method="PATCH", body={})
    assert [(p.action, p.resource) for p in needed(request)] == [
        ("apigateway:PATCH", f"arn:aws:apigateway:{REGION}::/restapis/a1b2/stages/prod")]


def test_get_caller_identity_needs_nothing() -> None:
    request = signed("sts", body=None, query={"Action": "GetCallerIdentity"}, method="GET")
    assert needed(request) == []


def test_other_services_fall_back_to_any_resource() -> None:
    request = signed("iam", query={"Action": "ListRoles", "Version": "2010-05-08"},
                     method="GET")
    assert [(p.action, p.resource) for p in needed(request)] == [("iam:ListRoles", "*")]
