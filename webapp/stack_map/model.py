"""The stack map as data: the boxes, the lines between them and why, what is broken and its fix.

Gathered by `gather.py` from the live account (read-only calls through `webapp.aws`), laid out by
`layout.py`, drawn by the view as SVG. Nothing here is translated: the view words every reason
and problem from its kind and params, in the page's language.

Columns, left to right: REST APIs and their stages (and the account's API Gateway logging
role), methods, Lambda functions, execution roles, policies, and what policies reach (DynamoDB
tables, log groups; a function's own log group sits here too).
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Node kinds, and the column each is drawn in.
API, STAGE, LOGGING_ROLE = "api", "stage", "logging-role"
METHOD = "method"
FUNCTION = "function"
ROLE = "role"
POLICY, INLINE_POLICY = "policy", "inline-policy"
TABLE, LOG_GROUP = "table", "log-group"
COLUMN_OF = {API: 0, STAGE: 0, LOGGING_ROLE: 0, METHOD: 1, FUNCTION: 2, ROLE: 3, POLICY: 4,
             INLINE_POLICY: 4, TABLE: 5, LOG_GROUP: 5}
COLUMNS = 6

# Why an edge is there (the view words each; its params fill the sentence).
STAGE_OF = "stage-of"                # API -> stage: "prod serves deployment abc of items-api"
METHOD_OF = "method-of"              # API -> method: "POST /items is a method of items-api"
PROXY_INTEGRATION = "proxy"          # method -> function: "POST /items → items-fn: Lambda proxy integration"
CUSTOM_INTEGRATION = "custom"        # method -> function: "… Lambda integration with mapping templates"
RUNS_AS = "runs-as"                  # function -> role: "items-fn runs as items-role"
ATTACHED = "attached"                # role -> policy: "items-role has the managed policy P"
INLINE = "inline"                    # role -> inline policy: "items-role has the inline policy P"
REACHES = "reaches"                  # policy -> table / log group: "P allows dynamodb:GetItem… on Items"
LOGS_TO = "logs-to"                  # function -> its log group: "items-fn writes its logs to /aws/lambda/items-fn"
NAMES_TABLE = "names-table"          # function -> table its environment names: "items-fn names table Items in TABLE_NAME"
LOGGING_ROLE_OF = "logging-role-of"  # logging role -> API: "API Gateway writes stage logs as this role"

# What is broken (marked on `Problem.node`), and the fix the console has for each.
NO_INVOKE_PERMISSION = "no-invoke-permission"  # method: the function's policy lets API Gateway not call it
TABLE_OUT_OF_REACH = "table-out-of-reach"      # function: its role may not use the table its environment names
CANNOT_WRITE_LOGS = "cannot-write-logs"        # function: its role may not write its log group
STALE_STAGE = "stale-stage"                    # stage: serves an older deployment than the API's newest
STAGE_LOGGING_OFF = "stage-logging-off"        # stage: execution logging is OFF
NO_LOGGING_ROLE = "no-logging-role"            # logging-role node (or API): the account has no CloudWatch role
FAILING_INVOCATIONS = "failing-invocations"    # function: errors among its invocations in the last hour
PROBLEM_KINDS = (NO_INVOKE_PERMISSION, TABLE_OUT_OF_REACH, CANNOT_WRITE_LOGS, STALE_STAGE,
                 STAGE_LOGGING_OFF, NO_LOGGING_ROLE, FAILING_INVOCATIONS)

# Fixes: each is a page the console already has (the view builds the link from `fix_params`).
FIX_METHOD_PERMISSION = "method-page"        # api_id, resource_id, http_method: the method page's one-click AddPermission
FIX_GRANT_TABLE = "policy-builder"           # table, role: the IAM policy builder with the table chosen
FIX_ROLE_PAGE = "role-page"                  # role: attach AWSLambdaBasicExecutionRole there
FIX_STAGE_PAGE = "stage-page"                # api_id, stage: redeploy / turn logging on
FIX_API_SETTINGS = "api-settings"            # (none): set the account's CloudWatch log role
FIX_FUNCTION_LOGS = "function-logs"          # function: the invocation view of its log group

Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Node:
    """One box: `key` is unique and stable between visits ("function:items-fn")."""

    key: str
    kind: str
    label: str
    detail: str = ""          # a second line, as AWS writes it (runtime, API id, "AWS-managed")
    ref: Params = ()          # the ids the view needs to link the box to its page
    exists: bool = True       # False: named (a log group, a table in an environment) but absent

    @property
    def column(self) -> int:
        return COLUMN_OF[self.kind]

    def param(self, name: str) -> str:
        return dict(self.ref)[name]


@dataclass(frozen=True, slots=True)
class Edge:
    """A line from `source` to `target` (node keys), with what makes it true."""

    source: str
    target: str
    reason: str
    params: Params = ()


@dataclass(frozen=True, slots=True)
class Problem:
    """Something broken, marked on node `node`, with the console's fix for it."""

    node: str
    kind: str
    params: Params = ()
    fix: str = ""
    fix_params: Params = ()


@dataclass(slots=True)
class StackMap:
    """What the page draws, and what it cost to learn it."""

    region: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    calls: int = 0                 # AWS calls made to draw it (the page's footer says so)
    capped: tuple[str, ...] = ()   # kinds that had more than the map shows ("api", "function"…)
    unreadable: tuple[str, ...] = ()  # what could not be read (AccessDenied…), as AWS said it

    def node(self, key: str) -> Node | None:
        return next((node for node in self.nodes if node.key == key), None)
