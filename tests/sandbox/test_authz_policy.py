"""The policy evaluator on its own: statements, wildcards, conditions and policy variables."""
import json
from typing import Any
from urllib.parse import quote

import pytest

from webapp.iam_grammar.arns import resource_matches
from webapp.iam_grammar.variables import expand
from webapp.iam_grammar.wildcards import action_matches, text_of
from webapp.sandbox.authz.policy import Decision, PolicyError, evaluate, parse_policy

TABLE = "arn:aws:dynamodb:ap-northeast-2:123456789012:table/Orders"
ROLE = "arn:aws:iam::123456789012:role/fn-role"


def policy(*statements: dict[str, Any], version: str = "2012-10-17") -> str:
    """A policy document with these statements."""
    return json.dumps({"Version": version, "Statement": list(statements)})


def allow(action: Any = "dynamodb:PutItem", resource: Any = TABLE, **extra: Any) -> dict[str, Any]:
    """An Allow statement."""
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def decision(*documents: str, action: str = "dynamodb:PutItem", resource: str = TABLE,
             keys: dict[str, tuple[str, ...]] | None = None) -> Decision:
    """The evaluator's decision for one request under these documents."""
    return evaluate([parse_policy(document) for document in documents], action, resource,
                    keys or {})


def allowed_with(condition: dict[str, Any], keys: dict[str, tuple[str, ...]]) -> bool:
    """Whether an Allow with this Condition allows a request carrying these keys."""
    return decision(policy(allow(Condition=condition)), keys=keys) is Decision.ALLOWED


# --- statements ------------------------------------------------------------------------------

def test_nothing_allows_by_default() -> None:
    assert decision() is Decision.IMPLICIT_DENY
    assert decision(policy(allow(action="dynamodb:GetItem"))) is Decision.IMPLICIT_DENY


def test_allow_grants_the_named_action_on_the_named_resource() -> None:
    assert decision(policy(allow())) is Decision.ALLOWED
    assert decision(policy(allow()), resource=TABLE.replace("Orders", "Other")) is (
        Decision.IMPLICIT_DENY)


def test_explicit_deny_beats_allow_across_documents() -> None:
    deny = policy({"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"})
    assert decision(policy(allow()), deny) is Decision.EXPLICIT_DENY
    assert decision(deny, policy(allow())) is Decision.EXPLICIT_DENY


def test_a_single_statement_object_and_lists_of_actions_and_resources() -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": allow(
        action=["dynamodb:GetItem", "dynamodb:PutItem"], resource=["arn:aws:s3:::x", TABLE])})
    assert decision(document) is Decision.ALLOWED


def test_not_action_allows_everything_else() -> None:
    document = policy({"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": "*"})
    assert decision(document) is Decision.ALLOWED
    assert decision(document, action="dynamodb:DeleteItem") is Decision.IMPLICIT_DENY


def test_not_resource_denies_everywhere_else() -> None:
    deny_elsewhere = policy({"Effect": "Deny", "Action": "*", "NotResource": TABLE})
    grant_all = policy(allow(action="*", resource="*"))
    assert decision(grant_all, deny_elsewhere) is Decision.ALLOWED
    assert decision(grant_all, deny_elsewhere, resource=f"{TABLE}2") is Decision.EXPLICIT_DENY


def test_url_encoded_documents_are_read() -> None:
    assert decision(quote(policy(allow()))) is Decision.ALLOWED


@pytest.mark.parametrize("document", [
    "not json", "[]", json.dumps({"Statement": [{"Effect": "Maybe", "Action": "*",
                                                 "Resource": "*"}]}),
    json.dumps({"Statement": [{"Effect": "Allow", "Resource": "*"}]}),
    json.dumps({"Statement": [{"Effect": "Allow", "Action": 3, "Resource": "*"}]}),
])
def test_malformed_documents_are_refused(document: str) -> None:
    with pytest.raises(PolicyError):
        parse_policy(document)


