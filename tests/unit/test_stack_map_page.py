"""The Map page: boxes linked to their pages, lines and problems in words, filters, the text list."""
from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from flask.testing import FlaskClient

from webapp.aws.errors import AccessDenied, NoCredentials, NotFound, Unreachable
from webapp.stack_map import model
from webapp.stack_map.model import Edge, Node, Problem, StackMap
from webapp.views import stack_map as map_view

HOSTILE = "<script>alert(1)</script>"
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def tutorial_map(api_id: str | None = None, function_name: str | None = None) -> StackMap:
    """The tutorial's stack, with a table named to break out of the page and every problem."""
    nodes = [
        Node("api:a1b2c3d4e5", model.API, "items-api", "a1b2c3d4e5", (("api_id", "a1b2c3d4e5"),)),
        Node("stage:a1b2c3d4e5/prod", model.STAGE, "prod", "",
             (("api_id", "a1b2c3d4e5"), ("stage", "prod"))),
        Node("logging-role", model.LOGGING_ROLE, "", exists=False),
        Node("method:a1b2c3d4e5/r00t/POST", model.METHOD, "POST /items", "",
             (("api_id", "a1b2c3d4e5"), ("resource_id", "r00t"), ("http_method", "POST"))),
        Node("function:items-fn", model.FUNCTION, "items-fn", "python3.12",
             (("function", "items-fn"),)),
        Node("role:items-role", model.ROLE, "items-role", "", (("role", "items-role"),)),
        Node(f"policy:{BASIC}", model.POLICY, "AWSLambdaBasicExecutionRole", "AWS-managed",
             (("arn", BASIC),)),
        Node("inline:items-role/table-access", model.INLINE_POLICY, "table-access", "",
             (("role", "items-role"), ("policy", "table-access"))),
        Node(f"table:{HOSTILE}", model.TABLE, HOSTILE, "", (("table", HOSTILE),)),
        Node("log-group:/aws/lambda/items-fn", model.LOG_GROUP, "/aws/lambda/items-fn", "",
             (("log_group", "/aws/lambda/items-fn"),), exists=False),
    ]
    edges = [
        Edge("api:a1b2c3d4e5", "stage:a1b2c3d4e5/prod", model.STAGE_OF),
        Edge("api:a1b2c3d4e5", "method:a1b2c3d4e5/r00t/POST", model.METHOD_OF),
        Edge("method:a1b2c3d4e5/r00t/POST", "function:items-fn", model.PROXY_INTEGRATION),
        Edge("function:items-fn", "role:items-role", model.RUNS_AS),
        Edge("function:items-fn", "log-group:/aws/lambda/items-fn", model.LOGS_TO),
        Edge("function:items-fn", f"table:{HOSTILE}", model.NAMES_TABLE,
             (("variable", "TABLE_NAME"),)),
        Edge("role:items-role", f"policy:{BASIC}", model.ATTACHED),
        Edge("role:items-role", "inline:items-role/table-access", model.INLINE),
        Edge("inline:items-role/table-access", f"table:{HOSTILE}", model.REACHES,
             (("actions", "dynamodb:GetItem, dynamodb:PutItem"),)),
    ]
    problems = [
        Problem("method:a1b2c3d4e5/r00t/POST", model.NO_INVOKE_PERMISSION,
                (("function", "items-fn"), ("stages", "prod")),
                model.FIX_METHOD_PERMISSION,
                (("api_id", "a1b2c3d4e5"), ("resource_id", "r00t"), ("http_method", "POST"))),
        Problem("function:items-fn", model.TABLE_OUT_OF_REACH,
                (("table", "Orders"), ("variable", "TABLE_NAME"), ("role", "items-role")),
                model.FIX_GRANT_TABLE, (("table", "Orders"), ("role", "items-role"))),
        Problem("function:items-fn", model.CANNOT_WRITE_LOGS, (("role", "items-role"),),
                model.FIX_ROLE_PAGE, (("role", "items-role"),)),
        Problem("stage:a1b2c3d4e5/prod", model.STALE_STAGE, (), model.FIX_STAGE_PAGE,
                (("api_id", "a1b2c3d4e5"), ("stage", "prod"))),
        Problem("stage:a1b2c3d4e5/prod", model.STAGE_LOGGING_OFF, (), model.FIX_STAGE_PAGE,
                (("api_id", "a1b2c3d4e5"), ("stage", "prod"))),
        Problem("logging-role", model.NO_LOGGING_ROLE, (), model.FIX_API_SETTINGS),
        Problem("function:items-fn", model.FAILING_INVOCATIONS,
                (("errors", "3"), ("invocations", "5")), model.FIX_FUNCTION_LOGS,
                (("function", "items-fn"),)),
    ]
    return StackMap("ap-northeast-2", nodes, edges, problems, calls=17, capped=("function",),
                    unreadable=("AccessDenied: iam:GetRolePolicy on other-role",))


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, str | None]]:
    """Serve the hand-built map, recording what each build was asked for."""
    asked: list[tuple[str | None, str | None]] = []

    def fake_build(api_id: str | None = None, function_name: str | None = None) -> StackMap:
        asked.append((api_id, function_name))
        whole = tutorial_map()
        if function_name and function_name != "items-fn":  # as gather says a missing one
            raise NotFound("Function %(resource)s not found.", resource=function_name)
        if api_id and api_id != "a1b2c3d4e5":
            return StackMap(whole.region, calls=2)
        return whole

    monkeypatch.setattr(map_view, "build_map", fake_build)
    return asked


