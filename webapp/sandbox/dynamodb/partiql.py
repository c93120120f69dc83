"""ExecuteStatement and BatchExecuteStatement: PartiQL run on moto's tables, answered as AWS does.

moto 5.2.5 answered most statements with a 500 or the wrong thing (an INSERT over an existing
item replaced it; UPDATE with a parameter, a malformed statement, BatchExecuteStatement: 500), so
the sandbox reads statements itself (partiql_syntax.py), works out conditions and values
(partiql_values.py) and reads and writes moto's tables through moto's backend. What AWS
documents and the sandbox answers (DynamoDB Developer Guide, "PartiQL - a SQL-compatible query
language for Amazon DynamoDB", and the API Reference's ExecuteStatement and
BatchExecuteStatement):

* a statement over 8192 characters (the service model's PartiQLStatement): ValidationException
  "1 validation error detected: Value '<statement>' at 'statement' failed to satisfy
  constraint: Member must have length less than or equal to 8192" (for a batch, at
  'statements.<n>.member.statement', the whole call refused);
* a statement that cannot be read: ValidationException "Statement wasn't well formed, can't be
  processed: <why>"; parameters not matching the `?`s: ValidationException "Number of
  parameters in request and statement don't match.";
* a value DynamoDB cannot store (a number out of its range, an item nested deeper than 32
  levels): ValidationException with the message PutItem gives;
* an unknown table: ResourceNotFoundException "Requested resource not found";
* SELECT: the matching items, at most Limit evaluated ("the maximum number of items to
  evaluate") and at most 1 MB read per call, with NextToken to go on;
* INSERT of an item whose key exists: DuplicateItemException "Duplicate primary key exists in
  table"; of an item without its key: ValidationException, as PutItem says it;
* UPDATE and DELETE name one item by an equality on each key attribute, else ValidationException
  "Where clause does not contain a mandatory equality on all key attributes"; UPDATE of an item
  that does not exist, or whose other WHERE conditions are false, and DELETE of an item whose
  other conditions are false: ConditionalCheckFailedException "The conditional request failed".
  DELETE of an item that does not exist changes nothing and succeeds;
* BatchExecuteStatement: up to 25 statements, each answered in `Responses` in order, a failed one
  with `Error {Code, Message}` (the codes without "Exception": ValidationError,
  ResourceNotFound, DuplicateItem, ConditionalCheckFailed); a SELECT in a batch must name its
  item's whole key.

The writes are journaled as any ExecuteStatement is (persistence/changes.py), and run again
when the journal is replayed.
"""
import base64
import binascii
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.exceptions import DynamodbException
from moto.dynamodb.exceptions import ValidationException as MotoValidationException
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, Dispatcher
from webapp.sandbox.dynamodb.errors import JSON_CONTENT_TYPE, VALIDATION, error
from webapp.sandbox.dynamodb.item_nesting import MAX_ITEM_NESTING, NESTING_MESSAGE, item_nesting
from webapp.sandbox.dynamodb.key_schema import (KEY_MISMATCH, item_key_problem, key_matches,
                                                key_types)
from webapp.sandbox.dynamodb.partiql_syntax import (Comparison, Delete, Expression, Insert,
                                                    Literal, Logical, Parameter, Path, Select,
                                                    Statement, SyntaxProblem, Update, parse)
from webapp.sandbox.dynamodb.partiql_values import (ValueProblem, assign, evaluate, holds,
                                                    project, remove)
from webapp.sandbox.dynamodb.request_body import parameters

MALFORMED = "Statement wasn't well formed, can't be processed: "
PARAMETER_COUNT = "Number of parameters in request and statement don't match."
NOT_FOUND = "Requested resource not found"
DUPLICATE = "Duplicate primary key exists in table"
CONDITION_FAILED = "The conditional request failed"
NO_KEY_EQUALITY = "Where clause does not contain a mandatory equality on all key attributes"
BATCH_SELECT_KEY = ("Select statements within BatchExecuteStatement must specify the primary key "
                    "in the where clause.")
TOO_MANY_STATEMENTS = ("1 validation error detected: Value at 'statements' failed to satisfy "
                       "constraint: Member must have length less than or equal to 25")
MAX_BATCH = 25
MAX_STATEMENT_LENGTH = 8192
STATEMENT_TOO_LONG = ("1 validation error detected: Value '{statement}' at '{where}' failed to "
                      "satisfy constraint: Member must have length less than or equal to 8192")