# --- wildcards -------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "action", "matches"), [
    ("*", "dynamodb:PutItem", True),
    ("dynamodb:*", "dynamodb:PutItem", True),
    ("dynamodb:*", "logs:PutLogEvents", False),
    ("DynamoDB:putitem", "dynamodb:PutItem", True),  # actions ignore case
    ("dynamodb:Get*", "dynamodb:GetItem", True),
    ("dynamodb:Get*", "dynamodb:PutItem", False),
    ("dynamodb:?etItem", "dynamodb:GetItem", True),
    ("dynamodb:?etItem", "dynamodb:BatchGetItem", False),
    ("dynamodb:PutItem", "dynamodb:PutItems", False),
])
def test_action_patterns(pattern: str, action: str, matches: bool) -> None:
    assert action_matches(pattern, action) is matches


@pytest.mark.parametrize(("pattern", "resource", "matches"), [
    ("*", TABLE, True),
    ("*", "*", True),
    (TABLE, "*", False),  # a fallback resource is only matched by "*"
    ("arn:aws:dynamodb:*:*:table/Ord*", TABLE, True),
    ("arn:aws:dynamodb:*:*:table/Ord*", TABLE.replace("Orders", "Other"), False),
    ("arn:aws:dynamodb:*:*:table/orders", TABLE, False),  # resources keep case
    ("arn:aws:dynamodb:*:*:table/Order?", TABLE, True),
    ("arn:aws:dynamodb:*:*:table/Order?", f"{TABLE}X", False),
    (TABLE, f"{TABLE}/index/ByDate", False),  # a table grant does not cover its indexes
    (f"{TABLE}/*", f"{TABLE}/index/ByDate", True),
    (f"{TABLE}/index/*", f"{TABLE}/index/ByDate", True),
    # A "*" ending a segment runs past colons; one inside a segment does not.
    ("arn:aws:logs:*:*:log-group:/aws/lambda/fn:*",
     "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/lambda/fn:log-stream:s1", True),
    ("arn:aws:logs:*:*:log-group:/aws/lambda/fn",
     "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/lambda/fn:log-stream:", False),
    ("arn:aws:logs:ap-*-2:*:*", "arn:aws:logs:ap-northeast-2:123456789012:log-group:g", True),
    ("arn:aws:logs:ap*2:*:*", "arn:aws:logs:ap-northeast-2:123456789012:log-group:g", True),
    ("arn:aws:dynamodb:ap*Orders", TABLE, False),
    ("arn:aws:dynamodb:*", TABLE, True),
    ("arn:aws:dynamodb:ap-northeast-2:123456789012:table/Ord?rs", TABLE, True),
    ("arn:aws:logs:*:*:log-group:/a?b",
     "arn:aws:logs:r:123456789012:log-group:/a:b", False),  # "?" stays inside a segment
])
def test_resource_patterns(pattern: str, resource: str, matches: bool) -> None:
    assert resource_matches(pattern, resource) is matches


# --- conditions ------------------------------------------------------------------------------

