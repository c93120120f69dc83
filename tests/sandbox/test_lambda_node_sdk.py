"""Node.js handlers reach the sandbox through the AWS SDK for JavaScript with the role's keys, as
on AWS: v3, which the runtime provides without bundling (AWS_ENDPOINT_URL), and v2 when the
function's package brings it (node_runtime/sdk_v2_endpoint.cjs); the tutorial's items code
behind a stage answers 500 with AccessDenied in its log until the role may use the table.

The v2 cases use a small stand-in `aws-sdk` written by the test, laid out as v2 is (every entry
point loads lib/node_loader.js, which ends by making the global AWS.config): the real one is
108 MB, too big to bring in a test function's package, and the tests fetch nothing.
"""
import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from webapp.sandbox.config import DEFAULT_NODE_MODULES

from tests.helpers import require_node

from .lambda_support import (create_role, invoke, lambda_client, log_events, package, unique,
                             wait_for)
from .processes import REGION, ClientFactory
from .test_gateway_stage import STAGE, allow_gateway, call, execute_arn, make_api, stage_url

PROJECT = Path(__file__).resolve().parents[2]
PRELOAD = PROJECT / "webapp" / "sandbox" / "awslambda" / "node_runtime" / "sdk_v2_endpoint.cjs"
ITEMS_TEMPLATE = PROJECT / "lambda_code" / "items-nodejs" / "index.mjs"
NODE = shutil.which("node")
ENDPOINT = "http://127.0.0.1:4599"
DOCUMENT_ITEM = {"id": "apple", "price": 3}

# aws-sdk v2's layout, reduced to what the preload relies on.
FAKE_SDK_V2 = {
    "node_modules/aws-sdk/package.json": '{"name": "aws-sdk", "version": "2.1693.0", '
                                         '"main": "lib/aws.js"}',
    "node_modules/aws-sdk/lib/core.js": """
        class Config {
          constructor(options = {}) { Object.assign(this, options); }
          update(options) { Object.assign(this, options); }
        }
        module.exports = { Config, config: new Config() };
    """,
    "node_modules/aws-sdk/lib/node_loader.js": """
        const AWS = require("./core");
        AWS.config = new AWS.Config({ region: process.env.AWS_REGION });
    """,
    "node_modules/aws-sdk/lib/aws.js": """
        require("./node_loader");
        module.exports = require("./core");
    """,
    "node_modules/aws-sdk/clients/dynamodb.js": """
        require("../lib/node_loader");
        const AWS = require("../lib/core");
        module.exports = class DynamoDB {
          constructor(options = {}) { this.endpoint = options.endpoint ?? AWS.config.endpoint; }
        };
    """,
    # Another package's node_loader.js is none of the preload's business.
    "node_modules/other-sdk/package.json": '{"name": "other-sdk", "main": "lib/node_loader.js"}',
    "node_modules/other-sdk/lib/core.js": "module.exports = { config: { endpoint: 'own' } };",
    "node_modules/other-sdk/lib/node_loader.js": "module.exports = require('./core');",
}
# What a v2 handler sees, as CommonJS and as an ES module.
V2_CJS = """
    const AWS = require("aws-sdk");
    const DynamoDB = require("aws-sdk/clients/dynamodb");
    const other = require("other-sdk");
    exports.handler = async () => ({
      endpoint: AWS.config.endpoint ?? null,
      pathStyle: AWS.config.s3ForcePathStyle ?? null,
      client: new DynamoDB().endpoint ?? null,
      ownClient: new DynamoDB({ endpoint: "http://mine" }).endpoint,
      region: AWS.config.region,
      other: other.config.endpoint,
      variable: process.env.AWS_ENDPOINT_URL ?? null,
    });
"""
V2_ESM = """
    import AWS from "aws-sdk";
    export const handler = async () => ({ endpoint: AWS.config.endpoint ?? null,
                                          variable: process.env.AWS_ENDPOINT_URL ?? null });
"""
V3_STS_ESM = """
    import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
    const sts = new STSClient({});
    export const handler = async () => {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      return { arn: identity.Arn, account: identity.Account };
    };
"""
V3_DYNAMODB_CJS = """
    const { DynamoDBClient, ListTablesCommand } = require("@aws-sdk/client-dynamodb");
    exports.handler = async () => {
      try {
        return { tables: (await new DynamoDBClient({}).send(new ListTablesCommand({}))).TableNames };
      } catch (err) {
        return { error: err.name, message: err.message };
      }
    };
"""