# A SELECT stops reading after 1 MB of items, as Query and Scan do.
MAX_READ_BYTES = 1024 * 1024
NOT_FOUND_CODE = "ResourceNotFoundException"
DUPLICATE_CODE = "DuplicateItemException"
CONDITION_CODE = "ConditionalCheckFailedException"
# BatchExecuteStatement's BatchStatementError codes, by the exception a statement alone raises.
BATCH_CODES = {VALIDATION: "ValidationError", NOT_FOUND_CODE: "ResourceNotFound",
               DUPLICATE_CODE: "DuplicateItem", CONDITION_CODE: "ConditionalCheckFailed"}


class StatementFailed(Exception):
    """The statement is refused: DynamoDB's error `code` and `message`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a statement answers: the items it read or returned, and where a SELECT goes on."""

    items: list[dict]
    next_token: str | None = None


def register(dispatcher: Dispatcher, account_id: str) -> None:
    """Answer ExecuteStatement and BatchExecuteStatement from moto's tables."""

    @dispatcher.register("dynamodb", "ExecuteStatement")
    def execute_statement(request: Request, operation: AwsOperation) -> Response:
        asked = parameters(request)
        text = asked.get("Statement")
        if isinstance(text, str) and len(text) > MAX_STATEMENT_LENGTH:
            return error(VALIDATION, STATEMENT_TOO_LONG.format(statement=text,
                                                               where="statement"))
        runner = Runner(dynamodb_backends[account_id][operation.region])
        try:
            outcome = runner.run(str(asked.get("Statement", "")), asked.get("Parameters") or [],
                                 asked.get("Limit"), asked.get("NextToken"))
        except StatementFailed as failed:
            return error(failed.code, failed.message)
        answer: dict[str, Any] = {"Items": outcome.items}
        if outcome.next_token:
            answer["NextToken"] = outcome.next_token
        return _answer(answer)

    @dispatcher.register("dynamodb", "BatchExecuteStatement")
    def batch_execute_statement(request: Request, operation: AwsOperation) -> Response:
        statements = parameters(request).get("Statements")
        if not isinstance(statements, list):
            return error(VALIDATION, "1 validation error detected: Value null at 'statements' "
                                     "failed to satisfy constraint: Member must not be null")
        if len(statements) > MAX_BATCH:
            return error(VALIDATION, TOO_MANY_STATEMENTS)
        for number, entry in enumerate(statements, start=1):
            text = entry.get("Statement") if isinstance(entry, dict) else None
            if isinstance(text, str) and len(text) > MAX_STATEMENT_LENGTH:
                return error(VALIDATION, STATEMENT_TOO_LONG.format(
                    statement=text, where=f"statements.{number}.member.statement"))
        runner = Runner(dynamodb_backends[account_id][operation.region])
        return _answer({"Responses": [runner.run_in_batch(each) for each in statements]})


def _answer(body: dict) -> Response:
    return Response(json.dumps(body), content_type=JSON_CONTENT_TYPE)


