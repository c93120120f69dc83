"""Hostile PartiQL statements and parameters: DynamoDB's ValidationException, never a 500.

The API reference's ExecuteStatement and BatchExecuteStatement give the statement's length
constraint (PartiQLStatement: 1 to 8192 characters; a longer one is refused by the request
validator, "1 validation error detected: Value '…' at 'statement' failed to satisfy constraint:
Member must have length less than or equal to 8192"). An item nests at most 32 levels
(Developer Guide, "Supported data types and naming rules": "DynamoDB supports nested attributes
up to 32 levels deep"; DynamoDB answers "Nesting Levels have exceeded supported limits: …").
Within 8192 characters a statement can still nest thousands deep, or chain a thousand ANDs: the
sandbox reads those without exhausting its stack, refusing nesting past 100 levels as a
statement that cannot be processed.
"""
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.processes import ClientFactory

MALFORMED = "Statement wasn't well formed, can't be processed: "
TOO_DEEP = MALFORMED + "the statement nests more than 100 levels deep"
NESTING_MESSAGE = ("Nesting Levels have exceeded supported limits: Attributes in the item have "
                   "nested levels beyond supported limit")
NUMBER_OVERFLOW = ("Number overflow. Attempting to store a number with magnitude larger than "
                   "supported range")
TOO_LONG = ("1 validation error detected: Value '{statement}' at '{where}' failed to satisfy "
            "constraint: Member must have length less than or equal to 8192")


@pytest.fixture
def dynamodb(aws_client: ClientFactory) -> Any:
    return aws_client("dynamodb")


@pytest.fixture
def table(dynamodb: Any) -> Iterator[str]:
    name = f"hostile-{uuid.uuid4().hex}"
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    yield name
    dynamodb.delete_table(TableName=name)


def refusal(dynamodb: Any, statement: str, **options: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        dynamodb.execute_statement(Statement=statement, **options)
    answer = raised.value.response
    return (answer["ResponseMetadata"]["HTTPStatusCode"], answer["Error"]["Code"],
            answer["Error"]["Message"])


def test_a_statement_over_8192_characters_is_refused(dynamodb: Any, table: str) -> None:
    """PartiQLStatement's length constraint, as the request validator words it (the sandbox ran
    statements of any length)."""
    statement = f"SELECT * FROM \"{table}\" WHERE pk = '{'a' * 8192}'"
    assert refusal(dynamodb, statement) == \
        (400, "ValidationException", TOO_LONG.format(statement=statement, where="statement"))


def test_a_batch_statement_over_8192_characters_refuses_the_batch(dynamodb: Any,
                                                                   table: str) -> None:
    """The constraint holds for each of BatchExecuteStatement's statements: the call fails."""
    statement = f"SELECT * FROM \"{table}\" WHERE pk = '{'a' * 8192}'"
    with pytest.raises(ClientError) as raised:
        dynamodb.batch_execute_statement(Statements=[
            {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'a'"}, {"Statement": statement}])
    assert raised.value.response["Error"]["Message"] == \
        TOO_LONG.format(statement=statement, where="statements.2.member.statement")


@pytest.mark.parametrize("condition", [
    "(" * 2000 + "pk = 'a'" + ")" * 2000,
    "NOT " * 1500 + "pk = 'a'",
    "size(" * 1000 + "pk" + ")" * 1000 + " > 0",
    "n = " + " + ".join(["1"] * 1000),
], ids=["parentheses", "not", "calls", "sums"])
def test_a_condition_nested_thousands_deep_is_refused(dynamodb: Any, table: str,
                                                      condition: str) -> None:
    """Within 8192 characters, nesting the sandbox answered with a 500 (RecursionError)."""
    assert refusal(dynamodb, f"SELECT * FROM \"{table}\" WHERE {condition}") == \
        (400, "ValidationException", TOO_DEEP)


@pytest.mark.parametrize("value", ["[" * 3000 + "]" * 3000,
                                   "{'a': " * 1000 + "1" + "}" * 1000],
                         ids=["lists", "maps"])
def test_a_value_nested_thousands_deep_is_refused(dynamodb: Any, table: str, value: str) -> None:
    assert refusal(dynamodb, f"INSERT INTO \"{table}\" VALUE {{'pk': 'b', 'x': {value}}}") == \
        (400, "ValidationException", TOO_DEEP)


def test_long_chains_of_ands_and_ors_are_read(dynamodb: Any, table: str) -> None:
    """Long chains are no nesting: they run (the sandbox answered 500 past ~300 terms)."""
    ands = " AND ".join(["n=1"] * 1000)
    ors = " OR ".join(["pk='z'"] * 699 + ["pk='a'"])
    assert dynamodb.execute_statement(
        Statement=f"SELECT pk FROM \"{table}\" WHERE {ands}")["Items"] == [{"pk": {"S": "a"}}]
    assert dynamodb.execute_statement(
        Statement=f"SELECT pk FROM \"{table}\" WHERE {ors}")["Items"] == [{"pk": {"S": "a"}}]


def test_an_item_nested_past_32_levels_is_refused(dynamodb: Any, table: str) -> None:
    """32 levels at most, as PutItem refuses them (the sandbox stored a 40 deep parameter)."""
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(40):
        value = {"M": {"a": value}}
    assert refusal(dynamodb, f"INSERT INTO \"{table}\" VALUE {{'pk': 'deep', 'x': ?}}",
                   Parameters=[value]) == (400, "ValidationException", NESTING_MESSAGE)
    assert refusal(dynamodb, f"UPDATE \"{table}\" SET x = ? WHERE pk = 'a'",
                   Parameters=[value]) == (400, "ValidationException", NESTING_MESSAGE)


def test_numbers_out_of_range_are_validation_errors(dynamodb: Any, table: str) -> None:
    """A sum past any number's range is DynamoDB's "Number overflow" (a 500 before), and a
    literal of 100,000 digits a ValidationException, not a 500."""
    assert refusal(dynamodb, f"UPDATE \"{table}\" SET n = n + 1e999999999 WHERE pk = 'a'") == \
        (400, "ValidationException", NUMBER_OVERFLOW)
    status, code, _ = refusal(dynamodb, f"INSERT INTO \"{table}\" VALUE {{'pk': 'b', 'n': ?}}",
                              Parameters=[{"N": "9" * 100_000}])
    assert (status, code) == (400, "ValidationException")
    status, code, _ = refusal(dynamodb, f"SELECT n[{'9' * 5000}] FROM \"{table}\"")
    assert (status, code) == (400, "ValidationException")
