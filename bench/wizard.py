"""The setup wizard against a plain boto3 script: `python -m bench.wizard [--rounds N]`.

Starts its own sandbox on a free loopback port and builds the wizard's whole stack (a table with
three test items, a least-privilege policy and an execution role, the items function, a REST API
with /items and /items/{id} proxied to it and the invoke permission, a deployment to stage prod
with INFO execution logging and the account's CloudWatch role) `--rounds` times each way,
alternating which goes first, every run with names of its own:

(a) the wizard, driven through HTTP as a browser drives it: the console app from create_app
    pointed at the sandbox, a signed-in Flask test client that GETs each step's page, reads the
    CSRF token and the pre-filled values from its form, changes only the names, POSTs it, follows
    the 303 to the next step, and finally POSTs the live check and reads its three answers from
    the results page (201, 200, 200);
(b) a plain boto3 script making the same stack the straightforward way, then the same three
    HTTP calls to the stage URL.

Before each run the account's CloudWatch role setting is cleared, so both sides make that role
(a fresh account has none). AWS calls are counted with botocore's `before-call`/`after-call`
events (on the clients webapp.aws.clients makes, for the console), stage calls separately.
Reported per side: wall time of each run and the p50, AWS calls by operation, time spent inside
AWS calls and asleep (waiters); and the ratios wizard/script of the p50 wall times (target at
most 2x) and of the call counts. Exit status 0 when the target is met, 1 otherwise. Results go to
bench/README.md by hand.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import secrets
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from flask import Flask
from flask.testing import FlaskClient

import webapp.aws.apigateway.calls as console_calls
import webapp.aws.clients as console_clients
from bench.lambda_invoke import REGION, sandbox
from webapp import create_app
from webapp.aws.functions.code_packages import template_zip
from webapp.aws.iam.policy_templates import READ_WRITE, TABLE, policy_for
from webapp.wizard.model import (API_ROUTES, BASIC_EXECUTION_POLICY, DEFAULT_TEST_ITEMS,
                                 PUSH_TO_CLOUDWATCH_POLICY, Plan)

RATIO_TARGET = 2.0
PASSWORD = "bench-password"
STEP_KEYS = ("table", "access", "function", "api", "stage")
NAME_FIELDS = ("table_name", "policy_name", "role_name", "function_name", "api_name")
EXPECTED_CHECK = [201, 200, 200]
CHECK_STATUS = re.compile(r'check-call">\s*<h3>[^<]*<span class="badge[^"]*">HTTP (\d+)</span>')
WAITER = {"Delay": 1, "MaxAttempts": 60}  # the wizard's waits poll every second, so does the script
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
GATEWAY_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
CHECK_ITEM = {"name": "Made by the bench's check"}


# --- Counting: AWS calls through botocore's events, stage calls, sleeping ---

@dataclass
class Tally:
    """What one run spent: AWS calls by "service:Operation" and their time, stage calls, sleep."""

    calls: Counter[str] = field(default_factory=Counter)
    call_s: float = 0.0
    op_s: Counter[str] = field(default_factory=Counter)  # seconds inside each operation
    part: str = ""  # the step (or the script's part) running now
    part_calls: dict[str, Counter[str]] = field(default_factory=dict)  # calls by step
    attempts: int = 0  # HTTP requests botocore sent (more than calls when it retried)
    stage_calls: int = 0
    stage_s: float = 0.0
    sleep_s: float = 0.0
    step_s: dict[str, float] = field(default_factory=dict)  # per step (the script: per part)
    step_call_s: dict[str, float] = field(default_factory=dict)

    @property
    def total_calls(self) -> int:
        """Every AWS API call (a waiter's polls and a paginator's pages each count)."""
        return sum(self.calls.values())


class Meter:
    """Counts into the current Tally: botocore clients' calls, stage calls and sleep."""

    def __init__(self) -> None:
        self.tally: Tally | None = None
        self._lock = threading.Lock()
        self._sleep = time.sleep

    def hook_client(self, client: Any) -> Any:
        """Count the client's calls (before-call starts the clock, after-call stops it)."""
        client.meta.events.register("before-call.*.*", self._before_call)
        client.meta.events.register("after-call.*.*", self._after_call)
        client.meta.events.register("before-send.*.*", self._before_send)
        return client

    def _before_call(self, model: Any, context: dict, **_: Any) -> None:
        context["bench_started"] = time.perf_counter()
        with self._lock:
            if self.tally is not None:
                self.tally.calls[operation_name(model)] += 1
                self.tally.part_calls.setdefault(self.tally.part, Counter())[
                    operation_name(model)] += 1

    def _after_call(self, model: Any, context: dict, **_: Any) -> None:
        started = context.get("bench_started")
        if started is None:
            return
        seconds = time.perf_counter() - started
        with self._lock:
            if self.tally is not None:
                self.tally.call_s += seconds
                self.tally.op_s[operation_name(model)] += seconds

    def _before_send(self, **_: Any) -> None:
        with self._lock:
            if self.tally is not None:
                self.tally.attempts += 1

    def stage_call(self, seconds: float) -> None:
        """One HTTP call to a stage URL took `seconds`."""
        with self._lock:
            if self.tally is not None:
                self.tally.stage_calls += 1
                self.tally.stage_s += seconds

    def sleep(self, seconds: float) -> None:
        """time.sleep, counted (botocore's waiters sleep through the time module)."""
        if self.tally is not None and threading.current_thread() is threading.main_thread():
            self.tally.sleep_s += seconds
        self._sleep(seconds)


