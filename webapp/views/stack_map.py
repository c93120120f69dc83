"""The Map page: the region's serverless stack drawn as SVG, what is broken marked on it.

The map comes from webapp.stack_map (gathered read-only, laid out); this module words every box,
line and problem in the page's language and links each to the console page that shows or fixes
it. The dashboard loads a small version of it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from flask import Blueprint, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from webapp.aws.errors import (
    ConsoleError, ExpiredCredentials, NoCredentials, NotFound, Unreachable,
)
from webapp.stack_map import model
from webapp.stack_map.gather import build_map
from webapp.stack_map.layout import (
    DETAIL_CHARS, LABEL_CHARS, MARK_CHARS, Box, Layout, Line, lay_out, shorten,
)
from webapp.stack_map.model import Edge, Node, Problem, StackMap
from webapp.views.rendering import error_text, render_view, wants_fragment

bp = Blueprint("stack_map", __name__, url_prefix="/map")

# API Gateway's REST API ids; Lambda's function names (a name, not an ARN, on this page).
API_ID = re.compile(r"[a-z0-9]{1,32}")
FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The dashboard draws the map itself only while it stays readable at that size.
MINI_MAP_BOXES = 40

COLUMN_TITLES = (_l("APIs and stages"), _l("Methods"), _l("Functions"), _l("Execution roles"),
                 _l("Policies"), _l("Tables and log groups"))
KIND_WORDS = {
    model.API: _l("REST API"), model.STAGE: _l("Stage"),
    model.LOGGING_ROLE: _l("API Gateway logging role"), model.METHOD: _l("Method"),
    model.FUNCTION: _l("Function"), model.ROLE: _l("Role"), model.POLICY: _l("Managed policy"),
    model.INLINE_POLICY: _l("Inline policy"), model.TABLE: _l("Table"),
    model.LOG_GROUP: _l("Log group"),
}
CAPPED_WORDS = {"api": _l("REST APIs"), "function": _l("functions"), "table": _l("tables"),
                "role": _l("roles"), "policy": _l("policies"), "log-group": _l("log groups")}
FIX_LABELS = {
    model.FIX_METHOD_PERMISSION: _l("Add the invoke permission"),
    model.FIX_GRANT_TABLE: _l("Build a policy for the table"),
    model.FIX_ROLE_PAGE: _l("Open the role to attach AWSLambdaBasicExecutionRole"),
    model.FIX_STAGE_PAGE: _l("Open the stage"),
    model.FIX_API_SETTINGS: _l("Set the logging role"),
    model.FIX_FUNCTION_LOGS: _l("See the invocations"),
}


@dataclass(frozen=True, slots=True)
class Filter:
    """What the map is narrowed to: one API, one function, or nothing (the whole region)."""

    api_id: str | None = None
    function_name: str | None = None

    @property
    def key(self) -> str | None:
        """The key of the node the filter names, as the map writes it."""
        if self.api_id:
            return f"api:{self.api_id}"
        return f"function:{self.function_name}" if self.function_name else None


@dataclass(frozen=True, slots=True)
class ProblemView:
    """A problem in words, on the box it marks, with its fix."""

    node: Node
    sentence: str
    fix_url: str | None
    fix_label: str


@dataclass(frozen=True, slots=True)
class BoxView:
    """A box as drawn: its link, what it is in words and its problems."""

    box: Box
    href: str | None
    kind_word: str
    problems: tuple[ProblemView, ...]
    label: str      # the box's first line: its name, or what it is when it has none
    detail: str     # its second line

    @property
    def node(self) -> Node:
        return self.box.node


@dataclass(frozen=True, slots=True)
class LineView:
    line: Line
    sentence: str


@dataclass(frozen=True, slots=True)
class Drawing:
    """Everything the templates draw: the layout, words for each piece, the text list."""

    stack_map: StackMap
    layout: Layout
    boxes: tuple[BoxView, ...]
    lines: tuple[LineView, ...]
    problems: tuple[ProblemView, ...]
    columns: tuple[tuple[str, tuple[BoxView, ...]], ...]   # the text list: (title, boxes)
    outgoing: dict[str, tuple[str, ...]]                    # node key → its edges' sentences
    notes: tuple[str, ...]                                  # what was capped or unreadable


@bp.get("/")
def index() -> ResponseReturnValue:
    """The map of the region, or of one API or function; a bad filter is said beside it."""
    if "show" in request.args:  # the filter form's one select: "api:ID" or "function:NAME"
        return redirect(_filter_url(request.args.get("show", "")), HTTPStatus.SEE_OTHER)
    chosen, filter_error = parse_filter(request.args)
    try:
        stack_map = _filtered_map(chosen)
        if stack_map is None:
            filter_error = _unknown_filter(chosen)
            chosen, stack_map = Filter(), build_map()
    except ConsoleError as err:
        return render_view("map/index.html", None, drawing=None, chosen=chosen, choices=[],
                           current_choice="", filter_error=filter_error,
                           problem=error_text(err), problem_title=_problem_title(err),
                           reconnect=isinstance(err, Unreachable)), err.status
    status = HTTPStatus.UNPROCESSABLE_ENTITY if filter_error else HTTPStatus.OK
    return render_view("map/index.html", None, drawing=draw(stack_map), chosen=chosen,
                       choices=filter_choices(stack_map), current_choice=chosen.key or "",
                       filter_error=filter_error, problem=None, reconnect=False), status


@bp.get("/mini")
def mini() -> ResponseReturnValue:
    """The dashboard's small map (htmx loads it after the dashboard); a plain GET gets the map."""
    if not wants_fragment():
        return redirect(url_for("stack_map.index"), HTTPStatus.SEE_OTHER)
    try:
        drawing = draw(build_map())
    except ConsoleError as err:
        return render_view("map/index.html", "map/fragments/mini.html", drawing=None,
                           problem=error_text(err))
    return render_view("map/index.html", "map/fragments/mini.html", drawing=drawing,
                       problem=None, draw_it=len(drawing.boxes) <= MINI_MAP_BOXES)