def svg_of(page: str) -> str:
    match = re.search(r"<svg class=\"map-svg.*?</svg>", page, re.S)
    assert match, "no map drawn"
    return match.group(0)


def test_every_box_links_to_its_page(signed_in: FlaskClient, built: list) -> None:
    svg = svg_of(signed_in.get("/map/").text)
    links = dict(re.findall(r'<a href="([^"]+)" class="map-box[^"]*" data-key="([^"]+)"', svg))
    by_key = {key: href for href, key in links.items()}
    assert by_key == {
        "api:a1b2c3d4e5": "/apis/a1b2c3d4e5",
        "stage:a1b2c3d4e5/prod": "/apis/a1b2c3d4e5/stages/prod",
        "logging-role": "/apis/settings",  # absent: where it is set
        "method:a1b2c3d4e5/r00t/POST": "/apis/a1b2c3d4e5/resources/r00t/methods/POST",
        "function:items-fn": "/functions/items-fn",
        "role:items-role": "/iam/roles/items-role",
        f"policy:{BASIC}": "/iam/policies/view?arn=arn:aws:iam::aws:policy/service-role/"
                           "AWSLambdaBasicExecutionRole",
        "inline:items-role/table-access": "/iam/roles/items-role#role-inline",
        "table:&lt;script&gt;alert(1)&lt;/script&gt;":
            "/tables/%3Cscript%3Ealert(1)%3C/script%3E",
        "log-group:/aws/lambda/items-fn": "/logs/?prefix=/aws/lambda/items-fn",
    }
    assert 'class="map-box map-box-log-group map-box-missing"' in svg
    assert 'role="img" aria-labelledby="map-title map-desc"' in svg


def test_every_line_says_what_makes_it_true(signed_in: FlaskClient, built: list) -> None:
    svg = svg_of(signed_in.get("/map/").text)
    titles = re.findall(r'<path class="map-line[^"]*" d="M[^"]+"><title>([^<]*)</title>', svg)
    assert titles == [
        "prod is a stage of items-api",
        "POST /items is a method of items-api",
        "POST /items → items-fn: Lambda proxy integration",
        "items-fn runs as items-role",
        "items-fn writes its logs to /aws/lambda/items-fn",
        "items-fn names table &lt;script&gt;alert(1)&lt;/script&gt; in its environment "
        "(TABLE_NAME)",
        "items-role has the managed policy AWSLambdaBasicExecutionRole",
        "items-role has the inline policy table-access",
        "table-access allows dynamodb:GetItem, dynamodb:PutItem on "
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ]


