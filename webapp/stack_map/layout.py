"""Where each box and line of the stack map goes: pure geometry, drawn by the view as SVG.

Columns read left to right (model.COLUMN_OF; a column with no box takes no room). The first
column lists each API followed by its stages; every later column is ordered by where its boxes'
neighbours in earlier columns sit (their mean height), ties by name (a method by its path) and
then by key, and each box is pulled down level with those neighbours when there is room. Nothing
depends on the order nodes arrive in, so the same stack draws the same map on every visit.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from webapp.stack_map.model import (
    API, LOGGING_ROLE, LOGGING_ROLE_OF, METHOD, Edge, Node, Problem, StackMap,
)

BOX_WIDTH, BOX_HEIGHT = 172, 44
COLUMN_GAP, ROW_GAP = 48, 12
MARGIN = 16
HEADER_HEIGHT = 28      # the column titles above the first row
LOOP = 20               # how far a line between two boxes of one column bulges to their left
LABEL_CHARS, DETAIL_CHARS = 20, 24   # what fits a box at the stylesheet's font sizes
MARK_CHARS = 2          # a problem's mark takes the end of the label's line
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Box:
    """A node's box: its top-left corner, its shortened words and the problems marked on it."""

    node: Node
    x: int
    y: int
    label: str
    detail: str
    problems: tuple[Problem, ...] = ()
    width: int = BOX_WIDTH
    height: int = BOX_HEIGHT

    @property
    def middle(self) -> int:
        return self.y + self.height // 2

    @property
    def right(self) -> int:
        return self.x + self.width


@dataclass(frozen=True, slots=True)
class Line:
    """An edge as a cubic Bézier from `start` (on its source box) to `end` (on its target)."""

    edge: Edge
    start: tuple[int, int]
    end: tuple[int, int]
    path: str


@dataclass(frozen=True, slots=True)
class Column:
    """A drawn column: the model's column number and its left edge."""

    number: int
    x: int


@dataclass(frozen=True, slots=True)
class Layout:
    """The whole picture: boxes in drawing order, lines, columns and the canvas size."""

    boxes: tuple[Box, ...]
    lines: tuple[Line, ...]
    columns: tuple[Column, ...]
    width: int
    height: int

    def box(self, key: str) -> Box | None:
        return next((box for box in self.boxes if box.node.key == key), None)


def shorten(text: str, limit: int) -> str:
    """The text cut to `limit` columns, the last an ellipsis when something was cut (a Hangul
    or other wide character takes two columns)."""
    widths = [2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text]
    if sum(widths) <= limit:
        return text
    used, end = 0, 0
    while end < len(text) and used + widths[end] <= limit - 1:
        used += widths[end]
        end += 1
    return text[:end] + ELLIPSIS


def lay_out(stack_map: StackMap) -> Layout:
    """Place every node of the map, then route every edge between the boxes it joins."""
    nodes = {node.key: node for node in stack_map.nodes}
    edges = [edge for edge in stack_map.edges if edge.source in nodes and edge.target in nodes]
    problems: dict[str, list[Problem]] = defaultdict(list)
    for problem in stack_map.problems:
        problems[problem.node].append(problem)
    numbers = sorted({node.column for node in nodes.values()})
    columns = tuple(Column(number, MARGIN + LOOP + index * (BOX_WIDTH + COLUMN_GAP))
                    for index, number in enumerate(numbers))
    x_of = {column.number: column.x for column in columns}
    middles: dict[str, float] = {}
    boxes: list[Box] = []
    by_column: dict[int, list[Node]] = defaultdict(list)
    for node in nodes.values():
        by_column[node.column].append(node)
    for number in numbers:
        ordered = _order(by_column[number], edges, middles)
        boxes.extend(_stack(ordered, x_of[number], edges, middles, problems))
    lines = tuple(_line(edge, middles, x_of, nodes) for edge in edges)
    width = (columns[-1].x + BOX_WIDTH + MARGIN) if columns else 2 * MARGIN
    bottom = max((box.y + box.height for box in boxes), default=HEADER_HEIGHT)
    return Layout(tuple(boxes), lines, columns, width, bottom + MARGIN)


