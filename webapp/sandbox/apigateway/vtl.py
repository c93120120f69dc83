"""A subset of Velocity (VTL), as API Gateway's mapping templates use it.

Supported: references `$a.b`, `${a.b}`, `$!a` (quiet), method calls with arguments
(`$input.json('$.x')`, `$util.escapeJavaScript($x)`, `$list.size()`, `$map.get('k')`), indexing
`$a[0]`, `#set($x = …)`, `#if / #elseif / #else / #end`, `#foreach($x in …) … #end` with
`$foreach.hasNext` and `$foreach.index`, `##` comments, and expressions with string, number,
boolean and null literals, `[…]` lists, `== != < > <= >= && || !` (and `and or not`), `+ -`.
Double-quoted strings interpolate references and directives; single-quoted ones do not.
Not supported: macros, `#parse`/`#include`, `#break`/`#stop`, maps in `{…}`, ranges.
A reference to nothing renders as empty text (API Gateway's templates commonly rely on it).

Templates are untrusted: members are reached only through vtl_members' allow-list, and every
render runs within vtl_budget's limits (steps, text, nesting, a #foreach's 1000 iterations), so
a template fails with TemplateError rather than reach Python or exhaust the process.
"""
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from webapp.sandbox.apigateway.vtl_budget import (FOREACH_LIMIT, INTEGER_LIMIT, NESTING_LIMIT,
                                                  Budget, TemplateError, check_output,
                                                  check_text, current, metered)
from webapp.sandbox.apigateway.vtl_members import call, equal, index, read, to_text

__all__ = ["TemplateError", "render", "to_text"]

IDENTIFIER = re.compile(r"[A-Za-z_][\w-]*")
DIRECTIVE = re.compile(r"#(?:\{)?(set|if|elseif|else|end|foreach)(?:\})?")
TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<operator>==|!=|<=|>=|&&|\|\||[<>!=+\-*/%(),.\[\]$!{}])
  | (?P<word>[A-Za-z_][\w-]*)
)""", re.VERBOSE)
WORD_OPERATORS = {"and": "&&", "or": "||", "not": "!", "eq": "==", "ne": "!=", "lt": "<",
                  "gt": ">", "le": "<=", "ge": ">="}
CONSTANTS = {"true": True, "false": False, "null": None}
LINE_END = re.compile(r"[ \t]*\n")
TOO_DEEP = f"the template nests more than {NESTING_LIMIT} deep"


# Nodes of a parsed template: text, an expression to render, or a directive with its bodies.
@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Render:
    expression: "Expression"
    quiet: bool
    source: str


@dataclass(frozen=True, slots=True)
class SetVariable:
    name: str
    expression: "Expression"


@dataclass(frozen=True, slots=True)
class IfBlock:
    branches: tuple[tuple["Expression | None", tuple[Any, ...]], ...]


@dataclass(frozen=True, slots=True)
class ForEach:
    name: str
    expression: "Expression"
    body: tuple[Any, ...]


Expression = Callable[[dict[str, Any]], Any]


def render(template: str, variables: dict[str, Any]) -> str:
    """The template's output with `variables` ($input, $util, $context …) in scope."""
    with metered() as budget:
        try:
            nodes = _Parser(template).nodes()
            return _join(_run(nodes, dict(variables), budget), check_output)
        except RecursionError:
            raise TemplateError(TOO_DEEP) from None


def _run(nodes: tuple[Any, ...], scope: dict[str, Any], budget: Budget) -> Iterator[str]:
    for node in nodes:
        budget.step()
        if isinstance(node, Text):
            yield node.text
        elif isinstance(node, Render):
            yield to_text(node.expression(scope))
        elif isinstance(node, SetVariable):
            scope[node.name] = node.expression(scope)
        elif isinstance(node, IfBlock):
            for condition, body in node.branches:
                if condition is None or _truthy(condition(scope)):
                    yield from _run(body, scope, budget)
                    break
        elif isinstance(node, ForEach):
            items = list(itertools.islice(_iterable(node.expression(scope)), FOREACH_LIMIT))
            for position, item in enumerate(items):
                scope[node.name] = item
                scope["foreach"] = {"hasNext": position + 1 < len(items), "index": position,
                                    "count": position + 1}
                yield from _run(node.body, scope, budget)


