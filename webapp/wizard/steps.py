"""The wizard's steps: what each will call, and making it so — idempotently.

Each step reads the Plan and what earlier steps made, checks what already exists, and creates
only what is missing or changes what differs, so a retry after a failure (or after the user
changed an earlier answer) neither fails on "already exists" nor makes a second copy. What a step
makes is recorded in Made; `identities` keeps what the wizard made itself, as opposed to
existing resources it adopted (tear down deletes only those). What it creates carries the wizard's
tag (ownership.py), so a resource found by name is its own when the tag says so.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from webapp.aws.apigateway import cloudwatch_logging, lambda_integrations, rest_apis
from webapp.aws.apigateway import (
    methods as api_methods, resources as api_resources, stages as api_stages,
)
from webapp.aws.dynamodb import tables as dynamodb
from webapp.aws.functions import lambda_functions as functions, runtime_info
from webapp.aws.iam import policies as iam_policies, roles as iam_roles
from webapp.wizard import lookups as wizard_lookups, ownership
from webapp.wizard.function_code import code_for, is_node
from webapp.aws.clients import current_region
from webapp.aws.dynamodb.tables import KeyAttribute, NewTable
from webapp.aws.errors import N_, AlreadyExists, ConsoleError, InvalidInput
from webapp.aws.dynamodb.item_json import item_from_json, load_json
from webapp.aws.functions.code_packages import template_zip
from webapp.aws.iam.policy_templates import READ_WRITE, TABLE, policy_for
from webapp.wizard.model import API_ROUTES, BASIC_EXECUTION_POLICY, Made, Plan

LAMBDA_SERVICE = "lambda.amazonaws.com"


@dataclass(frozen=True, slots=True)
class Text:
    """Words the page translates: an N_ msgid, or a singular and plural pair with its count
    (see `ngettext`), with the values of its placeholders (AWS names, never translated)."""

    msgid: str
    params: dict[str, object] = field(default_factory=dict)
    plural: str | None = None
    count: int = 0


def ngettext(singular: str, plural: str, count: int, **params: object) -> Text:
    """Mark a counted message for translation (Babel extracts it by this name); the page picks
    the form and translates it, with the count as %(num)d."""
    return Text(singular, params, plural, count)


def text(msgid: str, **params: object) -> Text:
    """An N_ msgid with its values, for the page to translate."""
    return Text(msgid, params)


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """One AWS call a step will make (or may make), as the step's preview lists it."""

    operation: str    # e.g. "dynamodb:CreateTable", AWS's own name (not translated)
    detail: Text | str  # what it is called on and when; a bare str is only an AWS name


@dataclass(frozen=True, slots=True)
class Step:
    """One step: its key, title (an N_ msgid), the plan fields its form edits (`inputs`), the
    fields of earlier steps it also reads (`reads`), its calls and its work."""

    key: str
    title: str
    inputs: tuple[str, ...]
    reads: tuple[str, ...]
    calls: Callable[[Plan, Made], list[PlannedCall]]
    run: Callable[[Plan, Made], Made]

    @property
    def fields(self) -> tuple[str, ...]:
        """Every plan field the step depends on."""
        return self.inputs + self.reads


def _record(made: Made, kind: str, identity: str) -> None:
    """Note, in place, that the wizard itself made this (tear down deletes only such things)."""
    made.record(kind, identity)


# --- 1. The table and its test items ---

def parse_test_items(text: str, partition_key: str) -> list[dict]:
    """The test items from JSON lines (or one JSON array); ConsoleError(field="test_items")."""
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        values = _json_value(stripped, None)
        if not isinstance(values, list):
            raise InvalidInput(N_("Give the test items as JSON lines, one object per line."),
                               field="test_items")
    else:
        values = [_json_value(line, number)
                  for number, line in enumerate(stripped.splitlines(), start=1) if line.strip()]
    items = []
    for number, value in enumerate(values, start=1):
        try:
            items.append(item_from_json(value))
        except ConsoleError as err:
            raise InvalidInput(N_("Test item %(number)s: %(reason)s"), field="test_items",
                               number=number, reason=err.message) from err
    for number, item in enumerate(items, start=1):
        if not isinstance(item.get(partition_key), str) or not item[partition_key]:
            raise InvalidInput(N_("Test item %(number)s needs a text \"%(key)s\", the table's "
                                  "partition key."), field="test_items",
                               number=number, key=partition_key)
    return items


