"""Tables the browser tests open, made in the console's sandbox as a user's SDK would make them."""
import boto3

from tests.running_console import RunningConsole

REGION = "ap-northeast-2"  # the console's default region
BATCH = 25  # BatchWriteItem's limit


def make_table(console: RunningConsole, table_name: str, count: int = 0) -> None:
    """An ACTIVE table keyed by id (S) holding `count` items, item-00 … with a number n each."""
    dynamodb = boto3.client("dynamodb", endpoint_url=console.sandbox_url, region_name=REGION,
                            aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    dynamodb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    dynamodb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    for start in range(0, count, BATCH):
        dynamodb.batch_write_item(RequestItems={table_name: [
            {"PutRequest": {"Item": {"id": {"S": f"item-{number:02}"}, "n": {"N": str(number)}}}}
            for number in range(start, min(start + BATCH, count))]})