def operation_name(model: Any) -> str:
    """"service:Operation" of a botocore operation model."""
    return f"{model.service_model.service_name}:{model.name}"


def hook_console(meter: Meter) -> None:
    """Count the calls of the clients webapp.aws.clients makes, and the live check's calls."""
    make_client = console_clients.AwsClients._make_client
    call_stage = console_calls.call_stage

    def counted_client(self: Any, service: str, region: str) -> Any:
        return meter.hook_client(make_client(self, service, region))

    def counted_stage_call(stage_url: str, request: Any) -> Any:
        started = time.perf_counter()
        try:
            return call_stage(stage_url, request)
        finally:
            meter.stage_call(time.perf_counter() - started)

    console_clients.AwsClients._make_client = counted_client
    console_calls.call_stage = counted_stage_call


# --- (a) The wizard, through the console's HTTP interface ---

class FormReader(HTMLParser):
    """The fields of the form posting to `action`, as a browser would submit them unchanged."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = found.get("action") == self.action
        if not self.inside:
            return
        name = found.get("name")
        if tag == "input" and name:
            if found.get("type") == "checkbox":
                if "checked" in found:
                    self.fields[name] = found.get("value") or "on"
            else:
                self.fields[name] = found.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = found.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in found:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            if self._select not in self.fields and self._first_option is not None:
                self.fields[self._select] = self._first_option
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(page: str, action: str) -> dict[str, str]:
    """The pre-filled fields of the page's form posting to `action` (with its CSRF token)."""
    start = page.find(f'action="{action}"')
    start = page.rfind("<form", 0, start) if start >= 0 else -1
    reader = FormReader(action)
    reader.feed(page[start:page.find("</form>", start) + len("</form>")] if start >= 0 else page)
    if "csrf_token" not in reader.fields:
        raise RuntimeError(f"no form posting to {action} with a CSRF token")
    return reader.fields


def console_app(url: str, scratch: Path) -> Flask:
    """The console app on the sandbox."""
    return create_app({"TESTING": True, "CONSOLE_BACKEND": "sandbox", "AWS_ENDPOINT_URL": url,
                       "AWS_REGION": REGION, "CONSOLE_PASSWORD": PASSWORD,
                       "CONSOLE_TEST_EVENTS_FILE": str(scratch / "test-events.json")})