def _json_value(text: str, line: int | None) -> object:
    try:
        return load_json(text)
    except ConsoleError as err:
        if line is None:
            err.field = "test_items"
            raise
        raise InvalidInput(N_("Line %(line)s: %(reason)s"), field="test_items",
                           line=line, reason=err.message) from err


def _table_calls(plan: Plan, made: Made) -> list[PlannedCall]:
    count = len([line for line in plan.test_items.splitlines() if line.strip()])
    return [PlannedCall("dynamodb:DescribeTable", plan.table_name),
            PlannedCall("dynamodb:CreateTable", text(
                N_("%(table)s, %(key)s (S), PAY_PER_REQUEST — if missing"),
                table=plan.table_name, key=plan.partition_key)),
            PlannedCall("dynamodb:BatchWriteItem", ngettext(
                "%(num)d test item", "%(num)d test items", count))]


def _run_table(plan: Plan, made: Made) -> Made:
    items = parse_test_items(plan.test_items, plan.partition_key)
    keys = wizard_lookups.table_keys(plan.table_name)
    if keys is None:
        table = dynamodb.create_table(NewTable(plan.table_name, KeyAttribute(plan.partition_key, "S")),
                                      tags=ownership.creation_tags(made))
        _record(made, "table", plan.table_name)
        made.table_name, made.table_arn = plan.table_name, table.arn
    elif [(key.name, key.type) for key in keys] != [(plan.partition_key, "S")]:
        raise AlreadyExists(
            N_("A table named %(table)s already exists with another key (%(keys)s). Choose "
               "another table name, or the key %(keys)s."), field="table_name",
            table=plan.table_name, keys=", ".join(f"{key.name} ({key.type})" for key in keys))
    else:
        ownership.claim_if_tagged(made, "table", plan.table_name)
    dynamodb.wait_until_active(plan.table_name)
    made.table_name, made.table_arn = plan.table_name, dynamodb.describe_table(plan.table_name).arn
    if not items:
        made.items_written = 0
    elif made.made_it("table", plan.table_name):
        made.items_written = wizard_lookups.put_items(plan.table_name, items, [plan.partition_key])
    else:  # a table that was there before: add the test items, never replace an item of its own
        made.items_written = wizard_lookups.put_new_items(plan.table_name, items, plan.partition_key)
    return made


# --- 2. Least-privilege policy and the execution role ---

def table_policy(table_arn: str) -> dict:
    """Read-write on the table and its indexes, nothing else (the IAM builder's document)."""
    return policy_for(TABLE, [table_arn], READ_WRITE)


def _access_calls(plan: Plan, made: Made) -> list[PlannedCall]:
    calls = [PlannedCall("iam:CreatePolicy", text(
                 N_("%(policy)s — read-write on table/%(table)s and its indexes"),
                 policy=plan.policy_name, table=plan.table_name)),
             PlannedCall("iam:CreateRole", text(N_("%(role)s, trusted by %(service)s"),
                                                role=plan.role_name, service=LAMBDA_SERVICE)),
             PlannedCall("iam:AttachRolePolicy", "AWSLambdaBasicExecutionRole")]
    if not plan.tutorial_way:
        calls.append(PlannedCall("iam:AttachRolePolicy", plan.policy_name))
    return calls


