"""The permissions summary: allowed actions per service and resource, denies, wildcards counted."""
from __future__ import annotations

from webapp.aws.iam.catalogue import expand_action
from webapp.aws.iam.permissions_summary import ACTION_DISPLAY_CAP, summarise

TABLE = "arn:aws:dynamodb:ap-northeast-2:123456789012:table/Notes"
READ_WRITE = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "NotesReadWrite",
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        "Resource": [TABLE, f"{TABLE}/index/*"],
    }],
}


def test_a_read_write_table_policy_lists_its_actions_on_the_table_and_its_indexes() -> None:
    summary = summarise([("notes-rw", READ_WRITE)])
    [service] = summary.services
    assert (service.prefix, service.name) == ("dynamodb", "Amazon DynamoDB")
    [grant] = service.grants
    assert grant.actions == ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
                             "dynamodb:UpdateItem")
    assert grant.resources == (TABLE, f"{TABLE}/index/*")
    assert grant.sources == ("notes-rw",)
    assert service.action_count == 4
    assert summary.denies == () and not summary.is_empty


def test_a_service_wildcard_expands_to_every_action_with_a_shown_cap() -> None:
    summary = summarise([("full", {"Statement": {"Effect": "Allow", "Action": "dynamodb:*",
                                                 "Resource": TABLE}})])
    [grant] = summary.services[0].grants
    expected = len(expand_action("dynamodb:*"))
    assert expected > 40
    assert len(grant.actions) == expected
    assert grant.wildcards == ("dynamodb:*",)
    assert len(grant.shown_actions) == ACTION_DISPLAY_CAP
    assert grant.more_actions == expected - ACTION_DISPLAY_CAP


def test_statements_on_the_same_resources_merge_and_others_stay_apart() -> None:
    logs = {"Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream"], "Resource": "arn:aws:logs:*:*:*"},
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE},
    ]}
    summary = summarise([("notes-rw", READ_WRITE), ("basic", logs),
                         ("more", {"Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents",
                                                  "Resource": "arn:aws:logs:*:*:*"}]})])
    assert [service.prefix for service in summary.services] == ["logs", "dynamodb"]
    [log_grant] = summary.services[0].grants
    assert log_grant.actions == ("logs:CreateLogStream", "logs:PutLogEvents")
    assert log_grant.sources == ("basic", "more")
    table_only = [grant for grant in summary.services[1].grants if grant.resources == (TABLE,)]
    assert table_only[0].actions == ("dynamodb:GetItem",)
    assert len(summary.services[1].grants) == 2


def test_denies_and_not_action_allows_are_listed_as_written() -> None:
    document = {"Statement": [
        {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": TABLE},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    ]}
    summary = summarise([("guard", document)])
    [deny] = summary.denies
    assert (deny.source, deny.actions, deny.resources) == ("guard", ("dynamodb:DeleteTable",), (TABLE,))
    [except_iam] = summary.allows_except
    assert except_iam.actions == ("iam:*",) and except_iam.not_action
    [everything] = summary.all_actions
    assert everything.resources == ("*",) and everything.conditional
    assert summary.services == ()


def test_unknown_actions_stay_visible_and_odd_documents_do_not_break_it() -> None:
    summary = summarise([("typo", {"Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItems",
                                                  "Resource": TABLE}]}),
                         ("junk", {"Statement": "nonsense"}), ("empty", {})])
    assert summary.services[0].grants[0].actions == ("dynamodb:GetItems",)
    assert summarise([]).is_empty
