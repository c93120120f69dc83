"""The builder's documents: curated actions AWS knows, on the narrowest ARNs that fit them."""
from __future__ import annotations

import json
import re

import pytest
from policy_sentry.querying.actions import get_action_data

from webapp.aws.iam.policy_templates import (
    CHOSEN, FUNCTION, KINDS, LOG_GROUP, READ, READ_WRITE, TABLE, WRITE, actions_for,
    offered_actions, policy_for,
)

TABLE_ARN = "arn:aws:dynamodb:ap-northeast-2:123456789012:table/Orders"
GROUP_ARN = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/lambda/orders"
FUNCTION_ARN = "arn:aws:lambda:ap-northeast-2:123456789012:function:orders"
ARNS = {TABLE: TABLE_ARN, LOG_GROUP: GROUP_ARN, FUNCTION: FUNCTION_ARN}


def _policy_sentry_formats(action: str) -> list[str]:
    service, name = action.split(":")
    data = get_action_data(service, name) or {}
    return [entry["resource_arn_format"] for entry in data.get(service, [])]


try:  # H1's wrapper over policy_sentry, once it lands; policy_sentry itself until then.
    from webapp.aws.iam.catalogue import expand_action, resource_arn_formats
except ImportError:  # pragma: no cover
    def expand_action(pattern: str) -> list[str]:
        """The action itself when the catalogue knows it."""
        return [pattern] if _policy_sentry_formats(pattern) else []

    resource_arn_formats = _policy_sentry_formats


def arn_formats(action: str) -> list[str]:
    """The catalogue's ARN formats for an action, without the bare "*"."""
    return [arn_format for arn_format in resource_arn_formats(action) if arn_format != "*"]


def fits(arn: str, arn_format: str) -> bool:
    """Whether a policy ARN fits a catalogue ARN format, ${...} standing for any text."""
    pattern = "".join(".+" if part.startswith("${") else re.escape(part)
                      for part in re.split(r"(\$\{[^}]+\})", arn_format))
    return re.fullmatch(pattern, arn.replace("*", "x")) is not None


def statements(document: dict) -> list[tuple[list[str], list[str]]]:
    """(actions, resources) of each statement, resources always a list."""
    found = []
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        assert re.fullmatch(r"[A-Za-z0-9]+", statement["Sid"])
        resources = statement["Resource"]
        found.append((statement["Action"], resources if isinstance(resources, list) else [resources]))
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_every_offered_action_is_in_the_catalogue(kind: str) -> None:
    for curated in offered_actions(kind):
        assert expand_action(curated.action) == [curated.action]


@pytest.mark.parametrize("kind", KINDS)
def test_every_resource_fits_its_actions_resource_types(kind: str) -> None:
    for actions, resources in statements(policy_for(kind, [ARNS[kind]], READ_WRITE)):
        for action in actions:
            formats = arn_formats(action)
            assert formats, action
            for resource in resources:
                assert any(fits(resource, arn_format) for arn_format in formats), (action, resource)


def test_table_read_write_reaches_the_table_and_its_indexes_only() -> None:
    document = policy_for(TABLE, [TABLE_ARN], READ_WRITE)
    assert document["Version"] == "2012-10-17"
    assert statements(document) == [
        (["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
          "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem",
          "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"], [TABLE_ARN]),
        (["dynamodb:Query", "dynamodb:Scan"], [TABLE_ARN, f"{TABLE_ARN}/index/*"]),
    ]


def test_table_read_grants_no_writes_and_write_no_reads() -> None:
    read = {action for actions, _ in statements(policy_for(TABLE, [TABLE_ARN], READ))
            for action in actions}
    write = {action for actions, _ in statements(policy_for(TABLE, [TABLE_ARN], WRITE))
             for action in actions}
    assert read == {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
                    "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"}
    assert write == {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                     "dynamodb:BatchWriteItem"}


def test_log_writes_create_the_group_and_write_its_streams() -> None:
    assert statements(policy_for(LOG_GROUP, [f"{GROUP_ARN}:*"], WRITE)) == [
        (["logs:CreateLogGroup"], [f"{GROUP_ARN}:*"]),
        (["logs:CreateLogStream", "logs:PutLogEvents"], [f"{GROUP_ARN}:log-stream:*"]),
    ]


def test_function_invoke_covers_versions_and_aliases() -> None:
    assert statements(policy_for(FUNCTION, [FUNCTION_ARN], WRITE)) == [
        (["lambda:InvokeFunction"], [FUNCTION_ARN, f"{FUNCTION_ARN}:*"])]


def test_chosen_actions_keep_the_offered_order_and_only_those() -> None:
    document = policy_for(TABLE, [TABLE_ARN], CHOSEN, ["dynamodb:PutItem", "dynamodb:GetItem"])
    assert statements(document) == [(["dynamodb:GetItem", "dynamodb:PutItem"], [TABLE_ARN])]


@pytest.mark.parametrize(("kind", "access", "actions"), [
    ("bucket", READ, None),
    (TABLE, "admin", None),
    (TABLE, CHOSEN, ["dynamodb:DeleteTable"]),
    (TABLE, CHOSEN, []),
])
def test_unknown_kinds_levels_and_actions_are_refused(kind: str, access: str,
                                                      actions: list[str] | None) -> None:
    with pytest.raises(ValueError):
        policy_for(kind, [TABLE_ARN], access, actions)


def test_reads_come_before_writes_in_the_offer() -> None:
    for kind in KINDS:
        levels = [curated.level for curated in offered_actions(kind)]
        assert levels == sorted(levels, key=[READ, WRITE].index)
    assert actions_for(FUNCTION, READ) == ["lambda:GetFunction", "lambda:GetFunctionConfiguration"]


@pytest.mark.parametrize("access", [READ, WRITE, READ_WRITE])
@pytest.mark.parametrize("kind", KINDS)
def test_the_policy_checker_finds_nothing_wrong(kind: str, access: str) -> None:
    check_policy = pytest.importorskip("webapp.aws.iam.policy_check").check_policy
    check = check_policy(json.dumps(policy_for(kind, [ARNS[kind]], access), indent=2))
    assert check.ok and not check.findings, check.findings