def _run_access(plan: Plan, made: Made) -> Made:
    if not made.table_arn:
        raise InvalidInput(N_("Make the table first: the policy is scoped to its ARN."))
    document = table_policy(made.table_arn)
    found = wizard_lookups.find_role(plan.role_name)  # refuse before making anything
    if found is not None and not iam_roles.trusts_service(found.trust_policy, LAMBDA_SERVICE):
        raise AlreadyExists(
            N_("A role named %(role)s already exists, and Lambda may not assume it (its "
               "trust policy names another principal). Choose another role name, or let "
               "lambda.amazonaws.com assume that role in IAM."),
            field="role_name", role=plan.role_name)
    policy_arn = wizard_lookups.customer_policy_arn(plan.policy_name)
    current = wizard_lookups.policy_document(policy_arn)
    if current is None:
        policy_arn = iam_policies.create_policy(
            plan.policy_name, document, "Read-write on one DynamoDB table (Serverless Console "
                                        "setup wizard)", tags=ownership.creation_tags(made)).arn
        _record(made, "policy", policy_arn)
    else:
        ownership.claim_if_tagged(made, "policy", policy_arn)
        if current != document:
            iam_policies.new_version(policy_arn, document)
    previous_policy = made.policy_arn
    made.policy_arn = policy_arn
    if found is None:
        found = iam_roles.create_role(plan.role_name, iam_roles.trust_document("lambda"),
                                      "Execution role of the setup wizard's function",
                                      tags=ownership.creation_tags(made))
        _record(made, "role", plan.role_name)
    else:
        ownership.claim_if_tagged(made, "role", plan.role_name)
    made.role_name, made.role_arn = plan.role_name, found.arn
    attached = wizard_lookups.attached_policy_arns(plan.role_name)
    if previous_policy and previous_policy != policy_arn and previous_policy in attached:
        iam_roles.detach_policy(plan.role_name, previous_policy)  # renamed: the old one goes
    if BASIC_EXECUTION_POLICY not in attached:
        iam_roles.attach_policy(plan.role_name, BASIC_EXECUTION_POLICY)
    made.table_policy_attached = policy_arn in attached
    if plan.tutorial_way and made.table_policy_attached and made.made_it("role", plan.role_name):
        iam_roles.detach_policy(plan.role_name, policy_arn)  # the tutorial starts without it
        made.table_policy_attached = False
    if not plan.tutorial_way and not made.table_policy_attached:
        iam_roles.attach_policy(plan.role_name, policy_arn)
        made.table_policy_attached = True
    return made


def attach_table_policy(plan: Plan, made: Made) -> Made:
    """The tutorial's fix: attach the table policy to the role after seeing AccessDenied."""
    if not made.role_name or not made.policy_arn:
        raise InvalidInput(N_("Make the policy and the role first."))
    if made.policy_arn not in wizard_lookups.attached_policy_arns(made.role_name):
        iam_roles.attach_policy(made.role_name, made.policy_arn)
    made.table_policy_attached = True
    return made


# --- 3. The function ---

def function_environment(plan: Plan) -> dict[str, str]:
    """What the items code reads: the table and its key."""
    return {"TABLE_NAME": plan.table_name, "KEY_NAME": plan.partition_key}


def _function_calls(plan: Plan, made: Made) -> list[PlannedCall]:
    env = ", ".join(f"{name}={value}" for name, value in function_environment(plan).items())
    code = code_for(plan.runtime)
    return [PlannedCall("lambda:GetFunction", plan.function_name),
            PlannedCall("lambda:CreateFunction", text(
                N_("%(function)s, runtime %(runtime)s (%(language)s), code from "
                   "lambda_code/%(template)s, handler %(handler)s, role %(role)s, "
                   "%(environment)s"), function=plan.function_name, runtime=plan.runtime,
                language=code.language.label, template=code.name, handler=code.handler,
                role=plan.role_name, environment=env)),
            PlannedCall("lambda:UpdateFunctionConfiguration",
                        text(N_("if it exists with other settings"))),
            PlannedCall("lambda:UpdateFunctionCode", text(
                N_("code from lambda_code/%(template)s, if it exists with a runtime of another "
                   "language"), template=code.name))]


