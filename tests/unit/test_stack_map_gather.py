"""The stack map's gathering: what a policy reaches, the map's order, and the calls it costs."""
from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator

import boto3
import pytest
from botocore.client import BaseClient
from botocore.stub import Stubber
from moto import mock_aws

from webapp.aws import clients
from webapp.aws.account import account_id
from webapp.stack_map import model
from webapp.stack_map.gather import build_map
from webapp.stack_map.reach import Place, Reach, reaches, table_variables

from tests.helpers import clients_for

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
PLACE = Place(REGION, ACCOUNT)
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Items"
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/items-fn"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def allow(actions: object, resources: object, effect: str = "Allow") -> dict:
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": effect, "Action": actions, "Resource": resources}]}


# What a policy reaches -------------------------------------------------------------------------

@pytest.mark.parametrize("document, expected", [
    (allow(["dynamodb:GetItem", "dynamodb:PutItem"], TABLE_ARN),
     [Reach("table", "Items", ("dynamodb:GetItem", "dynamodb:PutItem"))]),
    (allow("dynamodb:*", f"arn:aws:dynamodb:*:*:table/It*"),
     [Reach("table", "Items", ("dynamodb:*",))]),
    (allow("dynamodb:Query", f"{TABLE_ARN}/index/*"),
     [Reach("table", "Items", ("dynamodb:Query",))]),
    (allow("*", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Gone"),
     [Reach("table", "Gone", ("*",))]),
    (allow(["logs:CreateLogStream", "logs:PutLogEvents"], f"{GROUP_ARN}:*"),
     [Reach("log-group", "/aws/lambda/items-fn", ("logs:CreateLogStream", "logs:PutLogEvents"))]),
    (allow("logs:*", f"arn:aws:logs:{REGION}:{ACCOUNT}:*"),
     [Reach("log-group", "/aws/lambda/items-fn", ("logs:*",))]),
], ids=["exact", "wildcard", "index", "missing", "log-streams", "any-log-group"])
def test_a_policy_reaches_the_tables_and_log_groups_it_names(document: dict,
                                                            expected: list[Reach]) -> None:
    assert reaches(document, PLACE, ["Items", "Orders"], ["/aws/lambda/items-fn"]) == expected


@pytest.mark.parametrize("document", [
    allow(["dynamodb:GetItem", "logs:PutLogEvents"], "*"),             # a bare *: nothing specific
    allow("dynamodb:GetItem", TABLE_ARN, effect="Deny"),               # a Deny grants nothing
    allow("s3:GetObject", TABLE_ARN),                                  # no DynamoDB action
    allow("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Items"),  # elsewhere
    {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": TABLE_ARN}]},
], ids=["star", "deny", "other-service", "other-region", "not-action"])
def test_a_policy_reaches_nothing_it_does_not_allow_on_a_named_resource(document: dict) -> None:
    assert reaches(document, PLACE, ["Items"], ["/aws/lambda/items-fn"]) == []


def test_actions_of_several_statements_gather_on_one_table() -> None:
    document = {"Statement": [allow("dynamodb:GetItem", TABLE_ARN)["Statement"][0],
                              allow(["dynamodb:PutItem", "dynamodb:GetItem"],
                                    [TABLE_ARN, "arn:aws:s3:::bucket"])["Statement"][0]]}
    assert reaches(document, PLACE, ["Items"], []) == [
        Reach("table", "Items", ("dynamodb:GetItem", "dynamodb:PutItem"))]


def test_environment_variables_name_tables_by_value_or_by_a_table_variable() -> None:
    environment = {"TABLE_NAME": "Gone", "ORDERS": "Orders", "MODE": "fast", "ITEMS_TABLE": "x y"}
    assert table_variables(environment, ["Orders", "Items"]) == [("ORDERS", "Orders"),
                                                                 ("TABLE_NAME", "Gone")]


# The map under moto ----------------------------------------------------------------------------

@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        console = clients_for(clients.Connection("aws", REGION))
        with clients.using(console), clients.using_region(REGION):
            yield


def make_function(name: str, role_arn: str, environment: dict[str, str] | None = None) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=role_arn,
        Code={"ZipFile": buffer.getvalue()},
        Environment={"Variables": environment or {}})["FunctionArn"]


def make_role(name: str, document: dict | None = None) -> str:
    iam = boto3.client("iam", region_name=REGION)
    role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    if document is not None:
        policy_arn = iam.create_policy(PolicyName=f"{name}-table",
                                       PolicyDocument=json.dumps(document))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps(
            allow(["logs:CreateLogStream", "logs:PutLogEvents"], "*")))
    return role_arn


