"""PartiQL for DynamoDB (ExecuteStatement, BatchExecuteStatement) answered as AWS documents it.

Sources: the DynamoDB Developer Guide's PartiQL reference
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html: select,
insert, update and delete statements, "Running batch operations with PartiQL") and the API
Reference's ExecuteStatement and BatchExecuteStatement
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExecuteStatement.html,
API_BatchExecuteStatement.html, API_BatchStatementError.html), with the messages DynamoDB sends.
"""
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.processes import ClientFactory
from tests.sandbox.test_persistence import running_sandbox


@pytest.fixture
def dynamodb(aws_client: ClientFactory) -> Any:
    return aws_client("dynamodb")


def create_table(dynamodb: Any, sort_key: bool = False) -> str:
    name = f"partiql-{uuid.uuid4().hex}"
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort_key:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "sk", "AttributeType": "N"})
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=keys,
                          AttributeDefinitions=attributes)
    return name


@pytest.fixture
def table(dynamodb: Any) -> Iterator[str]:
    name = create_table(dynamodb)
    for number in range(5):
        dynamodb.put_item(TableName=name, Item={"pk": {"S": f"item-{number}"},
                                                "n": {"N": str(number)},
                                                "tag": {"S": "even" if number % 2 == 0
                                                        else "odd"}})
    yield name
    dynamodb.delete_table(TableName=name)


def run(dynamodb: Any, statement: str, *parameters: dict[str, Any],
        **options: Any) -> dict[str, Any]:
    if parameters:
        options["Parameters"] = list(parameters)
    return dynamodb.execute_statement(Statement=statement, **options)


def refusal(dynamodb: Any, statement: str, *parameters: dict[str, Any]) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        run(dynamodb, statement, *parameters)
    answer = raised.value.response
    return (answer["ResponseMetadata"]["HTTPStatusCode"], answer["Error"]["Code"],
            answer["Error"]["Message"])


def keys(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["pk"]["S"] for item in items)


# SELECT ----------------------------------------------------------------------------------------

def test_select_star_reads_every_item(dynamodb: Any, table: str) -> None:
    """SELECT * FROM table: "If the filter criteria in WHERE clause does not match any data,
    the read will return an empty result set"; without WHERE, every item."""
    items = run(dynamodb, f'SELECT * FROM "{table}"')["Items"]
    assert keys(items) == [f"item-{number}" for number in range(5)]
    assert {"pk", "n", "tag"} == set(items[0])


def test_select_by_key_with_a_parameter(dynamodb: Any, table: str) -> None:
    """WHERE on the partition key with a `?` parameter (Parameters: AttributeValues)."""
    items = run(dynamodb, f'SELECT * FROM "{table}" WHERE pk = ?', {"S": "item-3"})["Items"]
    assert items == [{"pk": {"S": "item-3"}, "n": {"N": "3"}, "tag": {"S": "odd"}}]


def test_select_on_other_attributes_with_a_projection(dynamodb: Any, table: str) -> None:
    """SELECT expression [, ...]: only the named attributes; WHERE on non-key attributes
    filters the items read."""
    items = run(dynamodb, f"SELECT pk FROM \"{table}\" WHERE n >= 2 AND tag = 'even'")["Items"]
    assert sorted(items, key=lambda item: item["pk"]["S"]) == [
        {"pk": {"S": "item-2"}}, {"pk": {"S": "item-4"}}]


def test_select_pages_by_limit_and_next_token(dynamodb: Any, table: str) -> None:
    """Limit: "The maximum number of items to evaluate"; "If NextToken is present, you need to
    paginate the result set and include NextToken"."""
    seen: list[dict[str, Any]] = []
    answer = run(dynamodb, f'SELECT * FROM "{table}"', Limit=2)
    pages = 1
    while True:
        assert len(answer["Items"]) <= 2
        seen.extend(answer["Items"])
        if "NextToken" not in answer:
            break
        answer = run(dynamodb, f'SELECT * FROM "{table}"', Limit=2,
                     NextToken=answer["NextToken"])
        pages += 1
    assert pages == 3
    assert keys(seen) == [f"item-{number}" for number in range(5)]


