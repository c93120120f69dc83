"""The stack map's layout: boxes never overlap, lines end on their boxes, the same map each visit."""
from __future__ import annotations

import random
from itertools import pairwise

from webapp.stack_map import model
from webapp.stack_map.layout import (
    BOX_WIDTH, ELLIPSIS, LABEL_CHARS, MARK_CHARS, Box, Layout, lay_out, shorten,
)
from webapp.stack_map.model import Edge, Node, Problem, StackMap


def big_map(apis: int = 20, functions: int = 50, tables: int = 50) -> StackMap:
    """A region the size the issue names: 20 APIs, 50 functions, 50 tables, ~400 boxes."""
    nodes: list[Node] = [Node("logging-role:apigw-logs", model.LOGGING_ROLE, "apigw-logs")]
    edges: list[Edge] = []
    for a in range(apis):
        api = f"api:{a:03}"
        nodes += [Node(api, model.API, f"api-{a}"), Node(f"stage:{a:03}/prod", model.STAGE, "prod")]
        edges += [Edge(api, f"stage:{a:03}/prod", model.STAGE_OF),
                  Edge("logging-role:apigw-logs", api, model.LOGGING_ROLE_OF)]
        for m in range(5):
            method = f"method:{a:03}/{m}"
            nodes.append(Node(method, model.METHOD, f"GET /things/{m}"))
            edges += [Edge(api, method, model.METHOD_OF),
                      Edge(method, f"function:fn-{(a * 5 + m) % functions:03}",
                           model.PROXY_INTEGRATION)]
    nodes.append(Node("policy:basic", model.POLICY, "AWSLambdaBasicExecutionRole"))
    for f in range(functions):
        function, role = f"function:fn-{f:03}", f"role:role-{f // 2:03}"
        nodes += [Node(function, model.FUNCTION, f"fn-{f:03}", "python3.12"),
                  Node(f"log-group:/aws/lambda/fn-{f:03}", model.LOG_GROUP,
                       f"/aws/lambda/fn-{f:03}", exists=f % 7 != 0)]
        edges += [Edge(function, role, model.RUNS_AS),
                  Edge(function, f"log-group:/aws/lambda/fn-{f:03}", model.LOGS_TO)]
        if f % 2 == 0:
            nodes.append(Node(role, model.ROLE, f"role-{f // 2:03}"))
            edges.append(Edge(role, "policy:basic", model.ATTACHED))
    for t in range(tables):
        policy, table = f"policy:p-{t:03}", f"table:t-{t:03}"
        nodes += [Node(policy, model.POLICY, f"p-{t:03}"), Node(table, model.TABLE, f"t-{t:03}")]
        edges += [Edge(f"role:role-{(t // 2) % (functions // 2):03}", policy, model.ATTACHED),
                  Edge(policy, table, model.REACHES, (("actions", "dynamodb:GetItem"),))]
    problems = [Problem("stage:003/prod", model.STALE_STAGE),
                Problem("function:fn-007", model.FAILING_INVOCATIONS),
                Problem("function:fn-007", model.CANNOT_WRITE_LOGS)]
    return StackMap("ap-northeast-2", nodes, edges, problems)


def on_border(point: tuple[int, int], box: Box) -> bool:
    x, y = point
    return x in (box.x, box.right) and box.y <= y <= box.y + box.height


def test_a_region_of_the_issues_size_lays_out_without_overlaps() -> None:
    stack_map = big_map()
    assert 350 <= len(stack_map.nodes) <= 450
    layout = lay_out(stack_map)
    assert len(layout.boxes) == len(stack_map.nodes)
    for box in layout.boxes:
        assert box.x >= 0 and box.y >= 0
        assert box.right <= layout.width and box.y + box.height <= layout.height
    by_x: dict[int, list[Box]] = {}
    for box in layout.boxes:
        by_x.setdefault(box.x, []).append(box)
    for above, below in (pair for column in by_x.values()
                         for pair in pairwise(sorted(column, key=lambda box: box.y))):
        assert above.y + above.height < below.y, (above.node.key, below.node.key)
    lefts = sorted(by_x)
    assert all(right - left >= BOX_WIDTH for left, right in pairwise(lefts))


def test_every_line_starts_on_its_source_box_and_ends_on_its_target() -> None:
    stack_map = big_map()
    layout = lay_out(stack_map)
    assert len(layout.lines) == len(stack_map.edges)
    for line in layout.lines:
        source, target = layout.box(line.edge.source), layout.box(line.edge.target)
        assert source and target
        assert on_border(line.start, source) and on_border(line.end, target), line.edge
        assert line.path.startswith(f"M{line.start[0]},{line.start[1]} C")
        assert line.path.endswith(f" {line.end[0]},{line.end[1]}")


