"""Scan pages and table sizes in the sandbox follow every put, delete and update."""
import uuid
from typing import Any

from .processes import ClientFactory


def make_table(dynamodb: Any, sort_key: bool = False) -> str:
    name = f"scan-{uuid.uuid4().hex[:8]}"
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if sort_key:
        definitions.append({"AttributeName": "sk", "AttributeType": "N"})
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=definitions, KeySchema=schema)
    return name


def scan_all(dynamodb: Any, table: str, page_size: int = 50) -> list[dict]:
    items: list[dict] = []
    start: dict = {}
    while True:
        page = dynamodb.scan(TableName=table, Limit=page_size, **start)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def put(dynamodb: Any, table: str, key: str, **attributes: str) -> None:
    dynamodb.put_item(TableName=table, Item={"pk": {"S": key},
                                             **{name: {"S": value} for name, value in attributes.items()}})


def test_scan_pages_see_every_put_delete_and_update(aws_client: ClientFactory) -> None:
    dynamodb = aws_client("dynamodb")
    table = make_table(dynamodb)
    for number in range(120):
        put(dynamodb, table, f"item-{number:03d}", note="first")
    keys = [item["pk"]["S"] for item in scan_all(dynamodb, table)]
    assert sorted(keys) == [f"item-{number:03d}" for number in range(120)]
    assert len(set(keys)) == 120

    put(dynamodb, table, "item-new", note="added after a scan")
    dynamodb.delete_item(TableName=table, Key={"pk": {"S": "item-007"}})
    put(dynamodb, table, "item-008", note="replaced")
    dynamodb.update_item(TableName=table, Key={"pk": {"S": "item-009"}},
                         UpdateExpression="SET note = :n", ExpressionAttributeValues={":n": {"S": "updated"}})
    dynamodb.update_item(TableName=table, Key={"pk": {"S": "item-upserted"}},
                         UpdateExpression="SET note = :n", ExpressionAttributeValues={":n": {"S": "new"}})
    dynamodb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": "item-batch"}, "note": {"S": "batch"}}}},
        {"DeleteRequest": {"Key": {"pk": {"S": "item-010"}}}}]})

    scanned = scan_all(dynamodb, table, 33)
    keys = [item["pk"]["S"] for item in scanned]
    assert keys == sorted(keys), "pages kept moto's key order after the writes"
    notes = {item["pk"]["S"]: item["note"]["S"] for item in scanned}
    assert len(notes) == 121
    assert "item-007" not in notes and "item-010" not in notes
    assert notes["item-new"] == "added after a scan"
    assert notes["item-008"] == "replaced"
    assert notes["item-009"] == "updated"
    assert notes["item-upserted"] == "new"
    assert notes["item-batch"] == "batch"


def test_scan_pages_of_a_table_with_a_sort_key_follow_writes(aws_client: ClientFactory) -> None:
    dynamodb = aws_client("dynamodb")
    table = make_table(dynamodb, sort_key=True)
    for number in range(30):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": f"p{number % 3}"}, "sk": {"N": str(number)}})
    assert len(scan_all(dynamodb, table, 7)) == 30
    dynamodb.delete_item(TableName=table, Key={"pk": {"S": "p0"}, "sk": {"N": "0"}})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "p9"}, "sk": {"N": "99"}})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "p1"}, "sk": {"N": "4"}, "note": {"S": "again"}})
    scanned = [(item["pk"]["S"], int(item["sk"]["N"]), item.get("note", {}).get("S"))
               for item in scan_all(dynamodb, table, 7)]
    keys = [(pk, sk) for pk, sk, _ in scanned]
    assert keys == sorted(keys)
    assert ("p0", 0) not in keys and ("p9", 99) in keys and len(set(keys)) == len(keys) == 30
    assert ("p1", 4, "again") in scanned
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "nobody"}, "sk": {"N": "1"}})
    assert dynamodb.describe_table(TableName=table)["Table"]["ItemCount"] == 30


def test_describe_table_reports_the_size_of_its_items(aws_client: ClientFactory) -> None:
    dynamodb = aws_client("dynamodb")
    table = make_table(dynamodb)
    assert dynamodb.describe_table(TableName=table)["Table"]["TableSizeBytes"] == 0
    put(dynamodb, table, "a", text="x" * 1000)
    first = dynamodb.describe_table(TableName=table)["Table"]["TableSizeBytes"]
    assert 1000 < first < 1100
    put(dynamodb, table, "b", text="y" * 500)
    second = dynamodb.describe_table(TableName=table)["Table"]
    assert second["TableSizeBytes"] > first + 500
    assert second["ItemCount"] == 2
    dynamodb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    dynamodb.delete_item(TableName=table, Key={"pk": {"S": "b"}})
    assert dynamodb.describe_table(TableName=table)["Table"]["TableSizeBytes"] == 0