def test_a_malformed_statement(dynamodb: Any, table: str) -> None:
    """400 ValidationException "Statement wasn't well formed, can't be processed: …"."""
    status, code, message = refusal(dynamodb, f'SELEC * FROM "{table}"')
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("Statement wasn't well formed, can't be processed: ")


def test_parameters_that_do_not_match_the_statement(dynamodb: Any, table: str) -> None:
    """400 ValidationException "Number of parameters in request and statement don't match."."""
    assert refusal(dynamodb, f'SELECT * FROM "{table}" WHERE pk = ?') == (
        400, "ValidationException", "Number of parameters in request and statement don't match.")


@pytest.mark.parametrize("statement", [
    'SELECT * FROM "{missing}"', "INSERT INTO \"{missing}\" VALUE {{'pk': 'a'}}",
    "UPDATE \"{missing}\" SET n = 1 WHERE pk = 'a'", "DELETE FROM \"{missing}\" WHERE pk = 'a'"])
def test_an_unknown_table(dynamodb: Any, statement: str) -> None:
    """400 ResourceNotFoundException "Requested resource not found"."""
    assert refusal(dynamodb, statement.format(missing=f"missing-{uuid.uuid4().hex}")) == (
        400, "ResourceNotFoundException", "Requested resource not found")


# INSERT, UPDATE, DELETE ------------------------------------------------------------------------

def test_insert_adds_an_item_and_answers_nothing(dynamodb: Any, table: str) -> None:
    """INSERT INTO table VALUE item: "This statement does not return any values"."""
    answer = run(dynamodb, f"INSERT INTO \"{table}\" VALUE {{'pk': ?, 'list': [1, 'two'], "
                           "'nested': {'on': true}, 'set': <<'a', 'b'>>}", {"S": "new"})
    assert answer["Items"] == []
    stored = dynamodb.get_item(TableName=table, Key={"pk": {"S": "new"}})["Item"]
    assert stored == {"pk": {"S": "new"}, "list": {"L": [{"N": "1"}, {"S": "two"}]},
                      "nested": {"M": {"on": {"BOOL": True}}}, "set": {"SS": ["a", "b"]}}


def test_insert_of_an_existing_key(dynamodb: Any, table: str) -> None:
    """"If the DynamoDB table already has an item with the same primary key as the primary key
    of the item being inserted, DuplicateItemException is returned": 400, "Duplicate primary key
    exists in table"; the item is left as it was."""
    assert refusal(dynamodb, f"INSERT INTO \"{table}\" VALUE {{'pk': 'item-1', 'n': 99}}") == (
        400, "DuplicateItemException", "Duplicate primary key exists in table")
    stored = dynamodb.get_item(TableName=table, Key={"pk": {"S": "item-1"}})["Item"]
    assert stored["n"] == {"N": "1"}


def test_insert_without_the_key(dynamodb: Any, table: str) -> None:
    """An item without its key is refused as PutItem refuses it."""
    assert refusal(dynamodb, f"INSERT INTO \"{table}\" VALUE {{'n': 1}}") == (
        400, "ValidationException",
        "One or more parameter values were invalid: Missing the key pk in the item")


def test_update_sets_and_removes_with_parameters(dynamodb: Any, table: str) -> None:
    """UPDATE table SET path = data [...] REMOVE path WHERE condition."""
    assert run(dynamodb, f'UPDATE "{table}" SET n = n + ?, extra = ? REMOVE tag WHERE pk = ?',
               {"N": "10"}, {"S": "yes"}, {"S": "item-1"})["Items"] == []
    stored = dynamodb.get_item(TableName=table, Key={"pk": {"S": "item-1"}})["Item"]
    assert stored == {"pk": {"S": "item-1"}, "n": {"N": "11"}, "extra": {"S": "yes"}}