@pytest.fixture
def node() -> str:
    require_node("node", NODE is not None)
    assert NODE is not None
    return NODE


@pytest.fixture
def sdk_v3(node: str) -> Path:
    require_node("the AWS SDK for JavaScript in .node-runtime/", DEFAULT_NODE_MODULES.is_dir())
    return DEFAULT_NODE_MODULES


def write_files(folder: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


def run_with_preload(node: str, folder: Path, entry: str,
                     endpoint: str | None) -> dict[str, Any]:
    """Run `entry` in `folder` as the runtime does, preload first; its printed handler answer."""
    runner = f"""
        const entry = require("node:path").resolve({json.dumps(entry)});
        import(require("node:url").pathToFileURL(entry).href)
          .then((module) => module.handler({{}}))
          .then((answer) => console.log(JSON.stringify(answer)));
    """
    environment = {"PATH": os.environ["PATH"], "AWS_REGION": REGION}
    if endpoint is not None:
        environment["AWS_ENDPOINT_URL"] = endpoint
    done = subprocess.run([node, "--require", str(PRELOAD), "-e", textwrap.dedent(runner)],
                          cwd=folder, env=environment, capture_output=True, text=True,
                          timeout=30, check=True)
    return json.loads(done.stdout)


def test_the_preload_points_sdk_v2_at_the_endpoint_for_require_and_import(
        node: str, tmp_path: Path) -> None:
    write_files(tmp_path, {**FAKE_SDK_V2, "index.js": V2_CJS, "esm.mjs": V2_ESM})
    answer = run_with_preload(node, tmp_path, "index.js", ENDPOINT)
    assert answer == {"endpoint": ENDPOINT, "pathStyle": True, "client": ENDPOINT,
                      "ownClient": "http://mine", "region": REGION, "other": "own",
                      "variable": ENDPOINT}
    assert run_with_preload(node, tmp_path, "esm.mjs", ENDPOINT) == {
        "endpoint": ENDPOINT, "variable": ENDPOINT}


def test_without_an_endpoint_the_preload_changes_nothing(node: str, tmp_path: Path) -> None:
    write_files(tmp_path, {**FAKE_SDK_V2, "index.js": V2_CJS})
    answer = run_with_preload(node, tmp_path, "index.js", None)
    assert (answer["endpoint"], answer["pathStyle"], answer["client"]) == (None, None, None)


@pytest.fixture(scope="module")
def lambda_api(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


def deploy_node(client: Any, role_arn: str, files: dict[str, str], runtime: str = "nodejs20.x",
                **settings: Any) -> str:
    name = unique("node")
    client.create_function(FunctionName=name, Runtime=runtime, Role=role_arn,
                           Handler="index.handler", Code={"ZipFile": package(files)}, **settings)
    return name


def test_sdk_v3_reaches_the_sandbox_as_the_functions_role(
        sdk_v3: Path, lambda_api: Any, aws_client: ClientFactory) -> None:
    role_arn = create_role(aws_client("iam"))
    name = deploy_node(lambda_api, role_arn, {"index.mjs": V3_STS_ESM}, runtime="nodejs22.x")
    answer = invoke(lambda_api, name, {})
    assert answer.function_error is None, answer.payload
    role_name = role_arn.rpartition("/")[2]
    assert answer.payload["arn"].startswith(f"arn:aws:sts::123456789012:assumed-role/{role_name}/")


def test_sdk_v3_from_commonjs_is_held_to_the_roles_policies(
        sdk_v3: Path, lambda_api: Any, aws_client: ClientFactory) -> None:
    iam = aws_client("iam")
    role_arn = create_role(iam)
    name = deploy_node(lambda_api, role_arn, {"index.js": V3_DYNAMODB_CJS}, runtime="nodejs18.x")
    refused = invoke(lambda_api, name, {}).payload
    assert refused["error"] == "AccessDeniedException"
    assert "dynamodb:ListTables" in refused["message"]

    iam.put_role_policy(RoleName=role_arn.rpartition("/")[2], PolicyName="list-tables",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "dynamodb:ListTables",
                             "Resource": "*"}]}))
    allowed = wait_for(lambda: "tables" in (payload := invoke(lambda_api, name, {}).payload)
                       and payload)
    assert isinstance(allowed["tables"], list)