def _filtered_map(chosen: Filter) -> StackMap | None:
    """The map the filter asks for, or None when what it names is not in the region."""
    try:
        stack_map = build_map(chosen.api_id, chosen.function_name)
    except NotFound:
        if chosen.key:
            return None
        raise
    if chosen.key and stack_map.node(chosen.key) is None:
        return None
    return stack_map


def parse_filter(args: Any) -> tuple[Filter, str | None]:
    """The filter from ?api= or ?function=, or none and the reason it was refused."""
    api_id = args.get("api", "").strip()
    function_name = args.get("function", "").strip()
    if api_id and function_name:
        return Filter(), gettext("Choose one API or one function, not both.")
    if api_id and not API_ID.fullmatch(api_id):
        return Filter(), gettext("%(api)s is not a REST API id: it is letters and digits, like "
                                 "a1b2c3d4e5.", api=api_id)
    if function_name and not FUNCTION_NAME.fullmatch(function_name):
        return Filter(), gettext("%(function)s is not a function name: up to 64 letters, digits, "
                                 "hyphens and underscores.", function=function_name)
    return Filter(api_id or None, function_name or None), None


def _problem_title(err: ConsoleError) -> str:
    if isinstance(err, (Unreachable, NoCredentials, ExpiredCredentials)):
        return gettext("The console cannot talk to AWS")
    return gettext("AWS request failed")


def _unknown_filter(chosen: Filter) -> str:
    if chosen.api_id:
        return gettext("There is no REST API %(api)s in this region: the whole map is shown.",
                       api=chosen.api_id)
    return gettext("There is no function %(function)s in this region: the whole map is shown.",
                   function=chosen.function_name)