def test_update_returning_all_new(dynamodb: Any, table: str) -> None:
    """RETURNING ALL NEW *: "Returns all of the attributes of the item, as they appear after
    the update operation"."""
    answer = run(dynamodb, f"UPDATE \"{table}\" SET n = 7 WHERE pk = 'item-2' RETURNING ALL NEW *")
    assert answer["Items"] == [{"pk": {"S": "item-2"}, "n": {"N": "7"}, "tag": {"S": "even"}}]


def test_update_of_a_missing_item(dynamodb: Any, table: str) -> None:
    """UPDATE changes an existing item only: 400 ConditionalCheckFailedException "The
    conditional request failed", and no item is made."""
    assert refusal(dynamodb, f"UPDATE \"{table}\" SET n = 1 WHERE pk = 'nobody'") == (
        400, "ConditionalCheckFailedException", "The conditional request failed")
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"pk": {"S": "nobody"}})


def test_update_whose_condition_is_false(dynamodb: Any, table: str) -> None:
    """Other WHERE conditions are the write's condition: false, ConditionalCheckFailed."""
    assert refusal(dynamodb, f"UPDATE \"{table}\" SET n = 1 WHERE pk = 'item-1' AND "
                             "tag = 'even'") == (
        400, "ConditionalCheckFailedException", "The conditional request failed")


def test_update_without_the_whole_key(dynamodb: Any) -> None:
    """"This condition must resolve to a single primary key value": a WHERE without an equality
    on each key attribute is ValidationException "Where clause does not contain a mandatory
    equality on all key attributes"."""
    name = create_table(dynamodb, sort_key=True)
    try:
        assert refusal(dynamodb, f"UPDATE \"{name}\" SET n = 1 WHERE pk = 'a'") == (
            400, "ValidationException",
            "Where clause does not contain a mandatory equality on all key attributes")
    finally:
        dynamodb.delete_table(TableName=name)


def test_delete_removes_the_item(dynamodb: Any, table: str) -> None:
    """DELETE FROM table WHERE condition: the item named by its key is deleted."""
    assert run(dynamodb, f'DELETE FROM "{table}" WHERE pk = ?', {"S": "item-4"})["Items"] == []
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"pk": {"S": "item-4"}})


def test_a_sort_key_table_by_both_keys(dynamodb: Any) -> None:
    """On a table with a sort key, the statements name both key attributes."""
    name = create_table(dynamodb, sort_key=True)
    try:
        run(dynamodb, f"INSERT INTO \"{name}\" VALUE {{'pk': 'a', 'sk': 1, 'v': 'one'}}")
        run(dynamodb, f"INSERT INTO \"{name}\" VALUE {{'pk': 'a', 'sk': 2, 'v': 'two'}}")
        run(dynamodb, f"UPDATE \"{name}\" SET v = 'TWO' WHERE pk = 'a' AND sk = 2")
        items = run(dynamodb, f"SELECT v FROM \"{name}\" WHERE pk = 'a' AND sk > 1")["Items"]
        assert items == [{"v": {"S": "TWO"}}]
    finally:
        dynamodb.delete_table(TableName=name)


# BatchExecuteStatement -------------------------------------------------------------------------

