"""Take the wizard's backend away: an AWS SAM template, an AWS CLI script, and a .zip of both.

Pure: built from a Plan alone (no Flask, no AWS calls). The template names every resource as the
plan does but leaves the Region, account and partition to CloudFormation's pseudo parameters, so
it deploys to any account; the script asks the AWS CLI for them when it runs. Both make what the
wizard makes: the table, the least-privilege policy (the IAM builder's read-write document), the
execution role, the function, the REST API with a Lambda proxy method per route and the invoke
permission, the stage and its execution logging with the account's CloudWatch Logs role.
"""
from __future__ import annotations

import io
import json
import re
import shlex
import zipfile
from typing import Any

import yaml

from webapp.aws.functions.code_packages import TEMPLATES_DIR
from webapp.aws.iam.policy_templates import READ_WRITE, TABLE, policy_for
from webapp.wizard.model import API_ROUTES, Plan

HANDLER = "lambda_function.lambda_handler"
CODE_TEMPLATE = "items"
SOURCE_FILE = "lambda_function.py"
FUNCTION_DESCRIPTION = "Items API over DynamoDB (Serverless Console setup wizard)"
API_DESCRIPTION = "Items API (Serverless Console setup wizard)"
DEFAULT_REGION = "us-east-1"

# Logical IDs in the template.
TABLE_ID = "ItemsTable"
POLICY_ID = "TableAccessPolicy"
ROLE_ID = "FunctionRole"
FUNCTION_ID = "ItemsFunction"
API_ID = "ItemsApi"
LOGGING_ROLE_ID = "ApiGatewayCloudWatchRole"
ACCOUNT_ID = "ApiGatewayAccount"

TEMPLATE_FILE = "template.yaml"
SCRIPT_FILE = "deploy-with-cli.sh"
ZIP_FOLDER = "serverless-console-export"
_DATE = (2024, 1, 1, 0, 0, 0)  # fixed member times: the same plan gives the same archive

_TABLE_ARN_MARK = "@@TABLE_ARN@@"


def logging_on(plan: Plan) -> bool:
    """Whether the stage logs execution (and so needs the account's CloudWatch Logs role)."""
    return plan.logging_level != "OFF"


def table_policy_document(table_arn: str) -> dict:
    """The wizard's least-privilege document: read-write on the table and its indexes."""
    return policy_for(TABLE, [table_arn], READ_WRITE)