def _order(column: list[Node], edges: list[Edge], middles: dict[str, float]) -> list[Node]:
    """A column's boxes top to bottom: related boxes near each other, the rest by key."""
    keys = {node.key for node in column}
    inside = [edge for edge in edges if edge.source in keys and edge.target in keys]
    children: dict[str, list[str]] = defaultdict(list)
    for edge in inside:
        if edge.reason != LOGGING_ROLE_OF:  # the account's role is drawn below the APIs
            children[edge.source].append(edge.target)
    nested = {child for kids in children.values() for child in kids}
    roots = [node for node in column if node.key not in nested]
    neighbours: dict[str, list[float]] = defaultdict(list)
    for edge in edges:
        if edge.source in middles and edge.target in keys:
            neighbours[edge.target].append(middles[edge.source])
        elif edge.target in middles and edge.source in keys:
            neighbours[edge.source].append(middles[edge.target])

    def rank(node: Node) -> tuple[int, float, tuple[str, ...]]:
        found = neighbours.get(node.key)
        if found:
            return (0, sum(found) / len(found), _name_order(node))
        return (2 + (node.kind == LOGGING_ROLE) - (node.kind == API), 0.0, _name_order(node))

    by_key = {node.key: node for node in column}
    ordered: list[Node] = []
    placed: set[str] = set()
    for root in sorted(roots, key=rank):
        _append_with_children(root, children, by_key, ordered, placed)
    for node in sorted(column, key=rank):  # a cycle inside the column has no root: keep it
        _append_with_children(node, children, by_key, ordered, placed)
    return ordered


def _name_order(node: Node) -> tuple[str, ...]:
    """Boxes level with the same neighbours read by name (a method by its path), then by key."""
    if node.kind == METHOD:
        method, _, path = node.label.partition(" ")
        return (path, method, node.key)
    return (node.label, node.key)


def _append_with_children(node: Node, children: dict[str, list[str]], by_key: dict[str, Node],
                          ordered: list[Node], placed: set[str]) -> None:
    pending = [node]
    while pending:
        current = pending.pop()
        if current.key in placed:
            continue
        placed.add(current.key)
        ordered.append(current)
        kids = sorted(children.get(current.key, ()), reverse=True)
        pending.extend(by_key[kid] for kid in kids if kid not in placed)


def _stack(ordered: list[Node], x: int, edges: list[Edge], middles: dict[str, float],
           problems: dict[str, list[Problem]]) -> list[Box]:
    """Boxes one under another, each lowered to its neighbours' mean height when it can be."""
    wanted: dict[str, list[float]] = defaultdict(list)
    for edge in edges:
        if edge.source in middles:
            wanted[edge.target].append(middles[edge.source])
        if edge.target in middles:
            wanted[edge.source].append(middles[edge.target])
    boxes = []
    top = HEADER_HEIGHT
    for node in ordered:
        heights = wanted.get(node.key)
        y = top
        if heights:
            y = max(top, round(sum(heights) / len(heights)) - BOX_HEIGHT // 2)
        marked = tuple(problems.get(node.key, ()))
        label_chars = LABEL_CHARS - MARK_CHARS if marked else LABEL_CHARS
        box = Box(node, x, y, shorten(node.label, label_chars), shorten(node.detail, DETAIL_CHARS),
                  marked)
        boxes.append(box)
        middles[node.key] = box.middle
        top = y + BOX_HEIGHT + ROW_GAP
    return boxes


def _line(edge: Edge, middles: dict[str, float], x_of: dict[int, int],
          nodes: dict[str, Node]) -> Line:
    """Right side to left side going right; a loop out to the left within one column."""
    source, target = nodes[edge.source], nodes[edge.target]
    y1, y2 = int(middles[edge.source]), int(middles[edge.target])
    left1, left2 = x_of[source.column], x_of[target.column]
    if source.column == target.column:
        start, end = (left1, y1), (left2, y2)
        bend1, bend2 = (left1 - LOOP, y1), (left2 - LOOP, y2)
    elif source.column < target.column:
        start, end = (left1 + BOX_WIDTH, y1), (left2, y2)
        reach = (end[0] - start[0]) // 2
        bend1, bend2 = (start[0] + reach, y1), (end[0] - reach, y2)
    else:
        start, end = (left1, y1), (left2 + BOX_WIDTH, y2)
        reach = (start[0] - end[0]) // 2
        bend1, bend2 = (start[0] - reach, y1), (end[0] + reach, y2)
    path = (f"M{start[0]},{start[1]} C{bend1[0]},{bend1[1]} {bend2[0]},{bend2[1]} "
            f"{end[0]},{end[1]}")
    return Line(edge, start, end, path)
