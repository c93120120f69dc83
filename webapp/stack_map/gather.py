"""Gather the stack map from the live account: read-only calls through webapp.aws, in four
rounds of concurrent calls, each bounded by what the map shows (not by what the account holds).

1. the lists: REST APIs (MAX_APIS), functions (MAX_FUNCTIONS), table names, the account's API
   Gateway logging role, the /aws/lambda/ log groups, the account id;
2. each API's methods with their integrations (GetResources embed=methods);
3. for what the filters keep: each API's stages and deployments, each role's policies, each
   invoked function's resource policy, the simulator's answers, the last hour's metrics;
4. each distinct managed policy's document.

A read refused (AccessDenied…) is noted in `unreadable` and the map is drawn without it; an
endpoint that cannot be reached, or credentials that do not work, fail the whole map.
"""
from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from webapp.aws.account import account_id
from webapp.aws.apigateway import cloudwatch_logging, lambda_integrations, rest_apis, stages
from webapp.aws.apigateway.lambda_integrations import MethodIntegration
from webapp.aws.apigateway.rest_apis import RestApi
from webapp.aws.apigateway.stages import Deployment, Stage
from webapp.aws.clients import counting_calls, current_region
from webapp.aws.errors import ConsoleError, ExpiredCredentials, NoCredentials, NotFound, Unreachable
from webapp.aws.functions import lambda_functions, metrics
from webapp.aws.functions.lambda_functions import FunctionSummary
from webapp.aws.iam import execution_roles, policies, resources, roles
from webapp.aws.iam.roles import AttachedPolicy, InlinePolicy
from webapp.aws.logs import log_groups
from webapp.aws.paging import following
from webapp.stack_map import model
from webapp.stack_map.model import Edge, Node, Problem, StackMap
from webapp.stack_map.reach import Place, reaches, table_variables

T = TypeVar("T")

MAX_APIS = lambda_integrations.MAX_APIS_SCANNED
MAX_FUNCTIONS = 100
MAX_TABLES = 1000             # names only: what policies and environments are matched against
FUNCTION_PAGES = 2           # ListFunctions gives 50 a page: two pages hold MAX_FUNCTIONS
LOG_GROUP_PAGES = 10         # DescribeLogGroups gives 50 a page
WORKERS = 8
LAMBDA_LOG_PREFIX = "/aws/lambda/"
# Failures every other call would meet too: the map stops at the first.
BLOCKING_ERRORS = (Unreachable, NoCredentials, ExpiredCredentials)


def build_map(api_id: str | None = None, function_name: str | None = None) -> StackMap:
    """The region's stack (or one API's, or one function's) with its problems, read-only."""
    with counting_calls() as counter:
        stack = _Gathering(api_id, function_name).run()
    stack.calls = counter.calls
    return stack