def _run_function(plan: Plan, made: Made) -> Made:
    if not made.role_arn:
        raise InvalidInput(N_("Make the execution role first."))
    environment = function_environment(plan)
    code = code_for(plan.runtime)
    existing = wizard_lookups.find_function(plan.function_name)
    if existing is None:
        summary = functions.create_function(functions.NewFunction(
            plan.function_name, plan.runtime, code.handler, made.role_arn,
            template_zip(code.name), plan.memory_mb, plan.timeout_s, environment,
            "Items API over DynamoDB (Serverless Console setup wizard)"),
            tags=ownership.creation_tags(made))
        _record(made, "function", plan.function_name)
        made.function_name, made.function_arn = plan.function_name, summary.function_arn
    else:
        ownership.claim_if_tagged(made, "function", plan.function_name)
        made.function_name, made.function_arn = plan.function_name, existing.function_arn
        if code_for(existing.runtime or "") != code:
            # Code of one language cannot run on the other's runtime: it goes with the runtime.
            functions.wait_until_ready(plan.function_name)
            functions.update_function_code(plan.function_name, template_zip(code.name))
        wanted = (made.role_arn, code.handler, plan.memory_mb, plan.timeout_s, environment,
                  plan.runtime)
        if (existing.role_arn, existing.handler, existing.memory_mb, existing.timeout_s,
                existing.environment, existing.runtime) != wanted:
            functions.wait_until_ready(plan.function_name)
            functions.update_function_configuration(plan.function_name, functions.ConfigurationChange(
                made.role_arn, code.handler, plan.memory_mb, plan.timeout_s, existing.description,
                environment, plan.runtime))
    functions.wait_until_ready(plan.function_name)
    _check_runs_here(plan)
    return made


def _check_runs_here(plan: Plan) -> None:
    """Refuse, beside the runtime, a Node.js function the sandbox cannot run (no `node` there):
    the function is made, and choosing Python runs the step again to make it one that runs."""
    if not is_node(plan.runtime):
        return
    effective = runtime_info.effective_runtime(plan.function_name)  # None on AWS
    if effective is not None and not effective.is_supported:
        raise InvalidInput(
            N_("The sandbox cannot run %(runtime)s functions: Node.js is not installed where it "
               "runs. Install it (on Debian or Ubuntu: sudo apt-get install nodejs), restart the "
               "console and run this step again, or choose a Python runtime."),
            field="runtime", runtime=plan.runtime)


# --- 4. The REST API, its resources, methods and the invoke permission ---

def _api_calls(plan: Plan, made: Made) -> list[PlannedCall]:
    calls = [PlannedCall("apigateway:CreateRestApi", text(
        N_("%(api)s, %(endpoint_type)s — if the wizard has none"),
        api=plan.api_name, endpoint_type=plan.endpoint_type))]
    for path, methods in API_ROUTES.items():
        calls.append(PlannedCall("apigateway:CreateResource", path))
        calls += [PlannedCall("apigateway:PutMethod + PutIntegration",
                              f"{method} {path} → {plan.function_name} (AWS_PROXY)")
                  for method in methods]
    calls.append(PlannedCall("lambda:AddPermission", text(
        N_("apigateway.amazonaws.com may invoke %(function)s from this API"),
        function=plan.function_name)))
    return calls


def _run_api(plan: Plan, made: Made) -> Made:
    if not made.function_arn:
        raise InvalidInput(N_("Make the function first."))
    api_id = wizard_lookups.find_rest_api(made.api_id, plan.api_name)
    if api_id is None:
        api_id = rest_apis.create_rest_api(
            plan.api_name, "Items API (Serverless Console setup wizard)", plan.endpoint_type,
            tags=ownership.creation_tags(made)).api_id
        _record(made, "api", api_id)
        made.resource_ids = {}
    elif ownership.claim_if_tagged(made, "api", api_id):
        rest_apis.update_rest_api(api_id, plan.api_name, plan.endpoint_type)
    ours = made.made_it("api", api_id)
    made.api_id = api_id
    resources = {resource.path: resource for resource in api_resources.list_resources(api_id)}
    uri = lambda_integrations.lambda_integration_uri(current_region(), made.function_arn)
    for path, methods in API_ROUTES.items():
        resource = resources.get(path)
        if resource is None:
            parent_path, _, part = path.rpartition("/")
            parent = resources[parent_path or "/"]
            resource = api_resources.create_resource(api_id, parent.resource_id, part)
            resources[path] = resource
        made.resource_ids = {**made.resource_ids, path: resource.resource_id}
        for method in methods:
            current = wizard_lookups.method_uri(api_id, resource.resource_id, method)
            if current == uri:
                continue
            if current is not None:
                if not ours:  # an API the wizard did not make keeps its own methods
                    raise AlreadyExists(
                        N_("The REST API %(api)s already has its own %(method)s %(path)s, and "
                           "the wizard does not change an API it did not make. Choose another "
                           "API name."), field="api_name", api=plan.api_name,
                        method=method, path=path)
                api_methods.delete_method(api_id, resource.resource_id, method)
            api_methods.put_method(api_id, resource.resource_id, api_methods.NewMethod(
                method, "NONE", "lambda_proxy", function_arn=made.function_arn))
    source = lambda_integrations.execute_api_arn(api_id, "*", "/*")
    if not lambda_integrations.may_invoke(made.function_arn, source):
        made.permission_sid = lambda_integrations.add_invoke_permission(made.function_arn, source)
        _record(made, "permission", made.permission_sid)
    return made