def test_problems_are_marked_on_their_box_and_listed_with_their_fix(
        signed_in: FlaskClient, built: list) -> None:
    page = signed_in.get("/map/").text
    marks = re.findall(r'<g class="map-mark" data-key="([^"]+)">', svg_of(page))
    assert marks == ["stage:a1b2c3d4e5/prod", "logging-role", "method:a1b2c3d4e5/r00t/POST",
                     "function:items-fn"]
    problems = page.split('id="map-problems"')[1].split("</section>")[0]
    fixes = re.findall(r'<span>([^<]+)</span>\s*<a class="button button-small" href="([^"]+)">',
                       problems)
    assert [href for _, href in fixes] == [
        "/apis/a1b2c3d4e5/resources/r00t/methods/POST#lambda-permission",
        "/iam/policies/new?table=Orders",
        "/iam/roles/items-role#role-attached",
        "/apis/a1b2c3d4e5/stages/prod",
        "/apis/a1b2c3d4e5/stages/prod",
        "/apis/settings",
        "/logs/?group=/aws/lambda/items-fn&amp;view=invocations",
    ]
    sentences = [sentence for sentence, _ in fixes]
    assert "items-fn names table Orders, but its role items-role may not use it." in sentences
    assert "items-fn: 3 invocations failed in the last hour." in sentences
    assert "Stage items-api/prod has execution logging off." in sentences


def test_the_text_list_has_the_same_boxes_lines_and_problems(
        signed_in: FlaskClient, built: list) -> None:
    page = signed_in.get("/map/").text
    text = page.split('id="map-text"')[1].split("</section>")[0]
    for title in ("APIs and stages", "Methods", "Functions", "Execution roles", "Policies",
                  "Tables and log groups"):
        assert f"<h3>{title}</h3>" in text
    assert '<a href="/functions/items-fn">Function: items-fn</a>' in text
    assert "<li>POST /items → items-fn: Lambda proxy integration</li>" in text
    assert "Problem: items-api POST /items: the resource-based policy of items-fn does not" in text
    assert '<a href="/apis/settings">API Gateway logging role</a>' in text  # none: its kind
    assert "Log group: /aws/lambda/items-fn</a>" in text and "does not exist" in text


def test_the_footer_counts_the_calls_and_says_what_was_cut_or_unreadable(
        signed_in: FlaskClient, built: list) -> None:
    page = signed_in.get("/map/").text
    assert "Drawn from 17 AWS calls." in page
    assert "More than the map shows: functions" in page
    assert "Could not read: AccessDenied: iam:GetRolePolicy on other-role" in page


def test_the_page_reads_in_korean(signed_in: FlaskClient, built: list) -> None:
    page = signed_in.get("/map/", headers={"Accept-Language": "ko"}).text
    assert "AWS 호출 17회로 그렸습니다." in page
    assert "items-fn 함수가 items-role 역할로 실행됩니다" in page
    assert "문제" in page and "전체 리전" in page
    assert "Drawn from" not in page and "Lambda proxy integration" not in page


def test_hostile_names_stay_text_and_nothing_inline_breaks_the_csp(
        signed_in: FlaskClient, built: list) -> None:
    reply = signed_in.get("/map/")
    assert HOSTILE not in reply.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply.text
    assert " style=" not in reply.text and "<style" not in reply.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", reply.text)
    assert not re.search(r"\son[a-z]+=", reply.text)
    assert "'unsafe-inline'" not in reply.headers["Content-Security-Policy"].split("script-src")[1]


@pytest.mark.parametrize(("query", "asked"), [
    ("?api=a1b2c3d4e5", [("a1b2c3d4e5", None)]),
    ("?function=items-fn", [(None, "items-fn")]),
])
def test_a_filter_narrows_the_map_it_asks_for(signed_in: FlaskClient, built: list, query: str,
                                              asked: list) -> None:
    page = signed_in.get(f"/map/{query}").text
    assert built == asked
    assert "field-error" not in page.split('class="form panel map-filter"')[1].split("</form>")[0]
    choice = query[1:].replace("=", ":")
    assert f'<option value="{choice}" selected>' in page


def test_the_filter_form_works_without_javascript(signed_in: FlaskClient, built: list) -> None:
    page = signed_in.get("/map/").text
    form = page.split('class="form panel map-filter"')[1].split("</form>")[0]
    assert 'method="get" action="/map/"' in page
    assert '<option value="api:a1b2c3d4e5" >items-api (a1b2c3d4e5)</option>' in form
    assert '<option value="function:items-fn" >items-fn</option>' in form
    reply = signed_in.get("/map/?show=function:items-fn")
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == "/map/?function=items-fn"
    assert signed_in.get("/map/?show=").headers["Location"] == "/map/"