class Runner:
    """Runs statements on one region's tables (a moto DynamoDB backend)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def run(self, text: str, parameters: list, limit: object = None,
            next_token: object = None) -> Outcome:
        """Run one statement; StatementFailed says why it was refused."""
        statement = self._read(text, parameters)
        table = self._table(statement.table)
        try:
            if isinstance(statement, Select):
                return self._select(statement, table, parameters, limit, next_token)
            if isinstance(statement, Insert):
                return self._insert(statement, table, parameters)
            if isinstance(statement, Update):
                return self._update(statement, table, parameters)
            return self._delete(statement, table, parameters)
        except ValueProblem as problem:
            raise StatementFailed(VALIDATION, str(problem)) from problem
        except DynamodbException as refused:
            raise StatementFailed(refused.relative_error_type, refused.message) from refused
        except MotoValidationException as refused:  # a number moto cannot store
            raise StatementFailed(VALIDATION, refused.message) from refused

    def run_in_batch(self, entry: object) -> dict:
        """One of BatchExecuteStatement's statements, answered as a BatchStatementResponse."""
        if not isinstance(entry, dict):
            return _batch_error(VALIDATION, MALFORMED + "no statement")
        text, parameters = str(entry.get("Statement", "")), entry.get("Parameters") or []
        try:
            statement = self._read(text, parameters)
            answer: dict[str, Any] = {"TableName": statement.table}
            if isinstance(statement, Select):
                table = self._table(statement.table)
                key = _key_of(statement.where, table, parameters)
                if key is None:
                    return {**answer, **_batch_error(VALIDATION, BATCH_SELECT_KEY)}
                items = self.run(text, parameters).items
                return {**answer, "Item": items[0]} if items else answer
            self.run(text, parameters)
            return answer
        except StatementFailed as failed:
            return _batch_error(failed.code, failed.message)

    # Reading the statement ------------------------------------------------------------------

    def _read(self, text: str, parameters: list) -> Statement:
        try:
            statement = parse(text)
        except SyntaxProblem as problem:
            raise StatementFailed(VALIDATION, MALFORMED + str(problem)) from problem
        if _parameter_count(statement) != len(parameters):
            raise StatementFailed(VALIDATION, PARAMETER_COUNT)
        return statement

    def _table(self, name: str) -> Any:
        table = self.backend.tables.get(name)
        if table is None:
            raise StatementFailed(NOT_FOUND_CODE, NOT_FOUND)
        return table

    # The four statements ----------------------------------------------------------------------

    def _select(self, statement: Select, table: Any, parameters: list, limit: object,
                next_token: object) -> Outcome:
        index = None
        if statement.index is not None:
            index = next((each for each in table.all_indexes()
                          if each.name == statement.index), None)
            if index is None:
                raise StatementFailed(
                    VALIDATION, f"The table does not have the specified index: {statement.index}")
        items = _resume(self._candidates(table, index, statement, parameters), table, next_token)
        most = limit if isinstance(limit, int) and limit > 0 else None
        found: list[dict] = []
        evaluated = read = 0
        for position, item in enumerate(items):
            if (most is not None and evaluated >= most) or read >= MAX_READ_BYTES:
                return Outcome(found, _token(table, items[position - 1]))
            evaluated += 1
            read += item.size()
            attributes = (index.project(item) if index is not None else item).to_json()[
                "Attributes"]
            if statement.where is None or holds(statement.where, attributes, parameters):
                found.append(attributes if statement.projection is None
                             else project(attributes, statement.projection))
        return Outcome(found)

    def _candidates(self, table: Any, index: Any, statement: Select,
                    parameters: list) -> list[Any]:
        """The items a SELECT reads, in its order: one partition when it names a hash key."""
        if index is not None:
            keys = [element["AttributeName"] for element in index.schema]
            items = [item for item in table.all_items()
                     if all(name in item.attrs for name in keys)]
        else:
            hash_value = _equality(statement.where, table.hash_key_attr, parameters)
            items = (self._partition(table, hash_value) if hash_value is not None
                     else table.all_items())
        return list(reversed(items)) if statement.descending else items

    def _partition(self, table: Any, hash_value: dict) -> list[Any]:
        entry = table.items.get(DynamoType(hash_value))
        if entry is None:
            return []
        if isinstance(entry, dict):  # a sort key: range value -> item
            return [entry[key] for key in sorted(entry)]
        return [entry]

    def _insert(self, statement: Insert, table: Any, parameters: list) -> Outcome:
        value = evaluate(statement.item, {}, parameters)
        if value is None or "M" not in value:
            raise StatementFailed(VALIDATION, MALFORMED + "INSERT takes one item, {...}")
        item = value["M"]
        problem = item_key_problem(table, item)
        if problem is not None:
            raise StatementFailed(VALIDATION, problem)
        if self._existing(table, item) is not None:
            raise StatementFailed(DUPLICATE_CODE, DUPLICATE)
        self._store(table, item)
        return Outcome([])

    def _update(self, statement: Update, table: Any, parameters: list) -> Outcome:
        key = self._named_key(statement.where, table, parameters)
        existing = self._existing(table, key)
        if existing is None:
            raise StatementFailed(CONDITION_CODE, CONDITION_FAILED)
        before = existing.to_json()["Attributes"]
        if not holds(statement.where, before, parameters):
            raise StatementFailed(CONDITION_CODE, CONDITION_FAILED)
        after = copy.deepcopy(before)
        changed: set[str] = set()
        for path, expression in statement.sets:
            _refuse_key_change(table, path)
            value = evaluate(expression, before, parameters)
            if value is None:
                raise StatementFailed(VALIDATION, "The value to SET is MISSING")
            assign(after, path, value)
            changed.add(str(path.steps[0]))
        for path in statement.removes:
            _refuse_key_change(table, path)
            remove(after, path)
            changed.add(str(path.steps[0]))
        self._store(table, after)
        return Outcome(_returned(statement.returning, before, after, changed))

    def _delete(self, statement: Delete, table: Any, parameters: list) -> Outcome:
        key = self._named_key(statement.where, table, parameters)
        existing = self._existing(table, key)
        if existing is None:
            return Outcome([])
        before = existing.to_json()["Attributes"]
        if not holds(statement.where, before, parameters):
            raise StatementFailed(CONDITION_CODE, CONDITION_FAILED)
        self.backend.delete_item(table.name, key)
        return Outcome(_returned(statement.returning, before, {}, set(before)))

    def _store(self, table: Any, item: dict) -> None:
        if item_nesting(item) > MAX_ITEM_NESTING:
            raise StatementFailed(VALIDATION, NESTING_MESSAGE)
        self.backend.put_item(table.name, item)

    def _named_key(self, where: Expression, table: Any, parameters: list) -> dict:
        key = _key_of(where, table, parameters)
        if key is None:
            raise StatementFailed(VALIDATION, NO_KEY_EQUALITY)
        if not key_matches(table, key):
            raise StatementFailed(VALIDATION, KEY_MISMATCH)
        return key

    def _existing(self, table: Any, key: dict) -> Any | None:
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        return table.get_item(hash_value, range_value)