def filter_choices(stack_map: StackMap) -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter's options, from the map itself: its APIs, then its functions."""
    apis = [(f"api:{api_id}", f"{node.label} ({api_id})") for node in stack_map.nodes
            if node.kind == model.API and node.exists and (api_id := _ref(node, "api_id"))]
    functions = [(f"function:{name}", node.label) for node in stack_map.nodes
                 if node.kind == model.FUNCTION and node.exists
                 and (name := _ref(node, "function"))]
    groups = [(gettext("REST APIs"), apis), (gettext("Functions"), functions)]
    return [(label, options) for label, options in groups if options]


def _filter_url(show: str) -> str:
    kind, _, value = show.partition(":")
    if kind == "api" and value:
        return url_for("stack_map.index", api=value)
    if kind == "function" and value:
        return url_for("stack_map.index", function=value)
    return url_for("stack_map.index")


def draw(stack_map: StackMap) -> Drawing:
    """Lay the map out and word it in the page's language."""
    layout = lay_out(stack_map)
    nodes = {node.key: node for node in stack_map.nodes}
    problems_of: dict[str, list[ProblemView]] = {}
    all_problems = []
    for problem in stack_map.problems:
        node = nodes.get(problem.node)
        if node is None:
            continue
        view = ProblemView(node, problem_sentence(problem, node, _owner(node, nodes)),
                           fix_url(problem),
                           str(FIX_LABELS.get(problem.fix, "")))
        problems_of.setdefault(node.key, []).append(view)
        all_problems.append(view)
    words = {kind: str(word) for kind, word in KIND_WORDS.items()}  # translated once a page
    absent = gettext("does not exist")
    boxes = tuple(_box_view(box, tuple(problems_of.get(box.node.key, ())), words, absent)
                  for box in layout.boxes)
    lines = tuple(LineView(line, edge_sentence(line.edge, nodes)) for line in layout.lines)
    outgoing: dict[str, list[str]] = {}
    for line in lines:
        outgoing.setdefault(line.line.edge.source, []).append(line.sentence)
    by_column: dict[int, list[BoxView]] = {column.number: [] for column in layout.columns}
    for box in boxes:
        by_column[box.node.column].append(box)
    columns = tuple((str(COLUMN_TITLES[number]), tuple(by_column[number]))
                    for number in sorted(by_column))
    return Drawing(stack_map, layout, boxes, lines, tuple(all_problems), columns,
                   {key: tuple(sentences) for key, sentences in outgoing.items()},
                   tuple(footer_notes(stack_map)))


def _box_view(box: Box, problems: tuple[ProblemView, ...], words: dict[str, str],
              absent: str) -> BoxView:
    kind_word = words[box.node.kind]
    detail = (box.detail or kind_word) if box.node.exists else absent
    label_chars = LABEL_CHARS - MARK_CHARS if problems else LABEL_CHARS
    return BoxView(box, node_url(box.node), kind_word, problems,
                   box.label or shorten(kind_word, label_chars), shorten(detail, DETAIL_CHARS))


def _ref(node: Node, name: str) -> str | None:
    """One of the ids a node carries (gather.py gives each kind its own), or None."""
    return dict(node.ref).get(name) or None


def node_url(node: Node) -> str | None:
    """The console page of a node; for one that does not exist, where it could be made."""
    kind = node.kind
    if kind == model.API:
        api_id = _ref(node, "api_id")
        return url_for("apigateway.rest_apis.detail", api_id=api_id) if api_id else None
    if kind == model.STAGE:
        api_id, stage = _ref(node, "api_id"), _ref(node, "stage")
        return (url_for("apigateway.rest_apis.stage", api_id=api_id, stage_name=stage)
                if api_id and stage else None)
    if kind == model.METHOD:
        ids = [_ref(node, name) for name in ("api_id", "resource_id", "http_method")]
        if not all(ids):
            return None
        return url_for("apigateway.rest_apis.method", api_id=ids[0], resource_id=ids[1],
                       http_method=ids[2])
    if kind == model.LOGGING_ROLE and not node.exists:
        return url_for("apigateway.settings.index")
    return _iam_or_data_url(node)