def _trust(service: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def _aws_managed_policy(name: str) -> str:
    return f"arn:${{AWS::Partition}}:iam::aws:policy/service-role/{name}"


def _sub_literal(text: str) -> str:
    """Text placed inside an Fn::Sub string as itself (`${` would start a variable)."""
    return text.replace("${", "${!")


def event_name(method: str, path: str) -> str:
    """An Api event's logical name: GET /items/{id} -> GetItemsId."""
    words = re.findall(r"[A-Za-z0-9]+", path)
    return method.capitalize() + "".join(word[:1].upper() + word[1:] for word in words)


# --- The SAM template ---

class _Tag:
    """An intrinsic function written in YAML's short form (!Ref, !GetAtt, !Sub)."""

    tag = ""

    def __init__(self, value: str) -> None:
        self.value = value


class Ref(_Tag):
    """!Ref LogicalId (a resource's name or id; pseudo parameters too)."""

    tag = "!Ref"


class GetAtt(_Tag):
    """!GetAtt LogicalId.Attribute."""

    tag = "!GetAtt"


class Sub(_Tag):
    """!Sub 'text with ${LogicalId} and ${AWS::Region}'."""

    tag = "!Sub"


class _TemplateDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - no anchors: plain to read
        return True


def _represent_tag(dumper: yaml.SafeDumper, data: _Tag) -> yaml.Node:
    return dumper.represent_scalar(data.tag, data.value)


for _kind in (Ref, GetAtt, Sub):
    _TemplateDumper.add_representer(_kind, _represent_tag)


def _policy_resources(document: dict) -> dict:
    """The document with the table-ARN placeholder turned into !GetAtt / !Sub."""
    def resource(arn: str) -> _Tag:
        if arn == _TABLE_ARN_MARK:
            return GetAtt(f"{TABLE_ID}.Arn")
        return Sub(arn.replace(_TABLE_ARN_MARK, f"${{{TABLE_ID}.Arn}}"))

    statements = []
    for statement in document["Statement"]:
        arns = statement["Resource"]
        converted = [resource(arn) for arn in arns] if isinstance(arns, list) else resource(arns)
        statements.append({**statement, "Resource": converted})
    return {**document, "Statement": statements}


def template_data(plan: Plan) -> dict[str, Any]:
    """The SAM template as data (intrinsics as Ref/GetAtt/Sub objects), before it is YAML."""
    resources: dict[str, Any] = {
        TABLE_ID: {
            "Type": "AWS::DynamoDB::Table",
            # Deleting the stack deletes the table, as the wizard's tear down does.
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "TableName": plan.table_name,
                "AttributeDefinitions": [
                    {"AttributeName": plan.partition_key, "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": plan.partition_key, "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        },
        POLICY_ID: {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": plan.policy_name,
                "Description": "Read-write on the items table and its indexes, nothing else",
                "PolicyDocument": _policy_resources(table_policy_document(_TABLE_ARN_MARK)),
            },
        },
        ROLE_ID: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": plan.role_name,
                "AssumeRolePolicyDocument": _trust("lambda.amazonaws.com"),
                "ManagedPolicyArns": [Ref(POLICY_ID),
                                      Sub(_aws_managed_policy("AWSLambdaBasicExecutionRole"))],
            },
        },
        FUNCTION_ID: {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "FunctionName": plan.function_name,
                "Description": FUNCTION_DESCRIPTION,
                "CodeUri": "src/",
                "Handler": HANDLER,
                "Runtime": plan.runtime,
                "MemorySize": plan.memory_mb,
                "Timeout": plan.timeout_s,
                "Role": GetAtt(f"{ROLE_ID}.Arn"),
                "Environment": {"Variables": {"TABLE_NAME": Ref(TABLE_ID),
                                              "KEY_NAME": plan.partition_key}},
                "Events": {
                    event_name(method, path): {"Type": "Api", "Properties": {
                        "RestApiId": Ref(API_ID), "Path": path, "Method": method.lower()}}
                    for path, methods in API_ROUTES.items() for method in methods
                },
            },
        },
        API_ID: {
            "Type": "AWS::Serverless::Api",
            "Properties": {
                "Name": plan.api_name,
                "Description": API_DESCRIPTION,
                "StageName": plan.stage_name,
                "EndpointConfiguration": {"Type": plan.endpoint_type},
                "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*",
                                    "LoggingLevel": plan.logging_level}],
            },
        },
    }
    if logging_on(plan):
        resources[API_ID]["DependsOn"] = ACCOUNT_ID
        resources[LOGGING_ROLE_ID] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": "Lets API Gateway write execution logs to CloudWatch Logs",
                "AssumeRolePolicyDocument": _trust("apigateway.amazonaws.com"),
                "ManagedPolicyArns": [
                    Sub(_aws_managed_policy("AmazonAPIGatewayPushToCloudWatchLogs"))],
            },
        }
        resources[ACCOUNT_ID] = {
            "Type": "AWS::ApiGateway::Account",
            "Properties": {"CloudWatchRoleArn": GetAtt(f"{LOGGING_ROLE_ID}.Arn")},
        }
    stage = _sub_literal(plan.stage_name)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": f"{plan.api_name}: an items API over the DynamoDB table {plan.table_name} "
                       "(exported from the Serverless Console setup wizard)",
        "Resources": resources,
        "Outputs": {
            "ApiUrl": {
                "Description": "The stage's URL; the items are under /items",
                "Value": Sub(f"https://${{{API_ID}}}.execute-api.${{AWS::Region}}."
                             f"${{AWS::URLSuffix}}/{stage}/"),
            },
            "TableName": {"Description": "The DynamoDB table", "Value": Ref(TABLE_ID)},
            "FunctionArn": {"Description": "The Lambda function",
                            "Value": GetAtt(f"{FUNCTION_ID}.Arn")},
        },
    }


def sam_template(plan: Plan) -> str:
    """template.yaml: the plan's backend as an AWS SAM template (YAML text)."""
    header = ("# AWS SAM template exported by the Serverless Console setup wizard.\n"
              "# Check it with `sam validate --lint`; deploy it with `sam deploy --guided`.\n")
    body = yaml.dump(template_data(plan), Dumper=_TemplateDumper, sort_keys=False,
                     allow_unicode=True, default_flow_style=False, width=100)
    return header + body


