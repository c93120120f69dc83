"""Each AWS service the console uses answers boto3 via the sandbox; IAM has AWS's policies."""
import io
import json
import urllib.error
import urllib.request
import uuid
import zipfile
from http import HTTPStatus

import pytest

from .processes import ACCOUNT_ID, REGION, ClientFactory

LAMBDA_TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})

# The AWS-managed policies the tutorial attaches, as AWS's managed policy reference shows them
# (docs.aws.amazon.com/aws-managed-policy/latest/reference/<name>.html): path, default version,
# and actions of the default version (all of them where `exact`, else ones the tutorial needs).
MANAGED_POLICIES = [
    ("AWSLambdaBasicExecutionRole", "/service-role/", "v1", True,
     {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}),
    ("AWSLambdaDynamoDBExecutionRole", "/service-role/", "v1", True,
     {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
      "dynamodb:ListStreams", "logs:CreateLogGroup", "logs:CreateLogStream",
      "logs:PutLogEvents"}),
    ("AmazonDynamoDBFullAccess", "/", "v15", False,
     {"dynamodb:*", "iam:GetRole", "iam:ListRoles", "lambda:ListFunctions"}),
    ("AmazonDynamoDBReadOnlyAccess", "/", "v15", False,
     {"dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:List*", "dynamodb:GetItem",
      "dynamodb:Query", "dynamodb:Scan"}),
    ("AmazonAPIGatewayPushToCloudWatchLogs", "/service-role/", "v1", True,
     {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups",
      "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents",
      "logs:FilterLogEvents"}),
    ("CloudWatchLogsFullAccess", "/", None, False, {"logs:*"}),
    ("AdministratorAccess", "/", "v1", True, {"*"}),
]


def unique(prefix: str) -> str:
    """A resource name no other test in the session uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def statement_actions(document: dict) -> set[str]:
    """Every action the Allow statements of a policy document name."""
    actions: set[str] = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        named = statement["Action"]
        actions.update([named] if isinstance(named, str) else named)
    return actions


def lambda_zip() -> bytes:
    """A deployment package with one Python handler."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def test_health_reports_region_and_account(sandbox_url: str) -> None:
    with urllib.request.urlopen(f"{sandbox_url}/_sandbox/health") as reply:
        assert reply.status == HTTPStatus.OK
        assert reply.headers["Content-Type"] == "application/json"
        answer = json.load(reply)
    assert {key: answer[key] for key in ("status", "region", "account_id")} == {
        "status": "ok", "region": REGION, "account_id": ACCOUNT_ID}
    assert answer["state"]["persist"] is False  # the tests' sandbox keeps nothing on disk


def test_health_refuses_other_methods(sandbox_url: str) -> None:
    request = urllib.request.Request(f"{sandbox_url}/_sandbox/health", method="POST", data=b"")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == HTTPStatus.METHOD_NOT_ALLOWED


def test_sts_names_the_sandbox_account(aws_client: ClientFactory) -> None:
    assert aws_client("sts").get_caller_identity()["Account"] == ACCOUNT_ID


def test_dynamodb_creates_and_lists_tables(aws_client: ClientFactory) -> None:
    dynamodb = aws_client("dynamodb")
    table_name = unique("items")
    created = dynamodb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    assert created["TableDescription"]["TableArn"] == (
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{table_name}")
    assert table_name in dynamodb.list_tables()["TableNames"]


def test_iam_creates_and_lists_roles(aws_client: ClientFactory) -> None:
    iam = aws_client("iam")
    role_name = unique("lambda-role")
    iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=LAMBDA_TRUST_POLICY)
    pages = iam.get_paginator("list_roles").paginate()
    assert role_name in [role["RoleName"] for page in pages for role in page["Roles"]]


def test_lambda_creates_and_lists_functions(aws_client: ClientFactory) -> None:
    role_arn = aws_client("iam").create_role(
        RoleName=unique("fn-role"), AssumeRolePolicyDocument=LAMBDA_TRUST_POLICY)["Role"]["Arn"]
    functions = aws_client("lambda")
    function_name = unique("hello")
    functions.create_function(FunctionName=function_name, Runtime="python3.12", Role=role_arn,
                              Handler="app.handler", Code={"ZipFile": lambda_zip()})
    pages = functions.get_paginator("list_functions").paginate()  # other files' functions too
    assert function_name in [function["FunctionName"] for page in pages
                             for function in page["Functions"]]


def test_apigateway_creates_and_lists_rest_apis(aws_client: ClientFactory) -> None:
    apigateway = aws_client("apigateway")
    api_id = apigateway.create_rest_api(name=unique("items-api"))["id"]
    pages = apigateway.get_paginator("get_rest_apis").paginate()
    assert api_id in [api["id"] for page in pages for api in page["items"]]


def test_logs_creates_and_describes_log_groups(aws_client: ClientFactory) -> None:
    logs = aws_client("logs")
    group_name = f"/aws/lambda/{unique('hello')}"
    logs.create_log_group(logGroupName=group_name)
    described = logs.describe_log_groups(logGroupNamePrefix=group_name)["logGroups"]
    assert [group["logGroupName"] for group in described] == [group_name]


def test_cloudwatch_puts_and_lists_metrics(aws_client: ClientFactory) -> None:
    cloudwatch = aws_client("cloudwatch")
    namespace = unique("Sandbox/Test")
    cloudwatch.put_metric_data(Namespace=namespace,
                               MetricData=[{"MetricName": "Invocations", "Value": 1.0}])
    metrics = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    assert [metric["MetricName"] for metric in metrics] == ["Invocations"]


@pytest.mark.parametrize(("policy_name", "path", "version", "exact", "actions"), MANAGED_POLICIES,
                         ids=[policy[0] for policy in MANAGED_POLICIES])
def test_managed_policy_has_aws_document(aws_client: ClientFactory, policy_name: str, path: str,
                                         version: str | None, exact: bool,
                                         actions: set[str]) -> None:
    iam = aws_client("iam")
    policy_arn = f"arn:aws:iam::aws:policy{path}{policy_name}"
    policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
    assert (policy["PolicyName"], policy["Path"]) == (policy_name, path)
    if version is not None:
        assert policy["DefaultVersionId"] == version
    default_version = iam.get_policy_version(
        PolicyArn=policy_arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    assert default_version["IsDefaultVersion"]
    found = statement_actions(default_version["Document"])
    assert found == actions if exact else actions <= found


def test_list_policies_finds_aws_managed_policies(aws_client: ClientFactory) -> None:
    pages = aws_client("iam").get_paginator("list_policies").paginate(Scope="AWS")
    arns = {policy["Arn"] for page in pages for policy in page["Policies"]}
    expected = {f"arn:aws:iam::aws:policy{path}{name}" for name, path, *_ in MANAGED_POLICIES}
    assert expected <= arns