def _parameter_count(statement: Statement) -> int:
    """How many `?` the statement holds (the parser numbers them in order)."""
    highest = -1
    for node in _nodes(statement):
        if isinstance(node, Parameter):
            highest = max(highest, node.index)
    return highest + 1


def _nodes(node: object) -> Iterator[object]:
    yield node
    if isinstance(node, tuple):
        for each in node:
            yield from _nodes(each)
    elif hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            yield from _nodes(getattr(node, name))


def _equalities(where: Expression | None) -> Iterator[Comparison]:
    """The `name = value` comparisons ANDed at the top of a WHERE clause."""
    if isinstance(where, Logical) and where.operator == "AND":
        yield from _equalities(where.left)
        yield from _equalities(where.right)
    elif isinstance(where, Comparison) and where.operator == "=":
        yield where


def _equality(where: Expression | None, name: str, parameters: list) -> dict | None:
    """The value WHERE sets attribute `name` equal to, if it does (a literal or a parameter)."""
    for comparison in _equalities(where):
        for side, other in ((comparison.left, comparison.right),
                            (comparison.right, comparison.left)):
            if side == Path((name,)) and isinstance(other, (Literal, Parameter)):
                return evaluate(other, {}, parameters)
    return None


def _key_of(where: Expression | None, table: Any, parameters: list) -> dict | None:
    """The item key the WHERE clause names by equalities, or None if it misses a key part."""
    key = {}
    for name in key_types(table):
        value = _equality(where, name, parameters)
        if value is None:
            return None
        key[name] = value
    return key


def _refuse_key_change(table: Any, path: Path) -> None:
    if path.steps[0] in key_types(table):
        raise StatementFailed(VALIDATION, f"Cannot update attribute {path.steps[0]}. This "
                                          "attribute is part of the key")


def _returned(returning: str | None, before: dict, after: dict, changed: set[str]) -> list[dict]:
    """What RETURNING asks for: ALL_OLD, ALL_NEW, MODIFIED_OLD or MODIFIED_NEW."""
    if returning is None:
        return []
    which, when = returning.split("_")
    item = before if when == "OLD" else after
    if which == "MODIFIED":
        item = {name: value for name, value in item.items() if name in changed}
    return [item] if item else []


def _token(table: Any, item: Any) -> str:
    """NextToken: the last evaluated item's key, opaque to the caller."""
    attributes = item.to_json()["Attributes"]
    key = {name: attributes[name] for name in key_types(table) if name in attributes}
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _resume(items: list[Any], table: Any, next_token: object) -> list[Any]:
    """The items after the one NextToken names (all of them without a token)."""
    if next_token is None:
        return items
    try:
        key = json.loads(base64.urlsafe_b64decode(str(next_token).encode()))
    except (ValueError, binascii.Error) as err:
        raise StatementFailed(VALIDATION, "The provided starting key is invalid") from err
    if not isinstance(key, dict):
        raise StatementFailed(VALIDATION, "The provided starting key is invalid")
    for position, item in enumerate(items):
        attributes = item.to_json()["Attributes"]
        if all(attributes.get(name) == value for name, value in key.items()):
            return items[position + 1:]
    return []


def _batch_error(code: str, message: str) -> dict:
    return {"Error": {"Code": BATCH_CODES.get(code, code), "Message": message}}
