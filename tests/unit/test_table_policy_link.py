"""A table's page links to the policy builder with that table chosen."""
from __future__ import annotations

import boto3
from flask.testing import FlaskClient


def test_a_table_page_offers_to_allow_a_role_to_use_it(signed_in: FlaskClient) -> None:
    boto3.client("dynamodb", region_name="ap-northeast-2").create_table(
        TableName="Orders", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    page = signed_in.get("/tables/Orders").text
    assert '<a class="button" href="/iam/policies/new?table=Orders">Allow a role to use this table</a>' in page