def test_batch_answers_each_statement_in_order(dynamodb: Any, table: str) -> None:
    """BatchExecuteStatement's Responses: one BatchStatementResponse per statement, in order; a
    failed one carries Error {Code, Message} (BatchStatementError codes: DuplicateItem,
    ConditionalCheckFailed, ResourceNotFound, ValidationError, ...) and the others still run."""
    answer = dynamodb.batch_execute_statement(Statements=[
        {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'batch-new'}}"},
        {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'item-0'}}"},
        {"Statement": f"UPDATE \"{table}\" SET n = 1 WHERE pk = 'nobody'"},
        {"Statement": f"DELETE FROM \"missing-{uuid.uuid4().hex}\" WHERE pk = 'a'"},
    ])["Responses"]
    assert answer[0] == {"TableName": table}
    assert answer[1]["Error"] == {"Code": "DuplicateItem",
                                  "Message": "Duplicate primary key exists in table"}
    assert answer[2]["Error"] == {"Code": "ConditionalCheckFailed",
                                  "Message": "The conditional request failed"}
    assert answer[3]["Error"]["Code"] == "ResourceNotFound"
    assert "Item" in dynamodb.get_item(TableName=table, Key={"pk": {"S": "batch-new"}})


def test_batch_reads_name_their_items_whole_key(dynamodb: Any, table: str) -> None:
    """A batch SELECT reads one item by its key ("Item" in its response); one without the key
    in its WHERE clause is a ValidationError."""
    answer = dynamodb.batch_execute_statement(Statements=[
        {"Statement": f'SELECT * FROM "{table}" WHERE pk = ?', "Parameters": [{"S": "item-1"}]},
        {"Statement": f"SELECT * FROM \"{table}\" WHERE n = 1"},
    ])["Responses"]
    assert answer[0] == {"TableName": table, "Item": {
        "pk": {"S": "item-1"}, "n": {"N": "1"}, "tag": {"S": "odd"}}}
    assert answer[1]["Error"]["Code"] == "ValidationError"


# Persistence -----------------------------------------------------------------------------------

def test_statement_writes_survive_a_restart(tmp_path: Path) -> None:
    """The sandbox keeps what PartiQL wrote as it keeps PutItem's writes: a restart replays the
    journal and the items are as they were."""
    with running_sandbox(tmp_path) as box:
        client = box.client("dynamodb")
        name = create_table(client)
        run(client, f"INSERT INTO \"{name}\" VALUE {{'pk': 'kept', 'n': 1}}")
        run(client, f"INSERT INTO \"{name}\" VALUE {{'pk': 'gone'}}")
        run(client, f"UPDATE \"{name}\" SET n = 2 WHERE pk = 'kept'")
        client.batch_execute_statement(Statements=[
            {"Statement": f"DELETE FROM \"{name}\" WHERE pk = 'gone'"},
            {"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 'batched'}}"}])
        before = keys(run(client, f'SELECT * FROM "{name}"')["Items"])
        box.stop()
        box.start()
        client = box.client("dynamodb")
        after = run(client, f'SELECT * FROM "{name}"')["Items"]
    assert before == ["batched", "kept"]
    assert keys(after) == before
    assert {"pk": {"S": "kept"}, "n": {"N": "2"}} in after


def test_only_statements_that_write_are_journaled(tmp_path: Path) -> None:
    """A SELECT changes nothing, so the journal (replayed at every start) does not keep it, even
    though it travels as ExecuteStatement like the writes; INSERT, UPDATE and DELETE are kept."""
    with running_sandbox(tmp_path) as box:
        client = box.client("dynamodb")
        name = create_table(client)
        run(client, f"INSERT INTO \"{name}\" VALUE {{'pk': 'kept'}}")
        for _ in range(3):
            run(client, f'  select * FROM "{name}"')
        client.batch_execute_statement(Statements=[
            {"Statement": f'SELECT * FROM "{name}" WHERE pk = \'kept\''}])
        client.batch_execute_statement(Statements=[
            {"Statement": f'SELECT * FROM "{name}"'},
            {"Statement": f"DELETE FROM \"{name}\" WHERE pk = 'kept'"}])
    journaled = [json.loads(line).get("op") for line in
                 (tmp_path / "data" / "journal.jsonl").read_text().splitlines()[1:]]
    assert journaled.count("dynamodb:ExecuteStatement") == 1
    assert journaled.count("dynamodb:BatchExecuteStatement") == 1
