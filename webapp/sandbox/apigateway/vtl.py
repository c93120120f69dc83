"""A subset of Velocity (VTL), as API Gateway's mapping templates use it.

Supported: references `$a.b`, `${a.b}`, `$!a` (quiet), method calls with arguments
(`$input.json('$.x')`, `$util.escapeJavaScript($x)`, `$list.size()`, `$map.put('k', 1)`),
indexing `$a[0]`, `#set($x = …)` and `#set($map.key = …)` / `#set($map['key'] = …)`,
`#if / #elseif / #else / #end`, `#foreach($x in …) … #end` (a map gives its values, as in
Velocity) with `$foreach.hasNext/index/count/first/last/parent` and Velocity 1.7's
`$velocityCount` and `$velocityHasNext`, `#break` (ends the innermost #foreach, or the template
outside one) and `#stop` (ends the template, keeping what was rendered), `#macro(name $a $b) …
#end` called as `#name(1 2)`, `##` comments, and expressions with string, number, boolean and
null literals, `[…]` lists, `{"k": v}` maps, ranges `[1..5]` and `[5..1]`,
`== != < > <= >= && || !` (and `and or not`), `+ - * / %` (Java's integer division and
remainder; dividing by zero is null, as Velocity answers) and unary minus.
Double-quoted strings interpolate references and directives; single-quoted ones do not.
Not supported: `#parse`/`#include`/`#evaluate`/`#define`, macro arguments passed by name (they
are passed by value). A reference to nothing renders as empty text (API Gateway's templates
commonly rely on it).

Templates are untrusted: members are reached only through vtl_members' allow-list, and every
render runs within vtl_budget's limits (steps, text, nesting, a #foreach's 1000 iterations, a
range's items, macro depth), so a template fails with TemplateError rather than reach Python or
exhaust the process. The values given to a render are copied first, so what a template puts in
its maps and lists stays in that render.

Why not airspeed (the pure-Python Velocity engine on PyPI)? Evaluated for issue 17: it resolves
`$x.name` with Python's getattr on any object after a failed item lookup (so `$x.__class__` and
any Python method are reachable, and `#evaluate` renders text built at run time), it has no step,
text, loop or nesting budget to bound a hostile template, a range `[1..n]` of any size is iterated
in full, and the sandbox may import only the standard library, moto, werkzeug, freezegun and re2.
Making it safe would mean wrapping every value it sees and patching its evaluator: more code, and
less sure, than this engine's allow-list.
"""
import itertools
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from webapp.sandbox.apigateway.vtl_budget import (FOREACH_LIMIT, INTEGER_LIMIT, NESTING_LIMIT,
                                                  Budget, TemplateError, check_output,
                                                  check_text, current, metered)
from webapp.sandbox.apigateway.vtl_members import (assign, call, equal, index, read, to_text,
                                                   KEY_TYPES)

__all__ = ["TemplateError", "render", "to_text"]