@pytest.mark.parametrize(("query", "message"), [
    ("?api=zzzzzzzzzz", "There is no REST API zzzzzzzzzz in this region"),
    ("?function=nope-fn", "There is no function nope-fn in this region"),
    ("?api=..%2Fetc", "../etc is not a REST API id"),
    ("?function=a%20b", "a b is not a function name"),
    ("?api=a1b2c3d4e5&function=items-fn", "Choose one API or one function, not both."),
])
def test_an_unknown_or_malformed_filter_says_so_and_shows_the_whole_map(
        signed_in: FlaskClient, built: list, query: str, message: str) -> None:
    reply = signed_in.get(f"/map/{query}")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert f'<p id="map-show-error" class="field-error">{message}' in reply.text
    assert built[-1] == (None, None)
    assert 'data-key="function:items-fn"' in svg_of(reply.text)


@pytest.mark.parametrize("error", [
    Unreachable("Could not reach %(endpoint)s.", endpoint="http://127.0.0.1:1"),
    NoCredentials("No AWS credentials were found."),
    AccessDenied("Access denied to %(action)s.", action="list REST APIs"),
])
def test_aws_failures_show_the_consoles_banner(signed_in: FlaskClient,
                                               monkeypatch: pytest.MonkeyPatch,
                                               error: Exception) -> None:
    def failing(api_id: str | None = None, function_name: str | None = None) -> StackMap:
        raise error

    monkeypatch.setattr(map_view, "build_map", failing)
    reply = signed_in.get("/map/")
    assert reply.status_code == error.status
    assert 'class="banner banner-error" role="alert"' in reply.text
    title = ("AWS request failed" if isinstance(error, AccessDenied)
             else "The console cannot talk to AWS")
    assert f"<strong>{title}</strong>" in reply.text
    assert error.message in reply.text
    assert ("reloads by itself" in reply.text) == isinstance(error, Unreachable)
    assert "<svg" not in reply.text


def test_an_empty_region_says_there_is_nothing_to_draw(signed_in: FlaskClient,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(map_view, "build_map", lambda *args, **kwargs: StackMap("us-east-1"))
    page = signed_in.get("/map/").text
    assert "Nothing to draw yet" in page and "<svg class=\"map-svg" not in page
    assert "Drawn from 0 AWS calls." in page


def test_the_navigation_has_the_map_next_to_the_dashboard(signed_in: FlaskClient,
                                                          built: list) -> None:
    page = signed_in.get("/map/").text
    nav = page.split('class="sidenav"')[1].split("</nav>")[0]
    labels = re.findall(r'<span class="nav-label">([^<]+)</span>', nav)
    assert labels[:2] == ["Dashboard", "Map"]
    assert re.search(r'href="/map/" aria-current=page class="current"', nav)


def test_the_dashboard_loads_a_small_map_after_itself(signed_in: FlaskClient,
                                                      built: list) -> None:
    dashboard = signed_in.get("/").text
    assert 'hx-get="/map/mini" hx-trigger="revealed"' in dashboard
    assert built == []  # the dashboard itself does not wait for the map
    mini = signed_in.get("/map/mini", headers={"HX-Request": "true"}).text
    assert 'aria-labelledby="mini-map-title mini-map-desc"' in mini
    assert "7 problems" in mini and 'href="/map/"' in mini
    assert "<html" not in mini
    assert signed_in.get("/map/mini").headers["Location"] == "/map/"


def test_a_large_region_gets_a_count_and_a_link_on_the_dashboard(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = [Node(f"function:fn-{n}", model.FUNCTION, f"fn-{n}")
             for n in range(map_view.MINI_MAP_BOXES + 1)]
    monkeypatch.setattr(map_view, "build_map", lambda *a, **k: StackMap("us-east-1", nodes))
    mini = signed_in.get("/map/mini", headers={"HX-Request": "true"}).text
    assert "<svg" not in mini
    assert f"{map_view.MINI_MAP_BOXES + 1} boxes: too many to draw here." in mini
    assert "Open the map" in mini and "No problems marked." in mini