@dataclass(slots=True)
class _Api:
    api: RestApi
    methods: list[MethodIntegration] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    # What each stage's deployment serves (GetExport), None when it could not be read.
    deployed: dict[str, tuple[frozenset[stages.DeployedMethod], bool] | None] = field(
        default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Target:
    """What a method's integration calls: a function of this map by name, and its qualifier."""

    function_name: str
    qualifier: str


@dataclass(slots=True)
class _Role:
    attached: list[AttachedPolicy] = field(default_factory=list)
    inline: list[InlinePolicy] = field(default_factory=list)
    exists: bool = True


_UNREAD = object()


class _Gathering:
    """One map being read: what the calls found, and the map built from it."""

    def __init__(self, api_id: str | None, function_name: str | None) -> None:
        self.api_id = api_id
        self.function_name = function_name
        self.region = current_region()
        self.capped: set[str] = set()
        self.unreadable: set[str] = set()
        self._lock = threading.Lock()
        self.nodes: dict[str, Node] = {}
        self.order: dict[str, tuple[str, ...]] = {}
        self.edges: set[Edge] = set()
        self.problems: set[Problem] = set()

    # Reading -------------------------------------------------------------------------------

    def run(self) -> StackMap:
        account, apis, functions, table_names, logging_role, groups = self._all([
            account_id, self._read_apis, self._read_functions, self._read_tables,
            lambda: self._read(cloudwatch_logging.get_cloudwatch_role_arn, _UNREAD),
            self._read_log_groups])
        self.place = Place(self.region, account)
        self.table_names, self.tables_known = table_names
        self.groups, self.groups_known = groups
        api_data = [_Api(api) for api in apis]
        for data, methods in zip(api_data, self._all(
                [lambda api=data.api: self._read(
                    lambda: lambda_integrations.list_method_integrations(api.api_id), [])
                 for data in api_data])):
            data.methods = methods
        api_data = self._kept_apis(api_data)
        functions = self._functions_on_map(functions, api_data)
        self._read_details(api_data, functions)
        return self._draw(api_data, functions, logging_role)

    def _read(self, call: Callable[[], T], unread: object, *, missing_raises: bool = False) -> T:
        """`call()`, or `unread` when AWS refused it (noted in `unreadable`, in AWS's words);
        with `missing_raises`, NotFound is the caller's to handle."""
        try:
            return call()
        except BLOCKING_ERRORS:
            raise
        except ConsoleError as err:
            if missing_raises and isinstance(err, NotFound):
                raise
            with self._lock:
                self.unreadable.add(_aws_words(err))
            return unread  # type: ignore[return-value]

    def _all(self, calls: list[Callable[[], object]]) -> list:
        """Run the calls at once, each in a copy of this context (the region, the counter)."""
        if not calls:
            return []
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(calls))) as pool:
            futures = [pool.submit(contextvars.copy_context().run, call) for call in calls]
            return [future.result() for future in futures]

    def _read_apis(self) -> list[RestApi]:
        if self.api_id:
            return [rest_apis.get_rest_api(self.api_id)]  # NotFound: the page says so
        page = self._read(rest_apis.list_rest_apis, None)
        if page is None:
            return []
        if len(page.items) > MAX_APIS or page.has_more:
            self.capped.add("api")
        return page.items[:MAX_APIS]

    def _read_functions(self) -> list[FunctionSummary]:
        if self.function_name:
            return [lambda_functions.get_function(self.function_name)]
        found: list[FunctionSummary] = []

        def pages() -> bool:
            first = lambda_functions.list_functions()
            last = first
            for page in following(first, lambda_functions.list_functions, FUNCTION_PAGES):
                found.extend(page.items)
                last = page
            return last.has_more

        more = self._read(pages, False)
        if more or len(found) > MAX_FUNCTIONS:
            self.capped.add("function")
        return found[:MAX_FUNCTIONS]

    def _read_tables(self) -> tuple[set[str], bool]:
        listed = self._read(lambda: resources.list_resource_names(resources.TABLE, MAX_TABLES),
                            None)
        if listed is None:
            return set(), False
        if listed.is_capped:
            self.capped.add("table")
        return set(listed.names), not listed.is_capped

    def _read_log_groups(self) -> tuple[set[str], bool]:
        prefix = LAMBDA_LOG_PREFIX + (self.function_name or "")

        def pages() -> tuple[set[str], bool]:
            first = log_groups.list_log_groups(prefix)
            names: set[str] = set()
            last = first
            for page in following(first, lambda token: log_groups.list_log_groups(prefix, token),
                                  LOG_GROUP_PAGES):
                names.update(group.log_group_name for group in page.items)
                last = page
            return names, not last.has_more

        return self._read(pages, (set(), False))

    def _kept_apis(self, api_data: list[_Api]) -> list[_Api]:
        if not self.function_name:
            return api_data
        for data in api_data:
            data.methods = [method for method in data.methods
                            if self._target_named(method) is not None]
        return [data for data in api_data if data.methods]

    def _target_named(self, method: MethodIntegration) -> _Target | None:
        target = self._target(method)
        return target if target and target.function_name == self.function_name else None

    def _target(self, method: MethodIntegration) -> _Target | None:
        """The function of this region and account a method calls, if it calls one."""
        if not method.lambda_target:
            return None
        function_arn, qualifier = lambda_integrations.split_target(method.lambda_target)
        parts = function_arn.split(":")
        if len(parts) != 7 or parts[3] != self.region or parts[4] != self.place.account_id:
            return None  # another region's or account's function, or a stage variable's
        if "$" in parts[6]:
            return None
        return _Target(parts[6], qualifier)

    def _functions_on_map(self, listed: list[FunctionSummary],
                          api_data: list[_Api]) -> dict[str, FunctionSummary | None]:
        """The functions drawn, by name (None: a method calls it but it does not exist)."""
        by_name = {function.function_name: function for function in listed}
        called = sorted({target.function_name for data in api_data for method in data.methods
                         if (target := self._target(method))})
        if self.function_name:
            return {self.function_name: by_name[self.function_name]}
        wanted = called if self.api_id else sorted(set(by_name) | set(called))
        unlisted = [name for name in wanted if name not in by_name]
        if unlisted and "function" in self.capped:
            for name, found in zip(unlisted, self._all(
                    [lambda name=name: self._get_function(name) for name in unlisted])):
                by_name[name] = found
        return {name: by_name.get(name) for name in wanted}

    def _get_function(self, function_name: str) -> FunctionSummary | None:
        try:
            return self._read(lambda: lambda_functions.get_function(function_name), None,
                              missing_raises=True)
        except NotFound:
            return None

    def _read_details(self, api_data: list[_Api],
                      functions: dict[str, FunctionSummary | None]) -> None:
        existing = [function for function in functions.values() if function is not None]
        role_arns = sorted({function.role_arn for function in existing if function.role_arn})
        targets = sorted({target for data in api_data for method in data.methods
                          if (target := self._target(method)) and functions.get(target.function_name)},
                         key=lambda target: (target.function_name, target.qualifier))
        table_checks = sorted({(function.role_arn, table)
                               for function in existing if function.role_arn
                               for _, table in table_variables(function.environment,
                                                               self.table_names)})
        calls: list[Callable[[], object]] = []
        for data in api_data:
            calls.append(lambda data=data: self._read(
                lambda: stages.list_stages(data.api.api_id), []))
            calls.append(lambda data=data: self._read(
                lambda: stages.list_deployments(data.api.api_id), []))
        calls += [lambda arn=arn: self._read_role(_role_name(arn)) for arn in role_arns]
        calls += [lambda target=target: self._read(
            lambda: lambda_functions.get_resource_policy(target.function_name, target.qualifier),
            _UNREAD) for target in targets]
        calls += [lambda function=function: execution_roles.may_write_lambda_logs(
            function.role_arn, function.function_arn) for function in existing if function.role_arn]
        calls += [lambda check=check: execution_roles.denied_table_actions(
            check[0], self.place.table_arn(check[1])) for check in table_checks]
        calls.append(lambda: self._read(
            lambda: metrics.recent_errors([function.function_name for function in existing]), {})
            if existing else {})
        results = iter(self._all(calls))
        for data in api_data:
            data.stages, data.deployments = next(results), next(results)
        self.roles: dict[str, _Role] = {arn: next(results) for arn in role_arns}
        self.resource_policies: dict[_Target, object] = {target: next(results)
                                                         for target in targets}
        self.may_log: dict[str, bool | None] = {
            function.function_name: next(results) for function in existing if function.role_arn}
        self.denied: dict[tuple[str, str], tuple[str, ...] | None] = {
            check: next(results) for check in table_checks}
        self.recent: dict[str, metrics.RecentErrors] = next(results)
        policy_arns = sorted({policy.arn for role in self.roles.values()
                              for policy in role.attached})
        exported = [(data, stage.stage_name) for data in api_data for stage in data.stages]
        read = self._all(
            [lambda arn=arn: self._read(lambda: policies.default_document(arn), None)
             for arn in policy_arns]
            + [lambda data=data, name=name: self._read(
                lambda: stages.deployed_methods(data.api.api_id, name), None)
               for data, name in exported])
        self.documents: dict[str, dict | None] = dict(zip(policy_arns, read))
        for (data, name), deployed in zip(exported, read[len(policy_arns):]):
            data.deployed[name] = deployed

    def _read_role(self, role_name: str) -> _Role:
        try:
            attached = self._read(lambda: roles.list_attached(role_name), [],
                                  missing_raises=True)
            inline = self._read(lambda: roles.list_inline(role_name), [], missing_raises=True)
        except NotFound:
            return _Role(exists=False)
        return _Role(attached, inline)

    # Drawing -------------------------------------------------------------------------------

    def _draw(self, api_data: list[_Api], functions: dict[str, FunctionSummary | None],
              logging_role: object) -> StackMap:
        for data in api_data:
            self._draw_api(data, functions)
        if api_data and logging_role is not _UNREAD:
            self._draw_logging_role(api_data, logging_role)  # type: ignore[arg-type]
        for name, function in functions.items():
            self._draw_function(name, function)
        self.function_groups = [node.label for node in self.nodes.values()
                                if node.kind == model.LOG_GROUP]
        for role_arn, role in self.roles.items():
            self._draw_role(role_arn, role)
        order = {key: index for index, key in enumerate(
            sorted(self.nodes, key=lambda key: (self.nodes[key].column, self.order[key])))}
        kinds = {kind: index for index, kind in enumerate(model.PROBLEM_KINDS)}
        return StackMap(
            region=self.region,
            nodes=[self.nodes[key] for key in order],
            edges=sorted(self.edges, key=lambda edge: (order[edge.source], order[edge.target],
                                                       edge.reason, edge.params)),
            problems=sorted(self.problems, key=lambda problem: (
                order[problem.node], kinds[problem.kind], problem.params)),
            capped=tuple(sorted(self.capped)),
            unreadable=tuple(sorted(self.unreadable)),
        )

    def _add(self, node: Node, *order: str) -> str:
        if node.key not in self.nodes:
            self.nodes[node.key] = node
            self.order[node.key] = order
        return node.key

    def _draw_api(self, data: _Api, functions: dict[str, FunctionSummary | None]) -> None:
        api = data.api
        api_key = self._add(Node(f"api:{api.api_id}", model.API, api.name, api.api_id,
                                 (("api_id", api.api_id),)), "0", api.name, api.api_id, "0")
        stale = stages.stale_stages(data.stages, data.deployments)
        changed = {name for name, deployed in data.deployed.items()
                   if deployed is not None and _changed_since(deployed, data.methods)}
        for stage in data.stages:
            key = self._add(Node(f"stage:{api.api_id}/{stage.stage_name}", model.STAGE,
                                 stage.stage_name, stage.deployment_id,
                                 (("api_id", api.api_id), ("stage", stage.stage_name))),
                            "0", api.name, api.api_id, "1", stage.stage_name)
            self.edges.add(Edge(api_key, key, model.STAGE_OF,
                                (("deployment", stage.deployment_id),)))
            fix = (("api_id", api.api_id), ("stage", stage.stage_name))
            if stage.stage_name in stale:
                self.problems.add(Problem(key, model.STALE_STAGE, (
                    ("deployment", stage.deployment_id),
                    ("newest", data.deployments[0].deployment_id)), model.FIX_STAGE_PAGE, fix))
            elif stage.stage_name in changed:
                self.problems.add(Problem(key, model.STALE_STAGE, (
                    ("deployment", stage.deployment_id), ("changed", "methods")),
                    model.FIX_STAGE_PAGE, fix))
            if stage.logging.level == "OFF":
                self.problems.add(Problem(key, model.STAGE_LOGGING_OFF, (), model.FIX_STAGE_PAGE,
                                          fix))
        for method in data.methods:
            self._draw_method(data, method, api_key, functions)

    def _draw_method(self, data: _Api, method: MethodIntegration, api_key: str,
                     functions: dict[str, FunctionSummary | None]) -> None:
        api = data.api
        ref = (("api_id", api.api_id), ("resource_id", method.resource_id),
               ("http_method", method.http_method))
        key = self._add(Node(f"method:{api.api_id}/{method.resource_id}/{method.http_method}",
                             model.METHOD, f"{method.http_method} {method.resource_path}",
                             method.integration_type, ref),
                        api.name, api.api_id, method.resource_path, method.http_method)
        self.edges.add(Edge(api_key, key, model.METHOD_OF))
        target = self._target(method)
        if target is None or target.function_name not in functions:
            return
        reason = (model.PROXY_INTEGRATION if method.integration_type == "AWS_PROXY"
                  else model.CUSTOM_INTEGRATION)
        params = (("qualifier", target.qualifier),) if target.qualifier else ()
        self.edges.add(Edge(key, f"function:{target.function_name}", reason, params))
        statements = self.resource_policies.get(target, _UNREAD)
        if statements is _UNREAD:
            return  # the function is missing, or its policy could not be read
        denied = [stage for stage in ([s.stage_name for s in data.stages] or ["*"])
                  if not lambda_integrations.statements_allow_invoke(
                      statements or [],  # type: ignore[arg-type]
                      lambda_integrations.execute_api_arn(api.api_id, method.http_method,
                                                          method.resource_path, stage))]
        if denied:
            self.problems.add(Problem(
                key, model.NO_INVOKE_PERMISSION,
                (("function", target.function_name), ("stages", ", ".join(denied))),
                model.FIX_METHOD_PERMISSION, ref))

    def _draw_logging_role(self, api_data: list[_Api], role_arn: str | None) -> None:
        role_name = _role_name(role_arn) if role_arn else ""
        ref = (("role", role_name), ("arn", role_arn)) if role_arn else ()
        key = self._add(Node("logging-role", model.LOGGING_ROLE, role_name, "", ref,
                             exists=bool(role_arn)), "1")
        if role_arn:
            for data in api_data:
                self.edges.add(Edge(key, f"api:{data.api.api_id}", model.LOGGING_ROLE_OF))
        elif any(data.stages for data in api_data):
            # Without it a stage's execution and access logs are never written, and API Gateway
            # refuses to turn them on: every stage needs it, whatever its logging says now.
            self.problems.add(Problem(key, model.NO_LOGGING_ROLE, (), model.FIX_API_SETTINGS))

    def _draw_function(self, name: str, function: FunctionSummary | None) -> None:
        key = self._add(Node(f"function:{name}", model.FUNCTION, name,
                             function.runtime if function else "", (("function", name),),
                             exists=function is not None), name)
        if function is None:
            return
        group = LAMBDA_LOG_PREFIX + name
        group_key = self._log_group(group)
        self.edges.add(Edge(key, group_key, model.LOGS_TO))
        recent = self.recent.get(name)
        if recent is not None and recent.errors > 0:
            self.problems.add(Problem(key, model.FAILING_INVOCATIONS, (
                ("errors", str(int(recent.errors))), ("invocations", str(int(recent.invocations)))),
                model.FIX_FUNCTION_LOGS, (("function", name),)))
        if not function.role_arn:
            return
        role_name = _role_name(function.role_arn)
        self.edges.add(Edge(key, self._role(function.role_arn), model.RUNS_AS))
        if self.may_log.get(name) is False:
            self.problems.add(Problem(key, model.CANNOT_WRITE_LOGS,
                                      (("role", role_name), ("log_group", group)),
                                      model.FIX_ROLE_PAGE, (("role", role_name),)))
        for variable, table in table_variables(function.environment, self.table_names):
            self.edges.add(Edge(key, self._table(table), model.NAMES_TABLE,
                                (("variable", variable),)))
            denied = self.denied.get((function.role_arn, table))
            if denied:
                self.problems.add(Problem(key, model.TABLE_OUT_OF_REACH, (
                    ("table", table), ("variable", variable), ("role", role_name),
                    ("actions", ", ".join(denied))),
                    model.FIX_GRANT_TABLE, (("table", table), ("role", role_name))))

    def _role(self, role_arn: str) -> str:
        role_name = _role_name(role_arn)
        role = self.roles.get(role_arn)
        return self._add(Node(f"role:{role_name}", model.ROLE, role_name, "",
                              (("role", role_name), ("arn", role_arn)),
                              exists=role is None or role.exists), role_name)

    def _draw_role(self, role_arn: str, role: _Role) -> None:
        role_key = self._role(role_arn)
        role_name = _role_name(role_arn)
        for policy in role.attached:
            managed = policies.is_aws_managed(policy.arn)
            key = self._add(Node(f"policy:{policy.arn}", model.POLICY, policy.name,
                                 "AWS-managed" if managed else "customer-managed",
                                 (("arn", policy.arn),)), "0", policy.name, policy.arn)
            self.edges.add(Edge(role_key, key, model.ATTACHED))
            self._draw_reach(key, self.documents.get(policy.arn))
        for inline in role.inline:
            key = self._add(Node(f"inline:{role_name}/{inline.name}", model.INLINE_POLICY,
                                 inline.name, role_name,
                                 (("role", role_name), ("policy", inline.name))),
                            "1", role_name, inline.name)
            self.edges.add(Edge(role_key, key, model.INLINE))
            self._draw_reach(key, inline.document)

    def _draw_reach(self, policy_key: str, document: dict | None) -> None:
        if not document:
            return
        for reach in reaches(document, self.place, self.table_names, self.function_groups):
            target = (self._table(reach.name) if reach.kind == model.TABLE
                      else self._log_group(reach.name))
            self.edges.add(Edge(policy_key, target, model.REACHES,
                                (("actions", ", ".join(reach.actions)),)))

    def _table(self, table_name: str) -> str:
        exists = table_name in self.table_names or not self.tables_known
        return self._add(Node(f"table:{table_name}", model.TABLE, table_name, "",
                              (("table", table_name),), exists=exists), "0", table_name)

    def _log_group(self, group: str) -> str:
        known = self.groups_known and group.startswith(LAMBDA_LOG_PREFIX)
        exists = group in self.groups or not known
        return self._add(Node(f"log-group:{group}", model.LOG_GROUP, group, "",
                              (("log_group", group),), exists=exists), "1", group)


def _changed_since(deployed: tuple[frozenset[stages.DeployedMethod], bool],
                   methods: list[MethodIntegration]) -> bool:
    """Whether the API's methods differ from what a stage's deployment serves: a method added,
    removed, or integrated differently since (by path and method only when the export did not
    carry the integrations)."""
    served, with_integrations = deployed
    if with_integrations:
        now = {(method.resource_path, method.http_method, method.integration_type.upper(),
                method.lambda_target) for method in methods}
        then = {(method.path, method.http_method, method.integration_type,
                 lambda_integrations.lambda_target(method.uri)) for method in served}
    else:
        now = {(method.resource_path, method.http_method) for method in methods}
        then = {(method.path, method.http_method) for method in served}
    return now != then


def _role_name(role_arn: str) -> str:
    return role_arn.rsplit("/", 1)[-1]


def _aws_words(err: ConsoleError) -> str:
    """What AWS said when it refused (its message), else the console's words for the failure."""
    cause = err.__cause__
    response = getattr(cause, "response", None)
    if isinstance(response, dict):
        message = response.get("Error", {}).get("Message")
        if message:
            return str(message)
    return err.message