IDENTIFIER = re.compile(r"[A-Za-z_][\w-]*")
DIRECTIVE_NAMES = "set|if|elseif|else|end|foreach|macro|break|stop"
DIRECTIVE = re.compile(rf"#(?:\{{({DIRECTIVE_NAMES})\}}|({DIRECTIVE_NAMES})(?![\w-]))")
MACRO_CALL = re.compile(r"#(?:\{([A-Za-z_][\w-]*)\}|([A-Za-z_][\w-]*))(?=[ \t]*\()")
MACRO_PARAMETER = re.compile(r"\$\{?([A-Za-z_][\w-]*)\}?")
TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<operator>\.\.|==|!=|<=|>=|&&|\|\||[<>!=+\-*/%(),.\[\]$!{}:])
  | (?P<word>[A-Za-z_][\w-]*)
)""", re.VERBOSE)
WORD_OPERATORS = {"and": "&&", "or": "||", "not": "!", "eq": "==", "ne": "!=", "lt": "<",
                  "gt": ">", "le": "<=", "ge": ">="}
CONSTANTS = {"true": True, "false": False, "null": None}
LINE_END = re.compile(r"[ \t]*\n")
TOO_DEEP = f"the template nests more than {NESTING_LIMIT} deep"
# The variables a #foreach sets, put back as they were when it ends.
LOOP_VARIABLES = ("foreach", "velocityCount", "velocityHasNext")
_ABSENT = object()


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
    """`#set($name.a['b'] = value)`: each step of the path is (is it [indexed], its key)."""

    name: str
    path: tuple[tuple[bool, "Expression"], ...]
    expression: "Expression"


@dataclass(frozen=True, slots=True)
class IfBlock:
    branches: tuple[tuple["Expression | None", tuple[Any, ...]], ...]


@dataclass(frozen=True, slots=True)
class ForEach:
    name: str
    expression: "Expression"
    body: tuple[Any, ...]


@dataclass(slots=True)
class Macro:
    """A #macro's parameters and body (filled in once its #end is read)."""

    parameters: tuple[str, ...]
    body: tuple[Any, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class MacroCall:
    macro: Macro
    arguments: tuple["Expression", ...]


@dataclass(frozen=True, slots=True)
class Break:
    """#break: ends the innermost #foreach (the template, outside one)."""


@dataclass(frozen=True, slots=True)
class Stop:
    """#stop: ends the template; what was rendered stays."""


class _Broken(Exception):
    """A #break on its way to its #foreach."""


class _Stopped(Exception):
    """A #stop on its way out of the template."""


Expression = Callable[[dict[str, Any]], Any]


def render(template: str, variables: dict[str, Any]) -> str:
    """The template's output with `variables` ($input, $util, $context …) in scope."""
    with metered() as budget:
        try:
            nodes = _Parser(template).nodes()
            scope = {name: _own(value) for name, value in variables.items()}
            return _join(_template(nodes, scope, budget), check_output)
        except RecursionError:
            raise TemplateError(TOO_DEEP) from None


def _own(value: Any) -> Any:
    """A copy of a JSON value given to the render, so the template's changes stay its own."""
    current().step()
    if type(value) is dict:
        return {key: _own(item) for key, item in value.items()}
    if type(value) is list:
        return [_own(item) for item in value]
    return value


def _template(nodes: tuple[Any, ...], scope: dict[str, Any], budget: Budget) -> Iterator[str]:
    try:
        yield from _run(nodes, scope, budget)
    except (_Broken, _Stopped):
        return


def _run(nodes: tuple[Any, ...], scope: dict[str, Any], budget: Budget) -> Iterator[str]:
    for node in nodes:
        budget.step()
        if isinstance(node, Text):
            yield node.text
        elif isinstance(node, Render):
            yield to_text(node.expression(scope))
        elif isinstance(node, SetVariable):
            _set(node, scope)
        elif isinstance(node, IfBlock):
            for condition, body in node.branches:
                if condition is None or _truthy(condition(scope)):
                    yield from _run(body, scope, budget)
                    break
        elif isinstance(node, ForEach):
            yield from _foreach(node, scope, budget)
        elif isinstance(node, MacroCall):
            yield from _call_macro(node, scope, budget)
        elif isinstance(node, Break):
            raise _Broken
        elif isinstance(node, Stop):
            raise _Stopped


def _set(node: SetVariable, scope: dict[str, Any]) -> None:
    value = node.expression(scope)
    if not node.path:
        scope[node.name] = value
        return
    target = scope.get(node.name)
    for indexed, key in node.path[:-1]:
        target = index(target, key(scope)) if indexed else read(target, key(scope))
    assign(target, node.path[-1][1](scope), value)


def _foreach(node: ForEach, scope: dict[str, Any], budget: Budget) -> Iterator[str]:
    items = list(itertools.islice(_iterable(node.expression(scope)), FOREACH_LIMIT))
    saved = {name: scope.get(name, _ABSENT) for name in (node.name, *LOOP_VARIABLES)}
    parent = scope.get("foreach")
    try:
        for position, item in enumerate(items):
            has_next = position + 1 < len(items)
            state = {"hasNext": has_next, "index": position, "count": position + 1,
                     "first": position == 0, "last": not has_next}
            if parent is not None:
                state["parent"] = parent
            scope.update({node.name: item, "foreach": state, "velocityCount": position + 1,
                          "velocityHasNext": has_next})
            yield from _run(node.body, scope, budget)
    except _Broken:
        pass
    finally:
        _restore(scope, saved)


def _call_macro(node: MacroCall, scope: dict[str, Any], budget: Budget) -> Iterator[str]:
    """Run a macro with its parameters bound to the arguments' values, then unbind them."""
    macro = node.macro
    values = [argument(scope) for argument in node.arguments]
    saved = {name: scope.get(name, _ABSENT) for name in macro.parameters}
    with budget.macro():
        try:
            scope.update(itertools.zip_longest(macro.parameters, values[:len(macro.parameters)]))
            yield from _run(macro.body, scope, budget)
        finally:
            _restore(scope, saved)


def _restore(scope: dict[str, Any], saved: dict[str, Any]) -> None:
    for name, value in saved.items():
        if value is _ABSENT:
            scope.pop(name, None)
        else:
            scope[name] = value


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
    """What #foreach walks: a list's items, a map's values (as Velocity's Map iterator)."""
    if type(value) is list:
        return iter(value)
    if type(value) is dict:
        return iter(value.values())
    return iter(())


class _Parser:
    """Template text → nodes."""

    def __init__(self, template: str, depth: int = 0,
                 macros: dict[str, Macro] | None = None) -> None:
        self._text = template
        self._at = 0
        self._depth = depth
        self._macros: dict[str, Macro] = {} if macros is None else macros

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
            if char == "#":
                node, ending = self._hash(text, nodes)
                if ending is not None:
                    return tuple(nodes), ending
                if node is not None:
                    nodes.append(node)
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

    def _hash(self, text: list[str], nodes: list[Any]) -> tuple[Any, str | None]:
        """At a '#': a directive's node, a block's ending, or (None, None) for a literal '#'."""
        directive = DIRECTIVE.match(self._text, self._at)
        if directive:
            self._flush(text, nodes)
            self._at = directive.end()
            name = directive[1] or directive[2]
            if name in ("elseif", "else", "end"):
                return None, name
            return self._directive(name), None
        call = MACRO_CALL.match(self._text, self._at)
        macro = self._macros.get(call[1] or call[2]) if call else None
        if call and macro is not None:
            self._flush(text, nodes)
            self._at = call.end()
            return MacroCall(macro, self._expressions(self._arguments())), None
        return None, None

    @staticmethod
    def _flush(text: list[str], nodes: list[Any]) -> None:
        if text:
            nodes.append(Text("".join(text)))
            text.clear()

    def _directive(self, name: str) -> Any:
        if name == "set":
            parser = _ExpressionParser(_tokens(self._arguments()), self._depth, self._macros)
            node = parser.assignment()
            self._skip_line_end()
            return node
        if name == "foreach":
            argument = self._arguments()
            found = re.fullmatch(r"\s*\$\{?(\w+)\}?\s+in\s+(.+)", argument, re.DOTALL)
            if found is None:
                raise TemplateError(f"#foreach({argument})")
            body, ending = self._block()
            if ending != "end":
                raise TemplateError("#foreach without #end")
            return ForEach(found[1], self._expression(found[2]), body)
        if name == "macro":
            return self._macro()
        if name == "break":
            return Break()
        if name == "stop":
            return Stop()
        return self._if()

    def _macro(self) -> Text:
        """Read a #macro definition: it renders nothing, not even the end of its line."""
        argument = self._arguments()
        found = re.fullmatch(r"\s*([A-Za-z_][\w-]*)((?:[\s,]+\$\{?[A-Za-z_][\w-]*\}?)*)\s*",
                             argument)
        if found is None:
            raise TemplateError(f"#macro({argument})")
        macro = Macro(tuple(MACRO_PARAMETER.findall(found[2])))
        self._macros[found[1]] = macro  # known before its body is read, so it may recurse
        body, ending = self._block()
        if ending != "end":
            raise TemplateError("#macro without #end")
        macro.body = body
        self._skip_line_end()
        return Text("")

    def _if(self) -> IfBlock:
        branches: list[tuple[Expression | None, tuple[Any, ...]]] = []
        condition: Expression | None = self._expression(self._arguments())
        while True:
            body, ending = self._block()
            branches.append((condition, body))
            if ending == "end":
                return IfBlock(tuple(branches))
            if ending == "elseif":
                condition = self._expression(self._arguments())
            elif ending == "else":
                condition = None
            else:
                raise TemplateError("#if without #end")

    def _expression(self, source: str) -> Expression:
        return _expression(source, self._depth, self._macros)

    def _expressions(self, source: str) -> tuple[Expression, ...]:
        """A macro call's arguments, apart by spaces or commas."""
        parser = _ExpressionParser(_tokens(source), self._depth, self._macros)
        arguments: list[Expression] = []
        while not parser.done():
            arguments.append(parser.parse_or())
            parser.accept(",")
        return tuple(arguments)

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
        return Render(self._expression("$" + inner), quiet, source)


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


def _expression(source: str, depth: int, macros: dict[str, Macro]) -> Expression:
    tokens = _tokens(source)
    parser = _ExpressionParser(tokens, depth, macros)
    expression = parser.parse_or()
    if not parser.done():
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

    def __init__(self, tokens: list[tuple[str, str]], depth: int,
                 macros: dict[str, Macro]) -> None:
        self._tokens = tokens
        self._depth = depth
        self._macros = macros
        self.position = 0

    def done(self) -> bool:
        """Whether every token has been read."""
        return self.position == len(self._tokens)

    def assignment(self) -> SetVariable:
        """`$name.key['key'] = value`, the argument of #set."""
        self._expect("$")
        braced = self.accept("{")
        kind, name = self._next()
        if kind != "word":
            raise TemplateError(f"#set(${name} …)")
        path: list[tuple[bool, Expression]] = []
        while True:
            if self.accept("."):
                _, member = self._next()
                path.append((False, (lambda m: lambda scope: m)(member)))
            elif self.accept("["):
                path.append((True, self.parse_or()))
                self._expect("]")
            else:
                break
        if braced:
            self._expect("}")
        self._expect("=")
        value = self.parse_or()
        if not self.done():
            raise TemplateError("#set(…) has more than one value")
        return SetVariable(name, tuple(path), value)

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
        while self.accept("||"):
            right = self._and()
            left = (lambda l, r: lambda scope: _truthy(l(scope)) or _truthy(r(scope)))(left, right)
        return left

    def _and(self) -> Expression:
        left = self._comparison()
        while self.accept("&&"):
            right = self._comparison()
            left = (lambda l, r: lambda scope: _truthy(l(scope)) and _truthy(r(scope)))(left,
                                                                                      right)
        return left

    def _comparison(self) -> Expression:
        left = self._sum()
        for operator_ in ("==", "!=", "<=", ">=", "<", ">"):
            if self.accept(operator_):
                right = self._sum()
                return (lambda l, r, op: lambda scope: _compare(op, l(scope), r(scope)))(
                    left, right, operator_)
        return left

    def _sum(self) -> Expression:
        left = self._product()
        while True:
            if self.accept("+"):
                right = self._product()
                left = (lambda l, r: lambda scope: _plus(l(scope), r(scope)))(left, right)
            elif self.accept("-"):
                right = self._product()
                left = (lambda l, r: lambda scope: _arithmetic(operator.sub, l(scope), r(scope)))(
                    left, right)
            else:
                return left

    def _product(self) -> Expression:
        left = self._unary()
        while True:
            for symbol, operation in ARITHMETIC.items():
                if self.accept(symbol):
                    right = self._unary()
                    left = (lambda l, r, o: lambda scope: _arithmetic(o, l(scope), r(scope)))(
                        left, right, operation)
                    break
            else:
                return left

    def _unary(self) -> Expression:
        """`!` and `-` before an operand: runs of either fold (`!!x` is a boolean, `--x` is x),
        so a long prefix costs nothing to nest."""
        prefixes: list[str] = []
        while self.position < len(self._tokens) and self._tokens[self.position] in (
                ("operator", "!"), ("operator", "-")):
            prefixes.append(self._tokens[self.position][1])
            self.position += 1
        operand = self._primary()
        folded = [(symbol, len(list(run))) for symbol, run in itertools.groupby(prefixes)]
        steps = [("!" if count % 2 else "!!") if symbol == "!" else "-"
                 for symbol, count in folded if symbol == "!" or count % 2]
        if not steps:
            return operand

        def evaluate(scope: dict[str, Any]) -> Any:
            current().step(len(steps))
            value = operand(scope)
            for step in reversed(steps):
                if step == "-":
                    value = _arithmetic(operator.sub, 0, value)
                else:
                    value = _truthy(value) != (step == "!")
            return value

        return evaluate

    def _primary(self) -> Expression:
        kind, value = self._next()
        if kind == "string":
            text = _unescape(value[1:-1])
            if value.startswith('"') and ("$" in text or "#" in text):
                nodes = _Parser(text, self._depth, self._macros).nodes()
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
            return self._list_or_range()
        if value == "{":
            return self._map()
        if value == "$":
            return self._reference()
        raise TemplateError(f"unexpected {value!r}")

    def _list_or_range(self) -> Expression:
        if self.accept("]"):
            return lambda scope: []
        first = self.parse_or()
        if self.accept(".."):
            last = self.parse_or()
            self._expect("]")
            return lambda scope: _range(first(scope), last(scope))
        items = [first] if self.accept("]") else [first, *self._rest("]")]
        return lambda scope: [item(scope) for item in items]

    def _rest(self, closing: str) -> list[Expression]:
        self._expect(",")
        return self._list(closing)

    def _map(self) -> Expression:
        entries: list[tuple[Expression, Expression]] = []
        if not self.accept("}"):
            while True:
                key = self.parse_or()
                self._expect(":")
                entries.append((key, self.parse_or()))
                if self.accept("}"):
                    break
                self._expect(",")
        return lambda scope: _new_map((key(scope), value(scope)) for key, value in entries)

    def _reference(self) -> Expression:
        self.accept("!")
        braced = self.accept("{")
        kind, name = self._next()
        if kind != "word":
            raise TemplateError(f"${name}")
        steps: list[Callable[[Any, dict[str, Any]], Any]] = []
        while True:
            if self.accept("."):
                _, member = self._next()
                if self.accept("("):
                    arguments = self._list(")")
                    steps.append((lambda m, a: lambda target, scope: call(
                        target, m, [argument(scope) for argument in a]))(member, arguments))
                else:
                    steps.append((lambda m: lambda target, scope: read(target, m))(member))
            elif self.accept("["):
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
        if self.accept(closing):
            return items
        while True:
            items.append(self.parse_or())
            if self.accept(closing):
                return items
            self._expect(",")

    def accept(self, operator_: str) -> bool:
        """Read the operator if it comes next."""
        if self.position < len(self._tokens) and self._tokens[self.position] == ("operator",
                                                                                 operator_):
            self.position += 1
            return True
        return False

    def _expect(self, operator_: str) -> None:
        if not self.accept(operator_):
            raise TemplateError(f"expected {operator_!r}")

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


def _range(first: Any, last: Any) -> list[int] | None:
    """`[first..last]`, up or down, of integers only; each item is a step of the budget, so a
    range too long to walk fails before it is built."""
    if type(first) is not int or type(last) is not int:
        return None
    current().step(abs(last - first) + 1)
    direction = 1 if last >= first else -1
    return list(range(first, last + direction, direction))


def _new_map(entries: Iterable[tuple[Any, Any]]) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key, value in entries:
        if type(key) not in KEY_TYPES:
            raise TemplateError("a map's keys are strings, numbers or booleans here")
        mapping[key] = value
    return mapping


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


def _divide(left: int | float, right: int | float) -> int | float | None:
    """Java's `/`: integers truncate toward zero; by zero is null (Velocity logs and goes on)."""
    if right == 0:
        return None
    if type(left) is int and type(right) is int:
        quotient = abs(left) // abs(right)
        return quotient if (left >= 0) == (right >= 0) else -quotient
    return left / right


def _remainder(left: int | float, right: int | float) -> int | float | None:
    """Java's `%`: the sign of the dividend; by zero is null."""
    if right == 0:
        return None
    if type(left) is int and type(right) is int:
        rest = abs(left) % abs(right)
        return rest if left >= 0 else -rest
    return math.fmod(left, right)


ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "*": operator.mul, "/": _divide, "%": _remainder,
}


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