def _iam_or_data_url(node: Node) -> str | None:
    kind, exists = node.kind, node.exists
    if kind == model.FUNCTION:
        name = _ref(node, "function")
        if not exists or not name:
            return url_for("lambda.pages.new")
        return url_for("lambda.pages.detail", function_name=name)
    if kind in (model.ROLE, model.LOGGING_ROLE):
        name = _ref(node, "role")
        if not exists or not name:
            return url_for("iam.roles.new_role")
        return url_for("iam.roles.role", role_name=name)
    if kind == model.POLICY:
        arn = _ref(node, "arn")
        return url_for("iam.policies.policy", arn=arn) if arn else None
    if kind == model.INLINE_POLICY:
        role = _ref(node, "role")
        return url_for("iam.roles.role", role_name=role, _anchor="role-inline") if role else None
    if kind == model.TABLE:
        name = _ref(node, "table")
        if not exists or not name:
            return url_for("dynamodb.tables.new")
        return url_for("dynamodb.tables.detail", table_name=name)
    if kind == model.LOG_GROUP:
        group = _ref(node, "log_group")
        if not exists:  # Lambda makes a function's group at its first invocation
            return url_for("logs.log_groups.index", prefix=group)
        return url_for("logs.log_groups.index", group=group)
    return None


def fix_url(problem: Problem) -> str | None:
    """The console page that fixes a problem, from the fix's own params."""
    params = dict(problem.fix_params)
    fix = problem.fix
    try:
        if fix == model.FIX_METHOD_PERMISSION:
            return url_for("apigateway.rest_apis.method", api_id=params["api_id"],
                           resource_id=params["resource_id"], http_method=params["http_method"],
                           _anchor="lambda-permission")
        if fix == model.FIX_GRANT_TABLE:
            return url_for("iam.policies.new_policy", table=params["table"])
        if fix == model.FIX_ROLE_PAGE:
            return url_for("iam.roles.role", role_name=params["role"], _anchor="role-attached")
        if fix == model.FIX_STAGE_PAGE:
            return url_for("apigateway.rest_apis.stage", api_id=params["api_id"],
                           stage_name=params["stage"])
        if fix == model.FIX_API_SETTINGS:
            return url_for("apigateway.settings.index")
        if fix == model.FIX_FUNCTION_LOGS:
            return url_for("logs.log_groups.index", group=f"/aws/lambda/{params['function']}",
                           view="invocations")
    except KeyError:
        return None
    return None


def _owner(node: Node, nodes: dict[str, Node]) -> str | None:
    """The API a stage or method belongs to, by name: two APIs' "prod" read apart."""
    if node.kind not in (model.STAGE, model.METHOD):
        return None
    api = nodes.get(f"api:{dict(node.ref).get('api_id', '')}")
    return api.label if api is not None else None