# --- The AWS CLI script ---

def _q(value: object) -> str:
    return shlex.quote(str(value))


def _json_arg(document: object) -> str:
    return _q(json.dumps(document, separators=(",", ":")))


def _json_with_table_arn(document: dict) -> str:
    """The document as a shell word in which the table ARN comes from "$TABLE_ARN"."""
    text = json.dumps(document, separators=(",", ":"))
    return '"$TABLE_ARN"'.join(_q(part) if part else "" for part in text.split(_TABLE_ARN_MARK))


def _resource_variable(path: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", path)
    return "_".join(word.upper() for word in words) + "_RESOURCE_ID"


def _resource_lines(paths: list[str]) -> list[str]:
    """create-resource for every path (parents first), each id kept in a variable."""
    lines: list[str] = []
    made = {"": "ROOT_ID"}
    for path in paths:
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            current = "/" + "/".join(parts[:depth])
            if current in made:
                continue
            parent = made["/" + "/".join(parts[:depth - 1]) if depth > 1 else ""]
            variable = _resource_variable(current)
            lines.append(
                f'{variable}="$(aws apigateway create-resource --rest-api-id "$API_ID" '
                f'--parent-id "${parent}" --path-part {_q(parts[depth - 1])} '
                f'--query id --output text)"')
            made[current] = variable
    return lines


def cli_script(plan: Plan, default_region: str = DEFAULT_REGION) -> str:
    """deploy-with-cli.sh: the same backend made with AWS CLI v2 commands, in dependency order."""
    key_definitions = [{"AttributeName": plan.partition_key, "AttributeType": "S"}]
    key_schema = [{"AttributeName": plan.partition_key, "KeyType": "HASH"}]
    environment = {"Variables": {"TABLE_NAME": plan.table_name, "KEY_NAME": plan.partition_key}}
    lines = [
        "#!/usr/bin/env bash",
        "# Makes the Serverless Console setup wizard's backend with AWS CLI v2 commands:",
        _comment(f"table {plan.table_name}, policy {plan.policy_name}, role {plan.role_name},"),
        _comment(f"function {plan.function_name}, REST API {plan.api_name} and its stage "
                 f"{plan.stage_name}."),
        "# Run it from the folder that holds src/. It stops at the first command that fails.",
        "set -euo pipefail",
        'cd "$(dirname "$0")"',
        "export AWS_PAGER=\"\"",
        f'REGION="${{AWS_REGION:-{_region_default(default_region)}}}"',
        'export AWS_REGION="$REGION"',
        "# Seconds to let IAM changes reach Lambda and API Gateway before they are used.",
        'IAM_WAIT_SECONDS="${IAM_WAIT_SECONDS:-10}"',
        "",
        f"TABLE_NAME={_q(plan.table_name)}",
        f"POLICY_NAME={_q(plan.policy_name)}",
        f"ROLE_NAME={_q(plan.role_name)}",
        f"FUNCTION_NAME={_q(plan.function_name)}",
        f"API_NAME={_q(plan.api_name)}",
        f"STAGE_NAME={_q(plan.stage_name)}",
        "",
        'ACCOUNT="$(aws sts get-caller-identity --query Account --output text)"',
        'CALLER_ARN="$(aws sts get-caller-identity --query Arn --output text)"',
        'PARTITION="$(echo "$CALLER_ARN" | cut -d: -f2)"',
        'echo "Account $ACCOUNT, Region $REGION"',
        "",
        'echo "1/5 DynamoDB table $TABLE_NAME"',
        'TABLE_ARN="$(aws dynamodb create-table --table-name "$TABLE_NAME" '
        f"--attribute-definitions {_json_arg(key_definitions)} "
        f"--key-schema {_json_arg(key_schema)} --billing-mode PAY_PER_REQUEST "
        '--query TableDescription.TableArn --output text)"',
        'aws dynamodb wait table-exists --table-name "$TABLE_NAME"',
        "",
        'echo "2/5 Policy $POLICY_NAME and role $ROLE_NAME"',
        f"POLICY_DOCUMENT={_json_with_table_arn(table_policy_document(_TABLE_ARN_MARK))}",
        'POLICY_ARN="$(aws iam create-policy --policy-name "$POLICY_NAME" '
        '--policy-document "$POLICY_DOCUMENT" --query Policy.Arn --output text)"',
        'ROLE_ARN="$(aws iam create-role --role-name "$ROLE_NAME" '
        f"--assume-role-policy-document {_json_arg(_trust('lambda.amazonaws.com'))} "
        '--query Role.Arn --output text)"',
        'aws iam attach-role-policy --role-name "$ROLE_NAME" --policy-arn "$POLICY_ARN"',
        'aws iam attach-role-policy --role-name "$ROLE_NAME" --policy-arn '
        '"arn:$PARTITION:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"',
        'aws iam wait role-exists --role-name "$ROLE_NAME"',
        'sleep "$IAM_WAIT_SECONDS"  # a new role takes a few seconds before Lambda may assume it',
        "",
        'echo "3/5 Lambda function $FUNCTION_NAME"',
        "rm -f function.zip",
        "if command -v zip >/dev/null; then (cd src && zip -q -r ../function.zip .); "
        "else (cd src && python3 -m zipfile -c ../function.zip " + SOURCE_FILE + "); fi",
        'FUNCTION_ARN="$(aws lambda create-function --function-name "$FUNCTION_NAME" '
        f"--runtime {_q(plan.runtime)} --handler {_q(HANDLER)} --role \"$ROLE_ARN\" "
        "--zip-file fileb://function.zip "
        f"--memory-size {int(plan.memory_mb)} --timeout {int(plan.timeout_s)} "
        f"--environment {_json_arg(environment)} "
        f"--description {_q(FUNCTION_DESCRIPTION)} "
        '--query FunctionArn --output text)"',
        'aws lambda wait function-active-v2 --function-name "$FUNCTION_NAME"',
        "",
        'echo "4/5 REST API $API_NAME"',
        'API_ID="$(aws apigateway create-rest-api --name "$API_NAME" '
        f"--description {_q(API_DESCRIPTION)} "
        f"--endpoint-configuration types={_q(plan.endpoint_type)} --query id --output text)\"",
        'ROOT_ID="$(aws apigateway get-resources --rest-api-id "$API_ID" '
        "--query \"items[?path=='/'].id\" --output text)\"",
        *_resource_lines(list(API_ROUTES)),
        'INTEGRATION_URI="arn:$PARTITION:apigateway:$REGION:lambda:path/2015-03-31/functions/'
        '$FUNCTION_ARN/invocations"',
    ]
    for path, methods in API_ROUTES.items():
        variable = _resource_variable(path)
        for method in methods:
            lines += [
                f'aws apigateway put-method --rest-api-id "$API_ID" --resource-id "${variable}" '
                f"--http-method {method} --authorization-type NONE",
                f'aws apigateway put-integration --rest-api-id "$API_ID" --resource-id '
                f'"${variable}" --http-method {method} --type AWS_PROXY '
                '--integration-http-method POST --uri "$INTEGRATION_URI"',
            ]
    lines += [
        'aws lambda add-permission --function-name "$FUNCTION_NAME" '
        '--statement-id "apigateway-$API_ID" --action lambda:InvokeFunction '
        "--principal apigateway.amazonaws.com "
        '--source-arn "arn:$PARTITION:execute-api:$REGION:$ACCOUNT:$API_ID/*/*/*"',
        "",
        'echo "5/5 Deployment to the stage $STAGE_NAME"',
        'aws apigateway create-deployment --rest-api-id "$API_ID" --stage-name "$STAGE_NAME" '
        "--description 'Exported setup wizard deployment'",
    ]
    if logging_on(plan):
        lines += [
            "# Execution logging needs the account's CloudWatch Logs role (one per Region).",
            'LOGGING_ROLE_ARN="$(aws apigateway get-account --query cloudwatchRoleArn '
            '--output text)"',
            'if [ -z "$LOGGING_ROLE_ARN" ] || [ "$LOGGING_ROLE_ARN" = "None" ]; then',
            '  LOGGING_ROLE_NAME="apigateway-cloudwatch-logs-$(date +%s)"',
            '  LOGGING_ROLE_ARN="$(aws iam create-role --role-name "$LOGGING_ROLE_NAME" '
            f"--assume-role-policy-document {_json_arg(_trust('apigateway.amazonaws.com'))} "
            '--query Role.Arn --output text)"',
            '  aws iam attach-role-policy --role-name "$LOGGING_ROLE_NAME" --policy-arn '
            '"arn:$PARTITION:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"',
            '  aws iam wait role-exists --role-name "$LOGGING_ROLE_NAME"',
            '  sleep "$IAM_WAIT_SECONDS"',
            "  aws apigateway update-account --patch-operations "
            '"op=replace,path=/cloudwatchRoleArn,value=$LOGGING_ROLE_ARN"',
            "fi",
        ]
    lines += [
        'aws apigateway update-stage --rest-api-id "$API_ID" --stage-name "$STAGE_NAME" '
        "--patch-operations "
        + _json_arg([{"op": "replace", "path": "/*/*/logging/loglevel",
                      "value": plan.logging_level}]),
        "",
        'echo "Done. The items API: '
        'https://$API_ID.execute-api.$REGION.amazonaws.com/$STAGE_NAME/items"',
    ]
    return "\n".join(lines) + "\n"


def _region_default(text: str) -> str:
    """A Region code as the default of ${AWS_REGION:-...} (only [a-z0-9-] pass through)."""
    return text if re.fullmatch(r"[a-z0-9-]+", text) else DEFAULT_REGION


def _comment(text: str) -> str:
    """One shell comment line: control characters (a newline above all) cannot end it."""
    return "# " + re.sub(r"[\x00-\x1f\x7f]", "?", text)


# --- The .zip ---

def function_source() -> str:
    """The function's code, from lambda_code/items (the same code the wizard deploys)."""
    return (TEMPLATES_DIR / CODE_TEMPLATE / SOURCE_FILE).read_text(encoding="utf-8")


def readme(plan: Plan) -> str:
    """README.md: what the export holds and the three ways to use it."""
    return f"""# {plan.api_name}: exported from the Serverless Console setup wizard

An items API (GET/POST `/items`, GET/PUT/DELETE `/items/{{id}}`) on API Gateway, served by the
Lambda function `{plan.function_name}` over the DynamoDB table `{plan.table_name}` (partition key
`{plan.partition_key}`), with the least-privilege policy `{plan.policy_name}` on the execution role
`{plan.role_name}`, and execution logging ({plan.logging_level}) on the stage `{plan.stage_name}`.

- `{TEMPLATE_FILE}`: the AWS SAM template
- `src/{SOURCE_FILE}`: the function's code
- `{SCRIPT_FILE}`: the same stack made with AWS CLI v2 commands

The resources keep the wizard's names, so deploy to an account and Region where they are not
taken yet (or tear the wizard's down first). Creating named IAM roles and policies needs the
capability `CAPABILITY_NAMED_IAM`.

## With AWS SAM

```sh
sam validate --lint
sam deploy --guided --capabilities CAPABILITY_NAMED_IAM
```

`sam deploy --guided` asks for a stack name and Region and remembers them in samconfig.toml;
the stack's outputs give the API's URL. `sam delete` removes the stack, table included. The
template also sets API Gateway's account-wide CloudWatch Logs role for the Region (needed for
stage logging); that setting stays after the stack is deleted.

## With the AWS CLI

```sh
AWS_REGION=eu-west-1 bash {SCRIPT_FILE}
```

The script zips `src/` into `function.zip`, makes each resource in dependency order and prints
the URL. It stops at the first failure (for example a name that is taken); delete what it made,
or change the names at its top, before running it again. It sets the account's CloudWatch Logs
role only when the Region has none.
"""


def export_zip(plan: Plan, default_region: str = DEFAULT_REGION) -> bytes:
    """The take-away archive: template, function code, CLI script and README in one folder."""
    members = [
        (TEMPLATE_FILE, sam_template(plan), 0o644),
        (f"src/{SOURCE_FILE}", function_source(), 0o644),
        (SCRIPT_FILE, cli_script(plan, default_region), 0o755),
        ("README.md", readme(plan), 0o644),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text, mode in members:
            info = zipfile.ZipInfo(f"{ZIP_FOLDER}/{name}", date_time=_DATE)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()