def _join(chunks: Iterable[str], check: Callable[[int], None]) -> str:
    """The chunks as one text, checked as it grows so an oversized one is never built."""
    parts: list[str] = []
    length = 0
    for chunk in chunks:
        length += len(chunk)
        check(length)
        parts.append(chunk)
    return "".join(parts)


def _truthy(value: Any) -> bool:
    return value is not None and value is not False and value != ""


def _iterable(value: Any) -> Iterator[Any]:
    if type(value) in (dict, list):
        return iter(value)
    return iter(())


class _Parser:
    """Template text → nodes."""

    def __init__(self, template: str, depth: int = 0) -> None:
        self._text = template
        self._at = 0
        self._depth = depth

    def nodes(self) -> tuple[Any, ...]:
        body, ending = self._block()
        if ending is not None:
            raise TemplateError(f"#{ending} without a block")
        return body

    def _block(self) -> tuple[tuple[Any, ...], str | None]:
        """Nodes up to an #elseif/#else/#end (which is returned, its argument left to read)."""
        self._depth += 1
        if self._depth > NESTING_LIMIT:
            raise TemplateError(TOO_DEEP)
        try:
            return self._nodes_to_ending()
        finally:
            self._depth -= 1

    def _nodes_to_ending(self) -> tuple[tuple[Any, ...], str | None]:
        nodes: list[Any] = []
        text: list[str] = []
        while self._at < len(self._text):
            char = self._text[self._at]
            if self._text.startswith("##", self._at):
                end = self._text.find("\n", self._at)
                self._at = len(self._text) if end < 0 else end + 1
                continue
            directive = DIRECTIVE.match(self._text, self._at) if char == "#" else None
            if directive:
                self._flush(text, nodes)
                self._at = directive.end()
                name = directive[1]
                if name in ("elseif", "else", "end"):
                    return tuple(nodes), name
                nodes.append(self._directive(name))
                continue
            if char == "$":
                reference = self._reference()
                if reference is not None:
                    self._flush(text, nodes)
                    nodes.append(reference)
                    continue
            text.append(char)
            self._at += 1
        self._flush(text, nodes)
        return tuple(nodes), None

    @staticmethod
    def _flush(text: list[str], nodes: list[Any]) -> None:
        if text:
            nodes.append(Text("".join(text)))
            text.clear()

    def _directive(self, name: str) -> Any:
        if name == "set":
            argument = self._arguments()
            target, _, value = argument.partition("=")
            variable = IDENTIFIER.search(target)
            if variable is None:
                raise TemplateError(f"#set({argument})")
            self._skip_line_end()
            return SetVariable(variable[0], _expression(value, self._depth))
        if name == "foreach":
            argument = self._arguments()
            found = re.fullmatch(r"\s*\$\{?(\w+)\}?\s+in\s+(.+)", argument, re.DOTALL)
            if found is None:
                raise TemplateError(f"#foreach({argument})")
            body, ending = self._block()
            if ending != "end":
                raise TemplateError("#foreach without #end")
            return ForEach(found[1], _expression(found[2], self._depth), body)
        return self._if()

    def _if(self) -> IfBlock:
        branches: list[tuple[Expression | None, tuple[Any, ...]]] = []
        condition: Expression | None = _expression(self._arguments(), self._depth)
        while True:
            body, ending = self._block()
            branches.append((condition, body))
            if ending == "end":
                return IfBlock(tuple(branches))
            if ending == "elseif":
                condition = _expression(self._arguments(), self._depth)
            elif ending == "else":
                condition = None
            else:
                raise TemplateError("#if without #end")

    def _arguments(self) -> str:
        """The text inside the parentheses that follow, quotes and nesting respected."""
        while self._at < len(self._text) and self._text[self._at] in " \t":
            self._at += 1
        if self._at >= len(self._text) or self._text[self._at] != "(":
            raise TemplateError("a directive needs (…)")
        end = _closing(self._text, self._at)
        argument = self._text[self._at + 1:end]
        self._at = end + 1
        return argument

    def _skip_line_end(self) -> None:
        match = LINE_END.match(self._text, self._at)
        if match:
            self._at = match.end()

    def _reference(self) -> Render | None:
        """A $reference in text, or None if the $ is literal."""
        start = self._at
        at = start + 1
        quiet = self._text.startswith("!", at)
        at += quiet
        braced = self._text.startswith("{", at)
        at += braced
        if not IDENTIFIER.match(self._text, at):
            return None
        at = IDENTIFIER.match(self._text, at).end()  # type: ignore[union-attr]
        while at < len(self._text):
            char = self._text[at]
            if char == "." and IDENTIFIER.match(self._text, at + 1):
                at = IDENTIFIER.match(self._text, at + 1).end()  # type: ignore[union-attr]
            elif char in "([":
                at = _closing(self._text, at) + 1
            else:
                break
        if braced:
            if not self._text.startswith("}", at):
                return None
            source = self._text[start:at + 1]
            inner = self._text[start + 2 + quiet:at]
            at += 1
        else:
            source = self._text[start:at]
            inner = self._text[start + 1 + quiet:at]
        self._at = at
        return Render(_expression("$" + inner, self._depth), quiet, source)