def signed_in(app: Flask) -> FlaskClient:
    """A new browser (its own session, so no wizard progress) signed in to the console."""
    client = app.test_client()
    fields = form_fields(client.get("/login").text, "/login")
    reply = client.post("/login", data={**fields, "secret": PASSWORD})
    if reply.status_code != 303:
        raise RuntimeError(f"sign-in answered {reply.status_code}")
    return client


def unique(name: str, suffix: str) -> str:
    """A name of this run's own."""
    return f"{name}-{suffix}"


def run_wizard(browser: FlaskClient, suffix: str, tally: Tally) -> None:
    """Every step with its pre-filled answers (names made unique), then the live check."""
    path = "/wizard/step/table"
    for key in STEP_KEYS:
        started, call_s, tally.part = time.perf_counter(), tally.call_s, key
        page = browser.get(path)
        if page.status_code != 200:
            raise RuntimeError(f"GET {path} answered {page.status_code}")
        action = f"/wizard/step/{key}"
        fields = form_fields(page.text, action)
        for name in NAME_FIELDS:
            if name in fields:
                fields[name] = unique(fields[name], suffix)
        reply = browser.post(action, data=fields)
        if reply.status_code != 303:
            raise RuntimeError(f"POST {action} answered {reply.status_code}: "
                               f"{problem_text(reply.text)}")
        path = reply.headers["Location"]
        tally.step_s[key] = time.perf_counter() - started
        tally.step_call_s[key] = tally.call_s - call_s
    started, call_s, tally.part = time.perf_counter(), tally.call_s, "check"
    fields = form_fields(browser.get(path).text, "/wizard/check")
    reply = browser.post("/wizard/check", data=fields)
    if reply.status_code != 303:
        raise RuntimeError(f"POST /wizard/check answered {reply.status_code}: "
                           f"{problem_text(reply.text)}")
    results = browser.get(reply.headers["Location"])
    statuses = [int(status) for status in CHECK_STATUS.findall(results.text)]
    tally.step_s["check"] = time.perf_counter() - started
    tally.step_call_s["check"] = tally.call_s - call_s
    if statuses != EXPECTED_CHECK:
        raise RuntimeError(f"the live check answered {statuses}, not {EXPECTED_CHECK}")


def problem_text(page: str) -> str:
    """The error a step page shows (its banner or field errors), as plain text."""
    found = re.findall(r'<(div|p|span)[^>]*class="[^"]*(?:banner|field-error)[^"]*"[^>]*>'
                       r'(.*?)</\1>', page, re.S)
    text = " / ".join(re.sub(r"<[^>]+>", " ", part) for _, part in found) or page[:400]
    return re.sub(r"\s+", " ", text).strip()[:800]


# --- (b) The plain boto3 script ---