def problem_sentence(problem: Problem, node: Node, owner: str | None = None) -> str:
    """What is broken, in a sentence naming the box (a stage or method with its API's name)."""
    params = {**dict(problem.fix_params), **dict(problem.params)}
    kind, name = problem.kind, node.label
    if owner:
        name = f"{owner}/{name}" if node.kind == model.STAGE else f"{owner} {name}"
    if kind == model.NO_INVOKE_PERMISSION:
        return gettext("%(method)s: the resource-based policy of %(function)s does not let API "
                       "Gateway invoke it, so the method answers 500.", method=name,
                       function=params.get("function", "?"))
    if kind == model.TABLE_OUT_OF_REACH:
        table, role = params.get("table", "?"), params.get("role", "?")
        denied = params.get("actions") or params.get("denied")
        if denied:
            return gettext("%(function)s names table %(table)s, but its role %(role)s may not "
                           "use it (denied: %(actions)s).", function=name, table=table,
                           role=role, actions=denied)
        return gettext("%(function)s names table %(table)s, but its role %(role)s may not use it.",
                       function=name, table=table, role=role)
    if kind == model.CANNOT_WRITE_LOGS:
        return gettext("%(function)s's role %(role)s may not write its logs to CloudWatch Logs.",
                       function=name, role=params.get("role", "?"))
    if kind == model.STALE_STAGE and params.get("changed"):
        return gettext("Stage %(stage)s serves a deployment older than the API's last change: "
                       "redeploy it.", stage=name)
    if kind == model.STALE_STAGE:
        return gettext("Stage %(stage)s serves an older deployment than the API's newest: "
                       "redeploy it.", stage=name)
    if kind == model.STAGE_LOGGING_OFF:
        return gettext("Stage %(stage)s has execution logging off.", stage=name)
    if kind == model.NO_LOGGING_ROLE:
        return gettext("The account has no CloudWatch Logs role for API Gateway, so stages "
                       "cannot write logs.")
    if kind == model.FAILING_INVOCATIONS:
        errors = _count(params.get("errors"))
        return ngettext("%(function)s: %(num)d invocation failed in the last hour.",
                        "%(function)s: %(num)d invocations failed in the last hour.",
                        errors, function=name)
    return kind


def _count(text: str | None) -> int:
    try:
        return int(float(text or 0))
    except ValueError:
        return 0


def edge_sentence(edge: Edge, nodes: dict[str, Node]) -> str:
    """What makes a line true, in words naming both boxes."""
    source, target = nodes[edge.source].label, nodes[edge.target].label
    params = dict(edge.params)
    reason = edge.reason
    if reason == model.STAGE_OF:
        if params.get("deployment"):
            return gettext("%(stage)s serves deployment %(deployment)s of %(api)s",
                           stage=target, deployment=params["deployment"], api=source)
        return gettext("%(stage)s is a stage of %(api)s", stage=target, api=source)
    if reason == model.METHOD_OF:
        return gettext("%(method)s is a method of %(api)s", method=target, api=source)
    if reason == model.PROXY_INTEGRATION:
        return gettext("%(method)s → %(function)s: Lambda proxy integration",
                       method=source, function=target)
    if reason == model.CUSTOM_INTEGRATION:
        return gettext("%(method)s → %(function)s: Lambda integration with mapping templates",
                       method=source, function=target)
    if reason == model.RUNS_AS:
        return gettext("%(function)s runs as %(role)s", function=source, role=target)
    if reason == model.ATTACHED:
        return gettext("%(role)s has the managed policy %(policy)s", role=source, policy=target)
    if reason == model.INLINE:
        return gettext("%(role)s has the inline policy %(policy)s", role=source, policy=target)
    if reason == model.REACHES:
        if params.get("actions"):
            return gettext("%(policy)s allows %(actions)s on %(resource)s", policy=source,
                           actions=params["actions"], resource=target)
        return gettext("%(policy)s allows actions on %(resource)s", policy=source,
                       resource=target)
    if reason == model.LOGS_TO:
        return gettext("%(function)s writes its logs to %(group)s", function=source, group=target)
    if reason == model.NAMES_TABLE:
        return gettext("%(function)s names table %(table)s in its environment (%(variable)s)",
                       function=source, table=target, variable=params.get("variable", "?"))
    if reason == model.LOGGING_ROLE_OF:
        return gettext("API Gateway writes the stage logs of %(api)s as %(role)s",
                       api=target, role=source)
    return f"{source} → {target}"


def footer_notes(stack_map: StackMap) -> list[str]:
    """What the footer says besides the call count: what was cut short, what could not be read."""
    notes = []
    if stack_map.capped:
        kinds = ", ".join(str(CAPPED_WORDS.get(kind, kind)) for kind in stack_map.capped)
        notes.append(gettext("More than the map shows: %(kinds)s (filter to one API or function "
                             "to see the rest).", kinds=kinds))
    notes.extend(gettext("Could not read: %(what)s", what=what) for what in stack_map.unreadable)
    return notes