def _closing(text: str, start: int) -> int:
    """Where the bracket opened at `start` closes."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[str] = []
    quote: str | None = None
    index = start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in pairs:
            stack.append(pairs[char])
        elif stack and char == stack[-1]:
            stack.pop()
            if not stack:
                return index
        index += 1
    raise TemplateError(f"unclosed {text[start]}")


def _expression(source: str, depth: int) -> Expression:
    tokens = _tokens(source)
    parser = _ExpressionParser(tokens, depth)
    expression = parser.parse_or()
    if parser.position != len(tokens):
        raise TemplateError(f"cannot read expression {source!r}")
    return expression


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    source = source.strip()
    while position < len(source):
        match = TOKEN.match(source, position)
        if match is None or match.end() == position:
            raise TemplateError(f"cannot read {source[position:]!r}")
        kind = match.lastgroup or ""
        value = match[kind]
        if kind == "word" and value in WORD_OPERATORS:
            kind, value = "operator", WORD_OPERATORS[value]
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _ExpressionParser:
    """Precedence climbing over the tokens of one expression."""

    def __init__(self, tokens: list[tuple[str, str]], depth: int) -> None:
        self._tokens = tokens
        self._depth = depth
        self.position = 0

    def parse_or(self) -> Expression:
        self._depth += 1
        if self._depth > NESTING_LIMIT:
            raise TemplateError(TOO_DEEP)
        try:
            return self._or()
        finally:
            self._depth -= 1

    def _or(self) -> Expression:
        left = self._and()
        while self._accept("||"):
            right = self._and()
            left = (lambda l, r: lambda scope: _truthy(l(scope)) or _truthy(r(scope)))(left, right)
        return left

    def _and(self) -> Expression:
        left = self._comparison()
        while self._accept("&&"):
            right = self._comparison()
            left = (lambda l, r: lambda scope: _truthy(l(scope)) and _truthy(r(scope)))(left,
                                                                                      right)
        return left

    def _comparison(self) -> Expression:
        left = self._sum()
        for operator in ("==", "!=", "<=", ">=", "<", ">"):
            if self._accept(operator):
                right = self._sum()
                return (lambda l, r, op: lambda scope: _compare(op, l(scope), r(scope)))(
                    left, right, operator)
        return left

    def _sum(self) -> Expression:
        left = self._unary()
        while True:
            if self._accept("+"):
                right = self._unary()
                left = (lambda l, r: lambda scope: _plus(l(scope), r(scope)))(left, right)
            elif self._accept("-"):
                right = self._unary()
                left = (lambda l, r: lambda scope: _arithmetic(operator.sub, l(scope), r(scope)))(
                    left, right)
            else:
                return left

    def _unary(self) -> Expression:
        negations = 0
        while self._accept("!"):
            negations += 1
        operand = self._primary()
        if not negations:
            return operand
        odd = negations % 2 == 1
        return lambda scope: _truthy(operand(scope)) != odd

    def _primary(self) -> Expression:
        kind, value = self._next()
        if kind == "string":
            text = _unescape(value[1:-1])
            if value.startswith('"') and ("$" in text or "#" in text):
                nodes = _Parser(text, self._depth).nodes()
                return lambda scope: _interpolate(nodes, scope)
            return lambda scope: text
        if kind == "number":
            number = float(value) if "." in value else int(value)
            return lambda scope: number
        if kind == "word" and value in CONSTANTS:
            constant = CONSTANTS[value]
            return lambda scope: constant
        if value == "(":
            inner = self.parse_or()
            self._expect(")")
            return inner
        if value == "[":
            items = self._list("]")
            return lambda scope: [item(scope) for item in items]
        if value == "$":
            return self._reference()
        raise TemplateError(f"unexpected {value!r}")

    def _reference(self) -> Expression:
        self._accept("!")
        braced = self._accept("{")
        kind, name = self._next()
        if kind != "word":
            raise TemplateError(f"${name}")
        steps: list[Callable[[Any, dict[str, Any]], Any]] = []
        while True:
            if self._accept("."):
                _, member = self._next()
                if self._accept("("):
                    arguments = self._list(")")
                    steps.append((lambda m, a: lambda target, scope: call(
                        target, m, [argument(scope) for argument in a]))(member, arguments))
                else:
                    steps.append((lambda m: lambda target, scope: read(target, m))(member))
            elif self._accept("["):
                position = self.parse_or()
                self._expect("]")
                steps.append((lambda i: lambda target, scope: index(target, i(scope)))(position))
            else:
                break
        if braced:
            self._expect("}")

        def evaluate(scope: dict[str, Any]) -> Any:
            value = scope.get(name)
            for step in steps:
                value = step(value, scope)
            return value

        return evaluate

    def _list(self, closing: str) -> list[Expression]:
        items: list[Expression] = []
        if self._accept(closing):
            return items
        while True:
            items.append(self.parse_or())
            if self._accept(closing):
                return items
            self._expect(",")

    def _accept(self, operator: str) -> bool:
        if self.position < len(self._tokens) and self._tokens[self.position] == ("operator",
                                                                                 operator):
            self.position += 1
            return True
        return False

    def _expect(self, operator: str) -> None:
        if not self._accept(operator):
            raise TemplateError(f"expected {operator!r}")

    def _next(self) -> tuple[str, str]:
        if self.position >= len(self._tokens):
            raise TemplateError("expression ends too soon")
        token = self._tokens[self.position]
        self.position += 1
        return token


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _interpolate(nodes: tuple[Any, ...], scope: dict[str, Any]) -> str:
    budget = current()
    text = _join(_run(nodes, scope, budget), check_text)
    budget.build(len(text))
    return text


def _compare(comparison: str, left: Any, right: Any) -> bool:
    """VTL's comparisons: == by value, else by printed text; order only numbers or strings."""
    if comparison == "==":
        return equal(left, right) or (left is not None and right is not None
                                      and type(left) is not type(right)
                                      and to_text(left) == to_text(right))
    if comparison == "!=":
        return not _compare("==", left, right)
    if type(left) is str and type(right) is str:
        current().scan(min(len(left), len(right)))
    elif not (_is_number(left) and _is_number(right)):
        return False
    return {"<": operator.lt, ">": operator.gt, "<=": operator.le,
            ">=": operator.ge}[comparison](left, right)


def _plus(left: Any, right: Any) -> Any:
    if type(left) is str or type(right) is str:
        first, second = to_text(left), to_text(right)
        current().build(len(first) + len(second))
        return first + second
    return _arithmetic(operator.add, left, right)


def _arithmetic(operation: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    """Numbers only (anything else is null, as in Velocity), within Java's long."""
    if not (_is_number(left) and _is_number(right)):
        return None
    result = operation(left, right)
    if type(result) is int and abs(result) >= INTEGER_LIMIT:
        raise TemplateError("an integer of the template went beyond 64 bits")
    return result


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)
