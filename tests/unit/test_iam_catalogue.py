"""The offline IAM action catalogue: names, wildcards, access levels, ARN formats, suggestions."""
from __future__ import annotations

import pytest

from webapp.aws.iam import catalogue as iam_catalogue


def test_service_name_is_the_human_name_and_falls_back_to_the_prefix():
    assert iam_catalogue.service_name("dynamodb") == "Amazon DynamoDB"
    assert iam_catalogue.service_name("logs") == "Amazon CloudWatch Logs"
    assert iam_catalogue.service_name("nosuchservice") == "nosuchservice"


def test_known_services():
    assert iam_catalogue.is_known_service("DynamoDB")
    assert not iam_catalogue.is_known_service("dynamdb")
    assert {"dynamodb", "lambda", "logs", "iam", "sts"} <= set(iam_catalogue.service_prefixes())


def test_canonical_action_fixes_casing_and_rejects_unknown_and_wildcards():
    assert iam_catalogue.canonical_action("DynamoDB:getitem") == "dynamodb:GetItem"
    assert iam_catalogue.canonical_action("dynamodb:GetItems") is None
    assert iam_catalogue.canonical_action("dynamodb:Get*") is None
    assert iam_catalogue.canonical_action("GetItem") is None


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("dynamodb:GetItem", ["dynamodb:GetItem"]),
        ("DYNAMODB:getitem", ["dynamodb:GetItem"]),
        ("s3:?etObject", ["s3:GetObject"]),
        ("dynamodb:BatchGet*", ["dynamodb:BatchGetItem"]),
        ("dynamodb:GetItems", []),
        ("dynamodb:Fly*", []),
        ("nosuch:*", []),
        ("not-an-action", []),
    ],
)
def test_expand_action(pattern, expected):
    assert iam_catalogue.expand_action(pattern) == expected


def test_expand_action_service_wildcard_and_star():
    everything = iam_catalogue.expand_action("dynamodb:*")
    wanted = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:ListTables"}
    assert wanted <= set(everything)
    assert all(action.startswith("dynamodb:") for action in everything)
    assert everything == sorted(everything)
    all_actions = iam_catalogue.expand_action("*")
    assert len(all_actions) > 10_000
    assert set(everything) < set(all_actions)
    gets = iam_catalogue.expand_action("dynamodb:get*")
    assert "dynamodb:GetItem" in gets and "dynamodb:PutItem" not in gets


def test_access_levels():
    assert iam_catalogue.action_access_level("dynamodb:GetItem") == "Read"
    assert iam_catalogue.action_access_level("dynamodb:PutItem") == "Write"
    assert iam_catalogue.action_access_level("dynamodb:ListTables") == "List"
    assert iam_catalogue.action_access_level("dynamodb:TagResource") == "Tagging"
    assert iam_catalogue.action_access_level("iam:PutRolePolicy") == "Permissions management"
    assert iam_catalogue.action_access_level("dynamodb:GetItems") is None
    assert iam_catalogue.action_access_level("dynamodb:*") is None


def test_resource_arn_formats():
    table = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"
    index = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/index/${IndexName}"
    assert iam_catalogue.resource_arn_formats("dynamodb:GetItem") == [table]
    assert set(iam_catalogue.resource_arn_formats("dynamodb:Query")) == {table, index}
    assert set(iam_catalogue.action_resource_types("dynamodb:Query")) == {"table", "index"}
    assert iam_catalogue.action_resource_types("dynamodb:ListTables") == []
    assert iam_catalogue.resource_arn_formats("dynamodb:ListTables") == []
    assert iam_catalogue.resource_arn_formats("dynamodb:GetItems") == []
    assert any(":log-stream:" in fmt for fmt in iam_catalogue.resource_arn_formats("logs:PutLogEvents"))
    assert table in iam_catalogue.service_arn_formats("dynamodb")


def test_suggestions():
    assert iam_catalogue.suggest_action("dynamodb:GetItems") == "dynamodb:GetItem"
    assert iam_catalogue.suggest_action("dynamodb:PutIten") == "dynamodb:PutItem"
    assert iam_catalogue.suggest_action("dynamdb:GetItem") == "dynamodb:GetItem"
    assert iam_catalogue.suggest_action("dynamodb:Xyzzyplugh") is None
    assert iam_catalogue.suggest_service("lamda") == "lambda"
    assert iam_catalogue.suggest_service("qqqqqqq") is None


def test_load_is_idempotent():
    iam_catalogue.load()
    iam_catalogue.load()
    assert iam_catalogue.is_known_service("dynamodb")