def test_sdk_v2_in_the_functions_package_reaches_the_sandbox(
        node: str, sandbox_url: str, lambda_api: Any, aws_client: ClientFactory) -> None:
    role_arn = create_role(aws_client("iam"))
    name = deploy_node(lambda_api, role_arn, {**FAKE_SDK_V2, "index.js": V2_CJS})
    answer = invoke(lambda_api, name, {})
    assert answer.function_error is None, answer.payload
    endpoint = answer.payload["variable"]
    assert endpoint and endpoint.startswith("http://127.0.0.1:")
    assert answer.payload["endpoint"] == answer.payload["client"] == endpoint
    assert answer.payload["ownClient"] == "http://mine"


def items_table(dynamodb: Any) -> str:
    table_name = unique("items")
    dynamodb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    dynamodb.get_waiter("table_exists").wait(TableName=table_name,
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    dynamodb.put_item(TableName=table_name,
                      Item={"id": {"S": "apple"}, "price": {"N": "3"}})
    return table_name


def test_the_tutorials_items_code_answers_500_until_the_role_may_use_the_table(
        sdk_v3: Path, sandbox_url: str, lambda_api: Any, aws_client: ClientFactory) -> None:
    iam, dynamodb, logs = aws_client("iam"), aws_client("dynamodb"), aws_client("logs")
    table_name = items_table(dynamodb)
    role_arn = create_role(iam)
    name = deploy_node(lambda_api, role_arn, {"index.mjs": ITEMS_TEMPLATE.read_text()},
                       Environment={"Variables": {"TABLE_NAME": table_name}})
    function_arn = lambda_api.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    api = make_api(aws_client("apigateway"), function_arn, [("/items", "GET")])
    allow_gateway(lambda_api, name, execute_arn(api.api_id))
    aws_client("apigateway").create_deployment(restApiId=api.api_id, stageName=STAGE)
    url = stage_url(sandbox_url, api.api_id, "/items")

    refused = call(url)
    assert refused.status == 500
    assert refused.json()["error"] == "AccessDeniedException"
    logged = wait_for(lambda: [event["message"] for event in log_events(logs, name)
                               if "AccessDeniedException" in event["message"]])
    assert f"dynamodb:Scan on resource: arn:aws:dynamodb:{REGION}:123456789012:table/" \
           f"{table_name}" in logged[0]

    table_arn = dynamodb.describe_table(TableName=table_name)["Table"]["TableArn"]
    iam.put_role_policy(RoleName=role_arn.rpartition("/")[2], PolicyName="items-table",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                            "Effect": "Allow", "Resource": table_arn,
                            "Action": ["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:PutItem",
                                       "dynamodb:DeleteItem"]}]}))
    allowed = wait_for(lambda: (reply := call(url)).status == 200 and reply)
    assert allowed.json() == {"items": [DOCUMENT_ITEM]}
