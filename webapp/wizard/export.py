"""Take the wizard's backend away: an AWS SAM template, an AWS CLI script, and a .zip of both.

Pure: built from a Plan alone (no Flask, no AWS calls). The template names every resource as the
plan does but leaves the Region, account and partition to CloudFormation's pseudo parameters, so
it deploys to any account; the script asks the AWS CLI for them when it runs. Both make what the
wizard makes: the table, the least-privilege policy (the IAM builder's read-write document), the
execution role, the function, the REST API with a Lambda proxy method per route and the invoke
permission, the stage and its execution logging with the account's CloudWatch Logs role.

The script is text, so it is a Jinja template (templates/wizard/export/deploy.sh.j2) rendered by
a plain jinja2 Environment, whose every value must pass a shell-quoting filter. The SAM template
stays data dumped by PyYAML: as a dict it is valid YAML with every value quoted by the dumper,
and the CloudFormation tags need the dumper anyway.
"""
from __future__ import annotations

import io
import json
import re
import shlex
import zipfile
from typing import Any

import jinja2
import yaml

from webapp.aws.functions.code_packages import TEMPLATES_DIR, CodeTemplate
from webapp.aws.iam.policy_templates import READ_WRITE, TABLE, policy_for
from webapp.config import PROJECT_ROOT
from webapp.wizard.function_code import code_for, is_node
from webapp.wizard.model import API_ROUTES, Plan

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
SCRIPT_TEMPLATE = "wizard/export/deploy.sh.j2"  # under the project's templates folder
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
                "Handler": code_for(plan.runtime).handler,
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

class ShellText(str):
    """Script text that is safe as it stands: a quoted word, or a comment's inert text."""


def _sh(value: object) -> ShellText:
    """One shell word that is the value itself, whatever characters it holds."""
    return ShellText(shlex.quote(str(value)))


def _sh_json(document: object) -> ShellText:
    return _sh(json.dumps(document, separators=(",", ":")))


def _sh_json_with_table_arn(document: dict) -> ShellText:
    """The document as a shell word in which the table ARN comes from "$TABLE_ARN"."""
    text = json.dumps(document, separators=(",", ":"))
    return ShellText('"$TABLE_ARN"'.join(shlex.quote(part) if part else ""
                                         for part in text.split(_TABLE_ARN_MARK)))


def _comment(text: str) -> ShellText:
    """The text of one shell comment line: control characters (a newline above all) cannot end
    it."""
    return ShellText(re.sub(r"[\x00-\x1f\x7f]", "?", text))


def _only_shell_text(value: object) -> ShellText:
    """Every {{ }} of the script: a value that did not go through a quoting filter stops it."""
    if not isinstance(value, ShellText):
        raise TypeError(f"unquoted value in {SCRIPT_TEMPLATE}: {value!r}")
    return value


# The script is text for bash, not HTML: no autoescape, and every value quoted by a filter.
_SCRIPTS = jinja2.Environment(
    loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates"), autoescape=False,
    undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
    lstrip_blocks=True, finalize=_only_shell_text)
_SCRIPTS.filters.update(sh=_sh, sh_json=_sh_json, sh_json_with_table_arn=_sh_json_with_table_arn,
                        comment=_comment)


def _resource_variable(path: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", path)
    return "_".join(word.upper() for word in words) + "_RESOURCE_ID"


def _resources(paths: list[str]) -> list[tuple[str, str, str]]:
    """Every path's resources to create, parents first: the variable keeping the new resource's
    id, the variable holding its parent's, and its path part."""
    resources: list[tuple[str, str, str]] = []
    made = {"": "ROOT_ID"}
    for path in paths:
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            current = "/" + "/".join(parts[:depth])
            if current in made:
                continue
            parent = made["/" + "/".join(parts[:depth - 1]) if depth > 1 else ""]
            made[current] = _resource_variable(current)
            resources.append((made[current], parent, parts[depth - 1]))
    return resources


def cli_script(plan: Plan, default_region: str = DEFAULT_REGION) -> str:
    """deploy-with-cli.sh: the same backend made with AWS CLI v2 commands, in dependency order."""
    return _SCRIPTS.get_template(SCRIPT_TEMPLATE).render(
        plan=plan, region=_region_default(default_region),
        key_definitions=[{"AttributeName": plan.partition_key, "AttributeType": "S"}],
        key_schema=[{"AttributeName": plan.partition_key, "KeyType": "HASH"}],
        policy_document=table_policy_document(_TABLE_ARN_MARK),
        function_trust=_trust("lambda.amazonaws.com"),
        api_gateway_trust=_trust("apigateway.amazonaws.com"),
        source_file=code_for(plan.runtime).handler_file, handler=code_for(plan.runtime).handler,
        memory_mb=int(plan.memory_mb),
        timeout_s=int(plan.timeout_s),
        environment={"Variables": {"TABLE_NAME": plan.table_name, "KEY_NAME": plan.partition_key}},
        function_description=FUNCTION_DESCRIPTION, api_description=API_DESCRIPTION,
        resources=_resources(list(API_ROUTES)),
        methods=[(_resource_variable(path), method)
                 for path, methods in API_ROUTES.items() for method in methods],
        logging_on=logging_on(plan),
        stage_logging=[{"op": "replace", "path": "/*/*/logging/loglevel",
                        "value": plan.logging_level}])


def _region_default(text: str) -> str:
    """A Region code as the default of ${AWS_REGION:-...} (only [a-z0-9-] pass through)."""
    return text if re.fullmatch(r"[a-z0-9-]+", text) else DEFAULT_REGION


# --- The .zip ---

def function_source(code: CodeTemplate) -> str:
    """The function's code, from its lambda_code/ folder (the same code the wizard deploys)."""
    return (TEMPLATES_DIR / code.name / code.handler_file).read_text(encoding="utf-8")


def _sam_build_note(plan: Plan) -> str:
    """Why the README asks for no `sam build`: the code needs only the SDK its runtime has."""
    if is_node(plan.runtime):
        return ("`sam build` needs nothing for this function: its code imports only the AWS SDK\n"
                f"for JavaScript v3, which AWS's {plan.runtime} runtime provides, so `src/` has no\n"
                "package.json to install and `sam deploy` uploads it as it is.")
    return ("`sam build` needs nothing for this function: its code imports only boto3, which\n"
            f"AWS's {plan.runtime} runtime provides, so `sam deploy` uploads `src/` as it is.")


def readme(plan: Plan) -> str:
    """README.md: what the export holds and the three ways to use it."""
    code = code_for(plan.runtime)
    return f"""# {plan.api_name}: exported from the Serverless Console setup wizard

An items API (GET/POST `/items`, GET/PUT/DELETE `/items/{{id}}`) on API Gateway, served by the
Lambda function `{plan.function_name}` over the DynamoDB table `{plan.table_name}` (partition key
`{plan.partition_key}`), with the least-privilege policy `{plan.policy_name}` on the execution role
`{plan.role_name}`, and execution logging ({plan.logging_level}) on the stage `{plan.stage_name}`.

- `{TEMPLATE_FILE}`: the AWS SAM template
- `src/{code.handler_file}`: the function's code ({code.language.label}, runtime `{plan.runtime}`, handler
  `{code.handler}`)
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

{_sam_build_note(plan)}

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
    code = code_for(plan.runtime)
    members = [
        (TEMPLATE_FILE, sam_template(plan), 0o644),
        (f"src/{code.handler_file}", function_source(code), 0o644),
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