def make_api(name: str, function_arn: str, methods: tuple[str, ...] = ("GET", "POST")) -> str:
    gateway = boto3.client("apigateway", region_name=REGION)
    api_id = gateway.create_rest_api(name=name)["id"]
    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    items = gateway.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    uri = (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}"
           "/invocations")
    for method in methods:
        gateway.put_method(restApiId=api_id, resourceId=items, httpMethod=method,
                           authorizationType="NONE")
        gateway.put_integration(restApiId=api_id, resourceId=items, httpMethod=method,
                                type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    boto3.client("lambda", region_name=REGION).add_permission(
        FunctionName=function_arn, StatementId="api", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/*/items")
    gateway.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


def tutorial() -> str:
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="Items", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    role_arn = make_role("items-role", allow(["dynamodb:GetItem", "dynamodb:PutItem"], TABLE_ARN))
    function_arn = make_function("items-fn", role_arn, {"TABLE_NAME": "Items"})
    return make_api("items-api", function_arn)


class CallsMade:
    """Every botocore API call made, counted apart from the console's counter."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.operations: list[str] = []
        lock = threading.Lock()
        make_api_call = BaseClient._make_api_call

        def counted(client: BaseClient, operation_name: str, api_params: dict) -> object:
            with lock:
                self.operations.append(operation_name)
            return make_api_call(client, operation_name, api_params)

        monkeypatch.setattr(BaseClient, "_make_api_call", counted)


def test_the_tutorial_stack_is_drawn_with_its_lines(aws: None) -> None:
    api_id = tutorial()
    stack = build_map()
    keys = [node.key for node in stack.nodes]
    resource_id = stack.node(keys[3]).param("resource_id")
    assert keys == [
        f"api:{api_id}", f"stage:{api_id}/prod", "logging-role",
        f"method:{api_id}/{resource_id}/GET", f"method:{api_id}/{resource_id}/POST",
        "function:items-fn", "role:items-role",
        f"policy:arn:aws:iam::{ACCOUNT}:policy/items-role-table", "inline:items-role/logs",
        "table:Items", "log-group:/aws/lambda/items-fn"]
    assert stack.node("log-group:/aws/lambda/items-fn").exists is False  # never invoked
    assert stack.node("logging-role").exists is False
    assert stack.node("function:items-fn").detail == "python3.12"
    assert stack.node(f"policy:arn:aws:iam::{ACCOUNT}:policy/items-role-table").detail == \
        "customer-managed"
    lines = {(edge.source, edge.target, edge.reason, edge.params) for edge in stack.edges}
    method = f"method:{api_id}/{resource_id}/GET"
    assert (method, "function:items-fn", model.PROXY_INTEGRATION, ()) in lines
    assert (f"api:{api_id}", method, model.METHOD_OF, ()) in lines
    assert ("function:items-fn", "role:items-role", model.RUNS_AS, ()) in lines
    assert ("function:items-fn", "log-group:/aws/lambda/items-fn", model.LOGS_TO, ()) in lines
    assert ("role:items-role", "inline:items-role/logs", model.INLINE, ()) in lines
    assert (f"policy:arn:aws:iam::{ACCOUNT}:policy/items-role-table", "table:Items",
            model.REACHES, (("actions", "dynamodb:GetItem, dynamodb:PutItem"),)) in lines
    # The inline logs policy's bare "*" reaches nothing in particular.
    assert not any(edge.source == "inline:items-role/logs" and edge.reason == model.REACHES
                   for edge in stack.edges)
    assert [(problem.node, problem.kind) for problem in stack.problems] == [
        (f"stage:{api_id}/prod", model.STAGE_LOGGING_OFF),
        ("logging-role", model.NO_LOGGING_ROLE)]
    assert stack.capped == () and stack.unreadable == ()


def test_the_count_is_every_call_the_map_made(aws: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    tutorial()
    account_id()  # asked once per connection: the first map would count it too
    made = CallsMade(monkeypatch)
    stack = build_map()
    # GetRestApis, ListFunctions, ListTables, GetAccount, DescribeLogGroups; GetResources;
    # GetStages, GetDeployments, ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy,
    # GetPolicy (Lambda), SimulatePrincipalPolicy x2 (logs, the table), GetMetricData;
    # GetPolicy and GetPolicyVersion (IAM) for the one managed policy, GetExport for the stage.
    assert stack.calls == len(made.operations) == 18, " ".join(sorted(made.operations))


def test_a_log_group_is_missing_until_it_is_made(aws: None) -> None:
    tutorial()
    assert build_map().node("log-group:/aws/lambda/items-fn").exists is False
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="/aws/lambda/items-fn")
    assert build_map().node("log-group:/aws/lambda/items-fn").exists is True


def test_errors_in_the_last_hour_mark_the_function(aws: None) -> None:
    tutorial()
    make_function("quiet-fn", make_role("quiet-role"))
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for function_name, metric_name, value in (("items-fn", "Invocations", 4.0),
                                              ("items-fn", "Errors", 2.0),
                                              ("quiet-fn", "Invocations", 1.0),
                                              ("quiet-fn", "Errors", 0.0)):
        cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[{
            "MetricName": metric_name, "Value": value,
            "Dimensions": [{"Name": "FunctionName", "Value": function_name}]}])
    failing = [problem for problem in build_map().problems
               if problem.kind == model.FAILING_INVOCATIONS]
    assert failing == [model.Problem("function:items-fn", model.FAILING_INVOCATIONS,
                                     (("errors", "2"), ("invocations", "4")),
                                     model.FIX_FUNCTION_LOGS, (("function", "items-fn"),))]


def test_the_same_account_draws_the_same_map(aws: None) -> None:
    tutorial()
    first, second = build_map(), build_map()
    assert (first.nodes, first.edges, first.problems) == (second.nodes, second.edges,
                                                          second.problems)


def test_a_method_calling_a_missing_function_points_at_a_missing_box(aws: None) -> None:
    api_id = make_api("orphan-api", make_function("gone-fn", make_role("gone-role")))
    boto3.client("lambda", region_name=REGION).delete_function(FunctionName="gone-fn")
    stack = build_map(api_id=api_id)
    assert stack.node("function:gone-fn").exists is False
    assert not any(problem.kind == model.NO_INVOKE_PERMISSION for problem in stack.problems)


def test_filters_keep_one_api_or_one_function_and_what_hangs_off_it(aws: None) -> None:
    api_id = tutorial()
    other_api = make_api("other-api", make_function("other-fn", make_role("other-role")))
    make_function("lonely-fn", make_role("lonely-role"))

    everything = {node.key for node in build_map().nodes}
    assert {f"api:{other_api}", "function:lonely-fn", "function:items-fn"} <= everything

    by_api = {node.key for node in build_map(api_id=api_id).nodes}
    assert "function:items-fn" in by_api and f"api:{api_id}" in by_api
    assert not by_api & {f"api:{other_api}", "function:other-fn", "function:lonely-fn",
                         "role:other-role"}

    by_function = build_map(function_name="other-fn")
    keys = {node.key for node in by_function.nodes}
    assert {f"api:{other_api}", f"stage:{other_api}/prod", "function:other-fn",
            "role:other-role", "log-group:/aws/lambda/other-fn"} <= keys
    assert not keys & {f"api:{api_id}", "function:items-fn", "function:lonely-fn"}


def test_a_refused_read_is_noted_and_the_rest_is_drawn(aws: None) -> None:
    tutorial()
    refusal = ("User: arn:aws:iam::123456789012:user/viewer is not authorized to perform: "
               "dynamodb:ListTables")
    with Stubber(clients.client("dynamodb")) as stub:
        stub.add_client_error("list_tables", "AccessDeniedException", refusal, 400)
        stack = build_map()
    assert stack.unreadable == (refusal,)
    assert stack.node("function:items-fn") is not None
    assert stack.node("table:Items").exists  # not listed: not known to be missing