# --- 5. Deploy to a stage, with logging ---

def _stage_calls(plan: Plan, made: Made) -> list[PlannedCall]:
    return [PlannedCall("apigateway:CreateDeployment", text(N_("stage %(stage)s"),
                                                            stage=plan.stage_name)),
            PlannedCall("apigateway:GetAccount", text(N_("is a CloudWatch Logs role set?"))),
            PlannedCall("iam:CreateRole + apigateway:UpdateAccount",
                        text(N_("apigateway-cloudwatch-logs role, if the account has none"))),
            PlannedCall("apigateway:UpdateStage", text(N_("execution logging %(level)s"),
                                                       level=plan.logging_level))]


def _run_stage(plan: Plan, made: Made) -> Made:
    if not made.api_id:
        raise InvalidInput(N_("Make the API first."))
    deployment = api_stages.create_deployment(made.api_id, plan.stage_name,
                                              "Setup wizard deployment")
    made.stage_name, made.deployment_id = plan.stage_name, deployment.deployment_id
    if plan.logging_level != "OFF" and not cloudwatch_logging.get_cloudwatch_role_arn():
        if made.logging_role_name and made.made_it("logging_role", made.logging_role_name) \
                and wizard_lookups.find_role(made.logging_role_name) is not None:
            # A role made by an earlier try: set it rather than make another.
            cloudwatch_logging.set_account_logging_role(made.logging_role_arn or "")
        else:
            name = f"apigateway-cloudwatch-logs-{secrets.token_hex(4)}"
            made.logging_role_name = name  # recorded before the call: a failure keeps it
            _record(made, "logging_role", name)
            made.logging_role_arn = wizard_lookups.logging_role_arn(name)
            cloudwatch_logging.create_logging_role(name)
    cloudwatch_logging.update_stage_logging(made.api_id, plan.stage_name, plan.logging_level, "", "")
    return made


STEPS: tuple[Step, ...] = (
    Step("table", N_("DynamoDB table and test items"),
         ("table_name", "partition_key", "test_items"), (), _table_calls, _run_table),
    Step("access", N_("Least-privilege policy and execution role"),
         ("policy_name", "role_name", "tutorial_way"), ("table_name",), _access_calls, _run_access),
    Step("function", N_("Lambda function"),
         ("function_name", "runtime", "memory_mb", "timeout_s"),
         ("table_name", "partition_key", "role_name"), _function_calls, _run_function),
    Step("api", N_("REST API with Lambda proxy integration"),
         ("api_name", "endpoint_type"), ("function_name",), _api_calls, _run_api),
    Step("stage", N_("Deployment to a stage, with logging"),
         ("stage_name", "logging_level"), ("api_name",), _stage_calls, _run_stage),
)
STEP_KEYS = tuple(step.key for step in STEPS)


def step(key: str) -> Step:
    """The step with this key; KeyError for an unknown one."""
    for candidate in STEPS:
        if candidate.key == key:
            return candidate
    raise KeyError(key)


def undone_by(old: Plan, new: Plan, done: list[str]) -> list[str]:
    """The done steps still done after the plan changed from `old` to `new`: a step that reads a
    changed field, and every step after it, must run again."""
    changed = {name for name in old.to_dict() if old.to_dict()[name] != new.to_dict()[name]}
    still: list[str] = []
    for candidate in STEPS:
        if changed & set(candidate.fields):
            break
        if candidate.key in done:
            still.append(candidate.key)
        else:
            break
    return still


def first_undone(done: list[str]) -> str | None:
    """The first step not done yet (None when all are)."""
    return next((key for key in STEP_KEYS if key not in done), None)
