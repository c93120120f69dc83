"""PartiQL for DynamoDB, read into statements: the four that ExecuteStatement runs.

The grammar is the one the DynamoDB Developer Guide's PartiQL reference gives ("PartiQL select /
insert / update / delete statements for DynamoDB"):

    SELECT expression [, ...] FROM table[.index] [WHERE condition] [ORDER BY key [DESC|ASC], ...]
    INSERT INTO table VALUE item
    UPDATE table [SET path = data | REMOVE path] [...] WHERE condition [RETURNING returnvalues]
    DELETE FROM table WHERE condition [RETURNING returnvalues]

Names are bare (letters, digits, '_') or in double quotes; strings are in single quotes; a
doubled quote stands for itself inside either. Values are strings, numbers, TRUE, FALSE, NULL,
lists [...], tuples {'name': value, ...} (maps), bags <<...>> (sets) and parameters `?`.
Conditions combine comparisons (= <> != < <= > >=), BETWEEN, IN, IS [NOT] MISSING / NULL and
the functions begins_with, contains, attribute_type and size, with AND, OR, NOT and parentheses. What cannot be read raises SyntaxProblem, which the caller answers as AWS does:
"Statement wasn't well formed, can't be processed: <why>".

moto 5.2.5 hands statements to py-partiql-parser, which answered many of these with a 500 (an
assertion on parameters in UPDATE, SELECT with a projection and a comparison, any malformed
statement); the sandbox reads them itself.

A statement is read and run by recursion, so its depth is bounded: parentheses, NOT, lists,
maps, sets, function calls and chains of + and - nest at most MAX_NESTING deep (deeper is
SyntaxProblem). AND and OR chains are any length: they are built as balanced trees, which
evaluate left to right as the written chain does.
"""
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Union

KEYWORDS = frozenset({
    "SELECT", "FROM", "WHERE", "INSERT", "INTO", "VALUE", "UPDATE", "SET", "REMOVE", "DELETE",
    "AND", "OR", "NOT", "BETWEEN", "IN", "IS", "MISSING", "NULL", "TRUE", "FALSE", "RETURNING",
    "ORDER", "BY", "ASC", "DESC", "ALL", "MODIFIED", "OLD", "NEW"})
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<symbol><<|>>|<>|!=|<=|>=|[=<>(),.\[\]{}:?*+-])
""", re.VERBOSE)


# Far more than statements within ExecuteStatement's 8192 characters need, and shallow enough
# for the reader, the evaluator and the answer's JSON to stay within Python's stack.
MAX_NESTING = 100
TOO_DEEP = f"the statement nests more than {MAX_NESTING} levels deep"
# A list index is a 32-bit number at most (DynamoDB lists hold far fewer elements).
MAX_INDEX_DIGITS = 10


class SyntaxProblem(ValueError):
    """The statement cannot be read; the message says why, as AWS's parser would."""


@dataclass(frozen=True, slots=True)
class Token:
    """One word, name, value or symbol of the statement, and where it starts."""

    kind: str  # string, quoted, number, word, symbol, end
    text: str
    at: int


@dataclass(frozen=True, slots=True)
class Path:
    """An attribute, or a document path into it: `a.b[0]` is ("a", "b", 0)."""
    steps: tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Literal:
    """A value written in the statement, as a DynamoDB AttributeValue."""
    value: dict


@dataclass(frozen=True, slots=True)
class Parameter:
    """The statement's `index`th `?`, counted from 0."""
    index: int


@dataclass(frozen=True, slots=True)
class ListOf:
    items: tuple["Expression", ...]


@dataclass(frozen=True, slots=True)
class MapOf:
    entries: tuple[tuple[str, "Expression"], ...]


@dataclass(frozen=True, slots=True)
class SetOf:
    items: tuple["Expression", ...]


@dataclass(frozen=True, slots=True)
class Call:
    """A function: begins_with, contains, attribute_type, size, list_append, set_add, ..."""
    name: str
    arguments: tuple["Expression", ...]


@dataclass(frozen=True, slots=True)
class Arithmetic:
    operator: str  # + or -
    left: "Expression"
    right: "Expression"