def test_lines_going_right_leave_a_right_side_and_reach_a_left_side() -> None:
    layout = lay_out(big_map())
    proxy = next(line for line in layout.lines if line.edge.reason == model.PROXY_INTEGRATION)
    assert proxy.start[0] == layout.box(proxy.edge.source).right
    assert proxy.end[0] == layout.box(proxy.edge.target).x
    logs_to = next(line for line in layout.lines if line.edge.reason == model.LOGS_TO)
    assert logs_to.end[0] == layout.box(logs_to.edge.target).x  # three columns over


def test_the_same_map_in_any_order_lays_out_the_same() -> None:
    first = lay_out(big_map())
    shuffled = big_map()
    rng = random.Random(21)
    rng.shuffle(shuffled.nodes)
    rng.shuffle(shuffled.edges)
    second = lay_out(shuffled)
    assert positions(first) == positions(second)
    assert first.width == second.width and first.height == second.height


def positions(layout: Layout) -> dict[str, tuple[int, int]]:
    return {box.node.key: (box.x, box.y) for box in layout.boxes}


def test_columns_read_left_to_right_and_stages_sit_under_their_api() -> None:
    layout = lay_out(big_map())
    x_of_kind = {box.node.kind: box.x for box in layout.boxes}
    assert (x_of_kind[model.API] < x_of_kind[model.METHOD] < x_of_kind[model.FUNCTION]
            < x_of_kind[model.ROLE] < x_of_kind[model.POLICY] < x_of_kind[model.TABLE])
    assert x_of_kind[model.TABLE] == x_of_kind[model.LOG_GROUP]
    first_column = [box.node.key for box in sorted(layout.boxes, key=lambda box: box.y)
                    if box.x == x_of_kind[model.API]]
    assert first_column[:4] == ["api:000", "stage:000/prod", "api:001", "stage:001/prod"]
    assert first_column[-1] == "logging-role:apigw-logs"


def test_boxes_follow_their_neighbours_to_the_left() -> None:
    layout = lay_out(big_map())
    functions = sorted((box for box in layout.boxes if box.node.kind == model.FUNCTION),
                       key=lambda box: box.y)
    # fn-000…fn-004 are called by api-0's methods, the first five on the map
    assert [box.node.label for box in functions[:5]] == [f"fn-{f:03}" for f in range(5)]


def test_an_apis_methods_read_by_path_then_method() -> None:
    labels = ["POST /items", "GET /items/{id}", "DELETE /items/{id}", "GET /items"]
    nodes = [Node("api:a", model.API, "items-api")] + [
        Node(f"method:a/{key}", model.METHOD, label) for key, label in zip("zyxw", labels)]
    edges = [Edge("api:a", node.key, model.METHOD_OF) for node in nodes[1:]]
    layout = lay_out(StackMap("ap-northeast-2", nodes, edges))
    methods = sorted((box for box in layout.boxes if box.node.kind == model.METHOD),
                     key=lambda box: box.y)
    assert [box.node.label for box in methods] == [
        "GET /items", "POST /items", "DELETE /items/{id}", "GET /items/{id}"]


def test_long_labels_are_cut_with_an_ellipsis_and_problems_go_on_their_box() -> None:
    name = "a-function-name-far-too-long-for-its-box"
    stack_map = StackMap("ap-northeast-2", [Node(f"function:{name}", model.FUNCTION, name),
                                            Node(f"function:{name}-2", model.FUNCTION, name)],
                         problems=[Problem(f"function:{name}", model.FAILING_INVOCATIONS)])
    marked, plain = lay_out(stack_map).boxes
    assert len(plain.label) == LABEL_CHARS and plain.label.endswith(ELLIPSIS)
    assert name.startswith(plain.label[:-1])
    assert [problem.kind for problem in marked.problems] == [model.FAILING_INVOCATIONS]
    assert len(marked.label) == LABEL_CHARS - MARK_CHARS  # the mark takes the line's end
    assert plain.problems == ()


def test_wide_characters_count_double_when_cutting() -> None:
    assert shorten("API Gateway 로깅 역할", 20) == "API Gateway 로깅 역…"  # 19 columns + …
    assert shorten("items-fn", 20) == "items-fn"
    assert shorten("abcdefghij", 5) == "abcd…"


def test_an_empty_map_is_an_empty_canvas() -> None:
    layout = lay_out(StackMap("ap-northeast-2"))
    assert layout.boxes == () and layout.lines == () and layout.width > 0