@pytest.mark.parametrize(("condition", "keys", "expected"), [
    ({"StringEquals": {"aws:PrincipalArn": ROLE}}, {"aws:principalarn": (ROLE,)}, True),
    ({"StringEquals": {"aws:PrincipalArn": ROLE.upper()}}, {"aws:principalarn": (ROLE,)}, False),
    ({"StringEqualsIgnoreCase": {"aws:PrincipalArn": ROLE.upper()}},
     {"aws:principalarn": (ROLE,)}, True),
    ({"StringEquals": {"AWS:PRINCIPALARN": ROLE}}, {"aws:principalarn": (ROLE,)}, True),
    ({"StringEquals": {"aws:PrincipalArn": ["x", ROLE]}}, {"aws:principalarn": (ROLE,)}, True),
    ({"StringNotEquals": {"aws:PrincipalArn": ["x", ROLE]}}, {"aws:principalarn": (ROLE,)},
     False),
    ({"StringNotEquals": {"aws:PrincipalArn": "x"}}, {"aws:principalarn": (ROLE,)}, True),
    ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/fn-*"}},
     {"aws:principalarn": (ROLE,)}, True),
    ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/db-*"}},
     {"aws:principalarn": (ROLE,)}, False),
    ({"StringNotLike": {"aws:PrincipalArn": "*db*"}}, {"aws:principalarn": (ROLE,)}, True),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/*"}},
     {"aws:principalarn": (ROLE,)}, True),
    ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/fn-role"}},
     {"aws:principalarn": (ROLE,)}, True),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:*"}},
     {"aws:principalarn": ("not-an-arn",)}, False),
    ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::999999999999:*"}},
     {"aws:principalarn": (ROLE,)}, True),
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:securetransport": ("true",)}, True),
    ({"Bool": {"aws:SecureTransport": False}}, {"aws:securetransport": ("true",)}, False),
    ({"NumericLessThan": {"aws:EpochTime": "2000000000"}}, {"aws:epochtime": ("1700000000",)},
     True),
    ({"NumericGreaterThanEquals": {"aws:EpochTime": 1700000000}},
     {"aws:epochtime": ("1700000000",)}, True),
    ({"NumericEquals": {"aws:EpochTime": "12"}}, {"aws:epochtime": ("twelve",)}, False),
    ({"NumericNotEquals": {"aws:EpochTime": "12"}}, {"aws:epochtime": ("13",)}, True),
    ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
     {"aws:currenttime": ("2024-05-01T12:00:00Z",)}, True),
    ({"DateLessThan": {"aws:CurrentTime": "2020-01-01"}},
     {"aws:currenttime": ("2024-05-01T12:00:00Z",)}, False),
    ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {"aws:sourceip": ("127.0.0.1",)}, True),
    ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:sourceip": ("127.0.0.1",)}, True),
    ({"BinaryEquals": {"k": "aGk="}}, {"k": ("aGk=",)}, True),
    # Every operator of a block and every key of an operator must hold.
    ({"StringEquals": {"aws:PrincipalArn": ROLE, "aws:RequestedRegion": "us-east-1"}},
     {"aws:principalarn": (ROLE,), "aws:requestedregion": ("ap-northeast-2",)}, False),
    ({"StringEquals": {"aws:PrincipalArn": ROLE}, "Bool": {"aws:SecureTransport": "false"}},
     {"aws:principalarn": (ROLE,), "aws:securetransport": ("true",)}, False),
])
def test_condition_operators(condition: dict[str, Any], keys: dict[str, tuple[str, ...]],
                             expected: bool) -> None:
    assert allowed_with(condition, keys) is expected


@pytest.mark.parametrize(("condition", "expected"), [
    ({"StringEquals": {"aws:SourceArn": "arn:aws:lambda:*"}}, False),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*"}}, False),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, False),
    # A condition that requires the key not to match holds when the key is absent (AWS docs).
    ({"StringNotEquals": {"aws:SourceArn": "arn:aws:lambda:*"}}, True),
    ({"ArnNotLike": {"aws:SourceArn": "arn:aws:lambda:*"}}, True),
    ({"StringEqualsIfExists": {"aws:SourceArn": "arn:x"}}, True),
    ({"ArnLikeIfExists": {"aws:SourceArn": "arn:x"}}, True),
    ({"Null": {"aws:SourceArn": "true"}}, True),
    ({"Null": {"aws:SourceArn": "false"}}, False),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, True),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, False),
])
def test_conditions_on_a_key_the_request_lacks(condition: dict[str, Any], expected: bool) -> None:
    assert allowed_with(condition, {}) is expected


def test_if_exists_still_tests_a_present_key() -> None:
    condition = {"StringEqualsIfExists": {"aws:SourceArn": "arn:x"}}
    assert allowed_with(condition, {"aws:sourcearn": ("arn:x",)})
    assert not allowed_with(condition, {"aws:sourcearn": ("arn:y",)})


def test_null_on_a_present_key() -> None:
    keys = {"aws:sourcearn": ("arn:x",)}
    assert allowed_with({"Null": {"aws:SourceArn": "false"}}, keys)
    assert not allowed_with({"Null": {"aws:SourceArn": "true"}}, keys)


@pytest.mark.parametrize(("operator", "values", "expected"), [
    ("ForAllValues:StringEquals", ("a", "b"), True),
    ("ForAllValues:StringEquals", ("a", "z"), False),
    ("ForAnyValue:StringEquals", ("z", "b"), True),
    ("ForAnyValue:StringEquals", ("y", "z"), False),
    ("ForAnyValue:StringLike", ("zzz", "b1"), True),
    ("ForAllValues:StringNotEquals", ("y", "z"), True),
    ("ForAllValues:StringNotEquals", ("a", "z"), False),
])
def test_set_operators_on_multivalued_keys(operator: str, values: tuple[str, ...],
                                           expected: bool) -> None:
    wanted = ["a", "b*"] if "Like" in operator else ["a", "b"]
    assert allowed_with({operator: {"aws:TagKeys": wanted}}, {"aws:tagkeys": values}) is expected


def test_unknown_operators_never_hold() -> None:
    assert not allowed_with({"StringSortOf": {"k": "v"}}, {"k": ("v",)})


def test_condition_in_a_deny_only_denies_when_it_holds() -> None:
    deny_insecure = {"Effect": "Deny", "Action": "*", "Resource": "*",
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    document = policy(allow(), deny_insecure)
    assert decision(document, keys={"aws:securetransport": ("true",)}) is Decision.ALLOWED
    assert decision(document, keys={"aws:securetransport": ("false",)}) is (
        Decision.EXPLICIT_DENY)


# --- policy variables ------------------------------------------------------------------------

def test_variables_fill_resources_from_the_request() -> None:
    document = policy(allow(resource="arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/table}"))
    assert decision(document, keys={"aws:principaltag/table": ("Orders",)}) is Decision.ALLOWED
    assert decision(document, keys={"aws:principaltag/table": ("Other",)}) is (
        Decision.IMPLICIT_DENY)
    assert decision(document) is Decision.IMPLICIT_DENY  # absent key: the pattern matches nothing


def test_variables_take_a_default_and_escapes() -> None:
    def filled(text: str) -> str | None:
        pattern = expand(text, {})
        return None if pattern is None else text_of(pattern)

    assert filled("table/${aws:username, 'Orders'}") == "table/Orders"
    assert filled("a${*}b${?}c${$}") == "a*b?c$"
    assert filled("table/${aws:username}") is None
    assert filled("plain") == "plain"


def test_variable_values_and_escapes_are_literal_not_wildcards() -> None:
    escaped = policy(allow(resource="arn:aws:dynamodb:*:*:table/Ord${*}"))
    assert decision(escaped, resource=f"{TABLE[:-len('Orders')]}Ord*") is Decision.ALLOWED
    assert decision(escaped) is Decision.IMPLICIT_DENY
    from_tag = policy(allow(resource="arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/t}"))
    assert decision(from_tag, keys={"aws:principaltag/t": ("Ord*",)}) is Decision.IMPLICIT_DENY
    like = {"StringLike": {"aws:userid": "${aws:PrincipalTag/prefix}*"}}
    assert allowed_with(like, {"aws:principaltag/prefix": ("AROA?",), "aws:userid": ("AROA?:fn",)})
    assert not allowed_with(like, {"aws:principaltag/prefix": ("AROA?",),
                                   "aws:userid": ("AROAX:fn",)})


def test_arn_conditions_compare_component_by_component() -> None:
    condition = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/fn-*"}}
    assert allowed_with(condition, {"aws:principalarn": (ROLE,)})
    assert not allowed_with(condition, {"aws:principalarn": ("arn:aws:iam::1:2:role/fn-x",)})
    short = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}  # fewer than six components
    assert not allowed_with(short, {"aws:principalarn": (ROLE,)})
    from_key = {"ArnEquals": {"aws:PrincipalArn": "${aws:SourceArn}"}}
    assert allowed_with(from_key, {"aws:principalarn": (ROLE,), "aws:sourcearn": (ROLE,)})


def test_variables_fill_condition_values() -> None:
    condition = {"StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/owner}"}}
    assert allowed_with(condition, {"aws:principaltag/team": ("red",),
                                    "aws:principaltag/owner": ("red",)})
    assert not allowed_with(condition, {"aws:principaltag/team": ("red",),
                                        "aws:principaltag/owner": ("blue",)})


def test_old_documents_read_variables_literally() -> None:
    literal_table = "arn:aws:dynamodb:*:*:table/${aws:username}"
    document = policy(allow(resource=literal_table), version="2008-10-17")
    keys = {"aws:username": ("Orders",)}
    assert decision(document, keys=keys) is Decision.IMPLICIT_DENY
    assert decision(document, resource=literal_table.replace("*:*", "r:1"), keys=keys) is (
        Decision.ALLOWED)