@dataclass(frozen=True, slots=True)
class Comparison:
    operator: str  # = <> < <= > >=
    left: "Expression"
    right: "Expression"


@dataclass(frozen=True, slots=True)
class Between:
    operand: "Expression"
    low: "Expression"
    high: "Expression"


@dataclass(frozen=True, slots=True)
class InList:
    operand: "Expression"
    choices: tuple["Expression", ...]


@dataclass(frozen=True, slots=True)
class IsTest:
    operand: "Expression"
    what: str  # MISSING or NULL
    negated: bool


@dataclass(frozen=True, slots=True)
class Logical:
    operator: str  # AND or OR
    left: "Expression"
    right: "Expression"


@dataclass(frozen=True, slots=True)
class Negation:
    operand: "Expression"


Expression = Union[Path, Literal, Parameter, ListOf, MapOf, SetOf, Call, Arithmetic, Comparison,
                   Between, InList, IsTest, Logical, Negation]


@dataclass(frozen=True, slots=True)
class Select:
    table: str
    index: str | None
    projection: tuple[Path, ...] | None  # None: *
    where: Expression | None
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Insert:
    table: str
    item: Expression


@dataclass(frozen=True, slots=True)
class Update:
    table: str
    sets: tuple[tuple[Path, Expression], ...]
    removes: tuple[Path, ...]
    where: Expression
    returning: str | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    table: str
    where: Expression
    returning: str | None = None


Statement = Union[Select, Insert, Update, Delete]


def tokens(text: str) -> list[Token]:
    """The statement's tokens, ending with an `end` token."""
    found: list[Token] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            raise SyntaxProblem(f"unexpected character '{text[at]}' at position {at + 1}")
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(Token(kind, match.group(), at))
        at = match.end()
    found.append(Token("end", "", len(text)))
    return found


def parse(text: str) -> Statement:
    """The statement `text` says, or SyntaxProblem."""
    return _Parser(tokens(text)).statement()