class Script:
    """The same stack, made the straightforward way with boto3 (clients made once, kept)."""

    def __init__(self, url: str, meter: Meter) -> None:
        session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                                        region_name=REGION)
        config = Config(retries={"mode": "standard", "total_max_attempts": 4})
        self.url = url
        self.clients = {service: meter.hook_client(session.client(service, endpoint_url=url,
                                                                  config=config))
                        for service in ("dynamodb", "iam", "lambda", "apigateway")}
        self.meter = meter
        self.items = [json.loads(line) for line in Plan().test_items.splitlines()]
        if len(self.items) != len(DEFAULT_TEST_ITEMS):
            raise RuntimeError("the wizard's default test items changed")

    def run(self, suffix: str, tally: Tally) -> None:
        """Make the stack, then create, read and list items through the stage URL."""
        plan = Plan()
        dynamodb, iam = self.clients["dynamodb"], self.clients["iam"]
        lambda_, gateway = self.clients["lambda"], self.clients["apigateway"]
        table_name = unique(plan.table_name, suffix)
        with self.part("table", tally):
            table_arn = dynamodb.create_table(
                TableName=table_name, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": plan.partition_key, "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": plan.partition_key, "AttributeType": "S"}],
            )["TableDescription"]["TableArn"]
            dynamodb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig=WAITER)
            dynamodb.batch_write_item(RequestItems={table_name: [
                {"PutRequest": {"Item": wire(item)}} for item in self.items]})
        with self.part("access", tally):
            policy_arn = iam.create_policy(
                PolicyName=unique(plan.policy_name, suffix),
                PolicyDocument=json.dumps(policy_for(TABLE, [table_arn], READ_WRITE)),
            )["Policy"]["Arn"]
            role_name = unique(plan.role_name, suffix)
            role_arn = iam.create_role(
                RoleName=role_name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST),
            )["Role"]["Arn"]
            iam.attach_role_policy(RoleName=role_name, PolicyArn=BASIC_EXECUTION_POLICY)
            iam.attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
        with self.part("function", tally):
            function_name = unique(plan.function_name, suffix)
            function_arn = lambda_.create_function(
                FunctionName=function_name, Runtime=plan.runtime,
                Handler="lambda_function.lambda_handler", Role=role_arn,
                Code={"ZipFile": template_zip("items")}, MemorySize=plan.memory_mb,
                Timeout=plan.timeout_s,
                Environment={"Variables": {"TABLE_NAME": table_name,
                                           "KEY_NAME": plan.partition_key}},
            )["FunctionArn"]
            lambda_.get_waiter("function_active_v2").wait(FunctionName=function_name,
                                                         WaiterConfig=WAITER)
        with self.part("api", tally):
            api = gateway.create_rest_api(name=unique(plan.api_name, suffix),
                                          endpointConfiguration={"types": [plan.endpoint_type]})
            api_id = api["id"]
            parents = {"/": api.get("rootResourceId") or next(
                resource["id"] for resource in gateway.get_resources(restApiId=api_id)["items"]
                if resource["path"] == "/")}
            uri = (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                   f"{function_arn}/invocations")
            for path, methods in API_ROUTES.items():
                parent, _, part = path.rpartition("/")
                resource_id = gateway.create_resource(
                    restApiId=api_id, parentId=parents[parent or "/"], pathPart=part)["id"]
                parents[path] = resource_id
                for method in methods:
                    gateway.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=method,
                                       authorizationType="NONE")
                    gateway.put_integration(restApiId=api_id, resourceId=resource_id,
                                            httpMethod=method, type="AWS_PROXY",
                                            integrationHttpMethod="POST", uri=uri)
            account_id = function_arn.split(":")[4]
            lambda_.add_permission(
                FunctionName=function_name, StatementId="apigateway-invoke",
                Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                SourceArn=f"arn:aws:execute-api:{REGION}:{account_id}:{api_id}/*/*/*")
        with self.part("stage", tally):
            gateway.create_deployment(restApiId=api_id, stageName=plan.stage_name)
            if not gateway.get_account().get("cloudwatchRoleArn"):
                logs_role = f"apigateway-cloudwatch-logs-{suffix}"
                logs_role_arn = iam.create_role(
                    RoleName=logs_role, AssumeRolePolicyDocument=json.dumps(GATEWAY_TRUST),
                )["Role"]["Arn"]
                iam.attach_role_policy(RoleName=logs_role, PolicyArn=PUSH_TO_CLOUDWATCH_POLICY)
                gateway.update_account(patchOperations=[
                    {"op": "replace", "path": "/cloudwatchRoleArn", "value": logs_role_arn}])
            gateway.update_stage(restApiId=api_id, stageName=plan.stage_name, patchOperations=[
                {"op": "replace", "path": "/*/*/logging/loglevel", "value": plan.logging_level}])
        with self.part("check", tally):
            self.check(f"{self.url}/restapis/{api_id}/{plan.stage_name}/_user_request_",
                       plan.partition_key)

    def part(self, name: str, tally: Tally) -> "_Part":
        """Time one part of the script, as the wizard's steps are timed."""
        return _Part(name, tally)

    def check(self, base: str, key_name: str) -> None:
        """Create an item through the stage, read it back, list the items: 201, 200, 200."""
        created = self.stage("POST", f"{base}/items", json.dumps(CHECK_ITEM), 201)
        item_id = json.loads(created)[key_name]
        self.stage("GET", f"{base}/items/{item_id}", None, 200)
        self.stage("GET", f"{base}/items", None, 200)

    def stage(self, method: str, url: str, body: str | None, expected: int) -> str:
        """One HTTP call to the stage, counted; its body."""
        headers = {"Content-Type": "application/json"} if body else {}
        request = urllib.request.Request(url, data=body.encode() if body else None,
                                         method=method, headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                status, text = reply.status, reply.read().decode()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode()
        self.meter.stage_call(time.perf_counter() - started)
        if status != expected:
            raise RuntimeError(f"{method} {url} answered {status}, not {expected}: {text[:300]}")
        return text


class _Part:
    def __init__(self, name: str, tally: Tally) -> None:
        self.name, self.tally = name, tally

    def __enter__(self) -> None:
        self.started, self.call_s = time.perf_counter(), self.tally.call_s
        self.tally.part = self.name

    def __exit__(self, *_: object) -> None:
        self.tally.step_s[self.name] = time.perf_counter() - self.started
        self.tally.step_call_s[self.name] = self.tally.call_s - self.call_s


def wire(item: dict) -> dict:
    """A default test item (strings and whole numbers) as an AttributeValue map."""
    return {name: {"N": str(value)} if isinstance(value, int) else {"S": str(value)}
            for name, value in item.items()}


# --- Running and reporting ---

@dataclass
class Run:
    """One run of one side."""

    side: str
    wall_s: float
    tally: Tally


def measured(meter: Meter, side: str, action: Any) -> Run:
    """Run `action(tally)` with the meter counting into a fresh tally; its wall time."""
    tally = Tally()
    meter.tally = tally
    started = time.perf_counter()
    try:
        action(tally)
    finally:
        wall = time.perf_counter() - started
        meter.tally = None
    return Run(side, wall, tally)


def clear_logging_role(url: str) -> None:
    """Forget the account's CloudWatch role, so the next run makes one (as on a fresh account)."""
    boto3.client("apigateway", endpoint_url=url, region_name=REGION, aws_access_key_id="bench",
                 aws_secret_access_key="bench").update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": ""}])


def main(argv: list[str] | None = None) -> int:
    """Build the stack both ways, alternating; print figures; 0 if the target is met."""
    parser = argparse.ArgumentParser(prog="python -m bench.wizard")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each side, alternating which goes first (default 3)")
    parser.add_argument("--no-warm-up", action="store_true",
                        help="skip the untimed first run of each side")
    args = parser.parse_args(argv)
    logging.getLogger("webapp.aws.errors").setLevel(logging.WARNING)  # the lookups' NotFound
    meter = Meter()
    time.sleep = meter.sleep  # type: ignore[assignment]
    hook_console(meter)
    tag = secrets.token_hex(2)
    with sandbox() as url, tempfile.TemporaryDirectory() as scratch:
        app = console_app(url, Path(scratch))
        script = Script(url, meter)
        def prepared(side: str, suffix: str) -> Any:
            """The run to time; a new browser signs in first (untimed), so no progress is kept."""
            if side == "script":
                return lambda tally: script.run(suffix, tally)
            browser = signed_in(app)
            return lambda tally: run_wizard(browser, suffix, tally)

        sides = ("wizard", "script")
        if not args.no_warm_up:
            for side in sides:  # clients, templates, the sandbox's first calls: untimed
                clear_logging_role(url)
                measured(meter, side, prepared(side, f"{tag}-warm-{side[0]}"))
        runs: list[Run] = []
        for round_number in range(args.rounds):
            order = sides if round_number % 2 == 0 else sides[::-1]
            for side in order:
                clear_logging_role(url)
                run = measured(meter, side, prepared(side, f"{tag}-{round_number + 1}{side[0]}"))
                runs.append(run)
                print(f"round {round_number + 1} {side:<6} {run.wall_s:6.2f} s   "
                      f"{run.tally.total_calls} AWS calls   {run.tally.stage_calls} stage calls",
                      flush=True)
    return report(runs)


def report(runs: list[Run]) -> int:
    """Print per-side figures, the calls side by side, the ratios and the verdict; exit status."""
    by_side = {side: [run for run in runs if run.side == side] for side in ("wizard", "script")}

    def p50(side: str, value: Any) -> float:
        return statistics.median(value(run) for run in by_side[side])

    def mean(side: str, value: Any) -> float:
        return statistics.mean(value(run) for run in by_side[side])

    for side, found in by_side.items():
        print(f"\n{side}: wall p50 {p50(side, lambda run: run.wall_s):.2f} s (runs "
              f"{', '.join(f'{run.wall_s:.2f}' for run in found)} s); AWS calls per run "
              f"{', '.join(str(run.tally.total_calls) for run in found)} (HTTP requests "
              f"{', '.join(str(run.tally.attempts) for run in found)}); stage calls "
              f"{', '.join(str(run.tally.stage_calls) for run in found)}")
        wall, calls = mean(side, lambda run: run.wall_s), mean(side, lambda run: run.tally.call_s)
        asleep = mean(side, lambda run: run.tally.sleep_s)
        stage = mean(side, lambda run: run.tally.stage_s)
        rest = wall - calls - asleep - stage
        print(f"  mean run {wall:.3f} s = inside AWS calls {calls:.3f} + asleep in waiters "
              f"{asleep:.3f} + stage calls {stage:.3f} + the rest {rest:.3f}")
        for part in found[0].tally.step_s:
            part_s = mean(side, lambda run: run.tally.step_s[part])
            part_call_s = mean(side, lambda run: run.tally.step_call_s[part])
            print(f"    {part:<9} {part_s:6.3f} s, of which inside AWS calls {part_call_s:6.3f} s")
            made = found[-1].tally.part_calls.get(part, Counter())
            print("      " + (", ".join(f"{name} x{count}" if count > 1 else name
                                        for name, count in made.items()) or "no AWS call"))
    print(f"\n{'operation':<36} {'wizard':>7} {'script':>7} {'wizard ms':>10} {'script ms':>10}")
    operations = sorted(set().union(*(run.tally.calls for run in runs)))
    for operation in operations:
        counts = [mean(side, lambda run: run.tally.calls[operation]) for side in by_side]
        times = [mean(side, lambda run: run.tally.op_s[operation]) * 1000 for side in by_side]
        print(f"{operation:<36} {counts[0]:7g} {counts[1]:7g} {times[0]:10.1f} {times[1]:10.1f}")
    ratios = {
        "wall p50 (the target)": lambda run: run.wall_s,
        "building only (without the three stage calls)":
            lambda run: run.wall_s - run.tally.step_s["check"],
        "awake (without the waiters' sleep)": lambda run: run.wall_s - run.tally.sleep_s,
        "building, awake": lambda run: run.wall_s - run.tally.step_s["check"] - run.tally.sleep_s,
        "time inside AWS calls": lambda run: run.tally.call_s,
    }
    print()
    for label, value in ratios.items():
        wizard, script = p50("wizard", value), p50("script", value)
        print(f"wizard / script, {label:<48} {wizard:6.3f} / {script:6.3f} s = "
              f"{wizard / script:.2f}x")
    wizard_calls = p50("wizard", lambda run: run.tally.total_calls)
    script_calls = p50("script", lambda run: run.tally.total_calls)
    print(f"wizard / script, AWS calls {wizard_calls:g} / {script_calls:g} = "
          f"{wizard_calls / script_calls:.2f}x")
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    ratio = p50("wizard", lambda run: run.wall_s) / p50("script", lambda run: run.wall_s)
    met = ratio <= RATIO_TARGET
    print(f"{'met   ' if met else 'MISSED'} wizard wall p50 <= {RATIO_TARGET:g}x script wall p50",
          flush=True)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