@dataclass
class _Parser:
    stream: list[Token]
    position: int = 0
    parameters: int = field(default=0)
    depth: int = 0

    # Tokens -----------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.stream[min(self.position + ahead, len(self.stream) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.position += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.text.upper() in words

    def at_symbol(self, *symbols: str) -> bool:
        token = self.peek()
        return token.kind == "symbol" and token.text in symbols

    def keyword(self, word: str) -> None:
        if not self.at_keyword(word):
            raise self.unexpected(f"expected {word}")
        self.take()

    def symbol(self, symbol: str) -> None:
        if not self.at_symbol(symbol):
            raise self.unexpected(f"expected '{symbol}'")
        self.take()

    @contextmanager
    def nested(self) -> Iterator[None]:
        """Read a part nested one level deeper; SyntaxProblem past MAX_NESTING."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise SyntaxProblem(TOO_DEEP)
        try:
            yield
        finally:
            self.depth -= 1

    def unexpected(self, why: str) -> SyntaxProblem:
        token = self.peek()
        if token.kind == "end":
            return SyntaxProblem(f"unexpected end of statement, {why}")
        return SyntaxProblem(f"unexpected token '{token.text}' at position {token.at + 1}, {why}")

    # Statements -------------------------------------------------------------------------

    def statement(self) -> Statement:
        if self.at_keyword("SELECT"):
            found: Statement = self.select()
        elif self.at_keyword("INSERT"):
            found = self.insert()
        elif self.at_keyword("UPDATE"):
            found = self.update()
        elif self.at_keyword("DELETE"):
            found = self.delete()
        else:
            raise self.unexpected("expected SELECT, INSERT, UPDATE or DELETE")
        if self.peek().kind != "end":
            raise self.unexpected("expected the end of the statement")
        return found

    def select(self) -> Select:
        self.keyword("SELECT")
        projection: tuple[Path, ...] | None
        if self.at_symbol("*"):
            self.take()
            projection = None
        else:
            paths = [self.path()]
            while self.at_symbol(","):
                self.take()
                paths.append(self.path())
            projection = tuple(paths)
        self.keyword("FROM")
        table, index = self.table(with_index=True)
        where = None
        if self.at_keyword("WHERE"):
            self.take()
            where = self.condition()
        descending = False
        if self.at_keyword("ORDER"):
            self.take()
            self.keyword("BY")
            self.path()
            if self.at_keyword("ASC", "DESC"):
                descending = self.take().text.upper() == "DESC"
        return Select(table, index, projection, where, descending)

    def insert(self) -> Insert:
        self.keyword("INSERT")
        self.keyword("INTO")
        table, _ = self.table(with_index=False)
        self.keyword("VALUE")
        return Insert(table, self.operand())

    def update(self) -> Update:
        self.keyword("UPDATE")
        table, _ = self.table(with_index=False)
        sets: list[tuple[Path, Expression]] = []
        removes: list[Path] = []
        while self.at_keyword("SET", "REMOVE"):
            if self.take().text.upper() == "SET":
                while True:
                    target = self.path()
                    self.symbol("=")
                    sets.append((target, self.value_expression()))
                    if not self.at_symbol(","):
                        break
                    self.take()
            else:
                removes.append(self.path())
        if not sets and not removes:
            raise self.unexpected("expected SET or REMOVE")
        self.keyword("WHERE")
        where = self.condition()
        return Update(table, tuple(sets), tuple(removes), where, self.returning())

    def delete(self) -> Delete:
        self.keyword("DELETE")
        self.keyword("FROM")
        table, _ = self.table(with_index=False)
        self.keyword("WHERE")
        where = self.condition()
        return Delete(table, where, self.returning())

    def returning(self) -> str | None:
        if not self.at_keyword("RETURNING"):
            return None
        self.take()
        if not self.at_keyword("ALL", "MODIFIED"):
            raise self.unexpected("expected ALL or MODIFIED")
        which = self.take().text.upper()
        if not self.at_keyword("OLD", "NEW"):
            raise self.unexpected("expected OLD or NEW")
        when = self.take().text.upper()
        self.symbol("*")
        return f"{which}_{when}"

    def table(self, with_index: bool) -> tuple[str, str | None]:
        name = self.name("expected a table name")
        index = None
        if with_index and self.at_symbol("."):
            self.take()
            index = self.name("expected an index name")
        return name, index

    def name(self, why: str) -> str:
        token = self.peek()
        if token.kind == "quoted":
            self.take()
            return token.text[1:-1].replace('""', '"')
        if token.kind == "word" and token.text.upper() not in KEYWORDS:
            self.take()
            return token.text
        raise self.unexpected(why)

    def path(self) -> Path:
        steps: list[str | int] = [self.name("expected an attribute name")]
        while self.at_symbol(".", "["):
            if self.take().text == ".":
                steps.append(self.name("expected an attribute name"))
            else:
                token = self.take()
                if token.kind != "number" or not token.text.isdigit() \
                        or len(token.text) > MAX_INDEX_DIGITS:
                    raise SyntaxProblem(f"list index must be a number, not '{token.text}'")
                steps.append(int(token.text))
                self.symbol("]")
        return Path(tuple(steps))

    # Conditions and values ---------------------------------------------------------------

    def condition(self) -> Expression:
        terms = [self.conjunction()]
        while self.at_keyword("OR"):
            self.take()
            terms.append(self.conjunction())
        return _balanced("OR", terms)

    def conjunction(self) -> Expression:
        terms = [self.negation()]
        while self.at_keyword("AND"):
            self.take()
            terms.append(self.negation())
        return _balanced("AND", terms)

    def negation(self) -> Expression:
        if self.at_keyword("NOT"):
            self.take()
            with self.nested():
                return Negation(self.negation())
        return self.predicate()

    def predicate(self) -> Expression:
        left = self.value_expression()
        if self.at_symbol("=", "<>", "!=", "<", "<=", ">", ">="):
            operator = self.take().text
            return Comparison("<>" if operator == "!=" else operator, left,
                              self.value_expression())
        negated = False
        if self.at_keyword("NOT") and self.peek(1).text.upper() in ("BETWEEN", "IN"):
            self.take()
            negated = True
        if self.at_keyword("BETWEEN"):
            self.take()
            low = self.value_expression()
            self.keyword("AND")
            found: Expression = Between(left, low, self.value_expression())
            return Negation(found) if negated else found
        if self.at_keyword("IN"):
            self.take()
            closing = "]" if self.at_symbol("[") else ")"
            self.symbol("[" if closing == "]" else "(")
            choices = self.items(closing)
            return Negation(InList(left, choices)) if negated else InList(left, choices)
        if self.at_keyword("IS"):
            self.take()
            is_not = self.at_keyword("NOT")
            if is_not:
                self.take()
            if not self.at_keyword("MISSING", "NULL"):
                raise self.unexpected("expected MISSING or NULL")
            return IsTest(left, self.take().text.upper(), is_not)
        return left

    def value_expression(self) -> Expression:
        found = self.operand()
        chained = 0
        while self.at_symbol("+", "-"):
            chained += 1
            if self.depth + chained > MAX_NESTING:
                raise SyntaxProblem(TOO_DEEP)
            operator = self.take().text
            found = Arithmetic(operator, found, self.operand())
        return found

    def operand(self) -> Expression:
        token = self.peek()
        if token.kind == "string":
            self.take()
            return Literal({"S": token.text[1:-1].replace("''", "'")})
        if token.kind == "number":
            self.take()
            return Literal({"N": token.text})
        if token.kind == "symbol" and token.text == "-" and self.peek(1).kind == "number":
            self.take()
            return Literal({"N": "-" + self.take().text})
        if token.kind == "symbol":
            return self.symbol_operand(token)
        if token.kind == "word":
            upper = token.text.upper()
            if upper in ("TRUE", "FALSE"):
                self.take()
                return Literal({"BOOL": upper == "TRUE"})
            if upper == "NULL":
                self.take()
                return Literal({"NULL": True})
            if upper == "MISSING":
                raise self.unexpected("MISSING is only allowed after IS")
            if self.peek(1).text == "(" and upper not in KEYWORDS:
                self.take()
                self.take()
                with self.nested():
                    return Call(token.text.lower(), self.items(")"))
        return self.path()

    def symbol_operand(self, token: Token) -> Expression:
        if token.text == "?":
            self.take()
            self.parameters += 1
            return Parameter(self.parameters - 1)
        if token.text not in ("(", "[", "<<", "{"):
            raise self.unexpected("expected a value")
        self.take()
        with self.nested():
            if token.text == "(":
                found = self.condition()
                self.symbol(")")
                return found
            if token.text == "[":
                return ListOf(self.items("]"))
            if token.text == "<<":
                return SetOf(self.items(">>"))
            return self.map_entries()

    def items(self, closing: str) -> tuple[Expression, ...]:
        found: list[Expression] = []
        if self.at_symbol(closing):
            self.take()
            return ()
        while True:
            found.append(self.value_expression())
            if self.at_symbol(closing):
                self.take()
                return tuple(found)
            self.symbol(",")

    def map_entries(self) -> MapOf:
        entries: list[tuple[str, Expression]] = []
        if self.at_symbol("}"):
            self.take()
            return MapOf(())
        while True:
            token = self.take()
            if token.kind not in ("string", "quoted"):
                raise SyntaxProblem(f"unexpected token '{token.text}' at position "
                                    f"{token.at + 1}, expected an attribute name in quotes")
            quote = token.text[0]
            name = token.text[1:-1].replace(quote * 2, quote)
            self.symbol(":")
            entries.append((name, self.value_expression()))
            if self.at_symbol("}"):
                self.take()
                return MapOf(tuple(entries))
            self.symbol(",")


def _balanced(operator: str, terms: list[Expression]) -> Expression:
    """`terms` joined by AND or OR as a tree as deep as their count's logarithm, its leaves in
    the written order."""
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return Logical(operator, _balanced(operator, terms[:middle]),
                   _balanced(operator, terms[middle:]))
