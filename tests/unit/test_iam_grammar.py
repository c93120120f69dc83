"""IAM's policy grammar (webapp.iam_grammar), stated rule by rule as AWS's IAM User Guide has it.

Both the console's policy checker and the sandbox's policy evaluation read policies with these
functions, so each rule here holds for both.
"""
from __future__ import annotations

import pytest

from webapp.iam_grammar import arn_formats, arns, variables, wildcards

ROLE_ARN = "arn:aws:iam::123456789012:role/service-role/notes-fn"
LOG_STREAM_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/notes:log-stream:abc"
TABLE_FORMAT = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"


# "IAM JSON policy elements: Resource": wildcards "represent: Any combination of characters (*)
# [and] Any single character (?)".
@pytest.mark.parametrize(("pattern", "value", "matches"), [
    ("notes*", "notes", True),          # `*` may stand for no characters at all
    ("notes*", "notes-archive", True),
    ("*", "", True),
    ("note?", "notes", True),           # `?` exactly one character...
    ("note?", "note", False),           # ...never none...
    ("note?", "notess", False),         # ...nor two
    ("n*s", "nXs/with/slashes", True),  # `*` crosses "/" like any other character
    ("notes", "Notes", False),          # values compare case-sensitively
    ("a.b", "aXb", False),              # no other character is special
    ("[ab]", "a", False),
])
def test_star_is_any_run_and_question_mark_exactly_one(pattern: str, value: str,
                                                       matches: bool) -> None:
    assert wildcards.matches(pattern, value) is matches


# "IAM JSON policy elements: Action": "The prefix and the action name are case insensitive."
@pytest.mark.parametrize(("pattern", "action", "matches"), [
    ("dynamodb:GetItem", "DynamoDB:getitem", True),
    ("DYNAMODB:get*", "dynamodb:GetItem", True),
    ("s3:?etObject", "s3:GetObject", True),
    ("s3:?etObject", "s3:etObject", False),
    ("dynamodb:Get*", "dynamodb:PutItem", False),
    ("*", "logs:PutLogEvents", True),
])
def test_action_names_match_in_any_casing(pattern: str, action: str, matches: bool) -> None:
    assert wildcards.action_matches(pattern, action) is matches


def test_has_wildcard_knows_only_star_and_question_mark() -> None:
    assert wildcards.has_wildcard("dynamodb:Get*") and wildcards.has_wildcard("s3:?etObject")
    assert not wildcards.has_wildcard("arn:aws:s3:::bucket/[a]+.txt")


# "IAM identifiers": arn:partition:service:region:account-id:resource — the resource part may
# hold colons of its own, so only the first five colons separate components.
def test_an_arn_splits_into_six_components_on_its_first_five_colons() -> None:
    assert arns.split_arn(LOG_STREAM_ARN) == (
        "arn", "aws", "logs", "eu-west-1", "123456789012", "log-group:/aws/lambda/notes:log-stream:abc")
    assert arns.split_arn("arn:aws:s3:::bucket") == ("arn", "aws", "s3", "", "", "bucket")
    assert arns.split_arn("arn:aws:s3::bucket") is None  # five components: not an ARN


# "Using wildcards in resource ARNs": "You can use wildcard characters (* and ?) within the
# individual segments of an ARN (the parts separated by colons) ... If the * wildcard is the
# last character of a resource ARN segment, it can expand to match beyond the colon boundaries."
@pytest.mark.parametrize(("pattern", "resource", "matches"), [
    ("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/notes:*", LOG_STREAM_ARN, True),
    ("arn:aws:logs:*:123456789012:log-group:/aws/lambda/notes:*", LOG_STREAM_ARN, True),
    ("arn:aws:logs:eu-*-1:123456789012:log-group:*", LOG_STREAM_ARN, True),
    ("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/n*s:log-stream:abc",
     LOG_STREAM_ARN, True),
    # A `*` inside a segment stays inside it: here it would have to swallow ":log-stream".
    ("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/n*m:abc", LOG_STREAM_ARN, False),
    ("arn:aws:logs:eu-west-?:123456789012:log-group:*", LOG_STREAM_ARN, True),
    ("arn:aws:iam::123456789012:role/service-role/Notes-fn", ROLE_ARN, False),  # case-sensitive
    ("*", ROLE_ARN, True),
])
def test_resource_wildcards_stay_in_their_segment_unless_a_star_ends_it(
        pattern: str, resource: str, matches: bool) -> None:
    assert arns.resource_matches(pattern, resource) is matches


# Condition operators, ArnLike: "Each of the six colon-delimited components of the ARN is
# checked separately and each can include multi-character match wildcards (*) or
# single-character match wildcards (?)."
@pytest.mark.parametrize(("pattern", "arn", "matches"), [
    ("arn:aws:iam::123456789012:role/*", ROLE_ARN, True),
    ("arn:aws:iam::*:role/service-role/notes-?n", ROLE_ARN, True),
    ("arn:aws:*:123456789012:role/*", ROLE_ARN, False),  # a `*` never spans two components
    ("arn:aws:iam::123456789012:*", ROLE_ARN, True),     # ...but the resource keeps its colons
    ("arn:aws:logs:eu-west-1:123456789012:*", LOG_STREAM_ARN, True),
    ("arn:*", ROLE_ARN, False),                           # fewer than six components: no ARN
    ("arn:aws:execute-api:r:1:abc/*/GET/items", "arn:aws:execute-api:r:1:abc/prod/POST/items",
     False),
])
def test_arn_like_checks_each_of_the_six_components_separately(pattern: str, arn: str,
                                                                matches: bool) -> None:
    assert arns.arn_like(pattern, arn) is matches


# "IAM policy elements: Variables and tags": ${key} takes the request's value; ${key, 'default'}
# a default when it is absent; ${*}, ${?} and ${$} stand for the characters themselves.
def test_a_policy_variable_takes_the_requests_value_and_matches_it_literally() -> None:
    keys = {"aws:username": ("ann*",)}
    pattern = variables.expand("arn:aws:iam::123456789012:user/${aws:username}", keys)
    assert pattern is not None
    assert wildcards.text_of(pattern) == "arn:aws:iam::123456789012:user/ann*"
    assert arns.resource_glob(pattern).fullmatch("arn:aws:iam::123456789012:user/ann*")
    assert not arns.resource_glob(pattern).fullmatch("arn:aws:iam::123456789012:user/annabel")


def test_variable_keys_compare_in_any_casing_and_defaults_fill_absent_keys() -> None:
    expanded = variables.expand("${AWS:UserName}/${aws:PrincipalTag/team, 'none'}",
                                {"aws:username": ("ann",)})
    assert expanded is not None and wildcards.text_of(expanded) == "ann/none"
    assert variables.expand("home/${aws:username}", {}) is None  # absent, no default: no match


def test_escapes_are_literal_characters_and_need_no_key() -> None:
    pattern = variables.expand("a${*}b${?}c${$}", {})
    assert pattern is not None and wildcards.glob(pattern).fullmatch("a*b?c$")
    assert not wildcards.glob(pattern).fullmatch("aXXbYc$")
    assert variables.required_keys("${*}/${aws:username}/${aws:userid, 'x'}") == ["aws:username"]


# The Service Authorization Reference's formats name each part with a ${...} placeholder: a
# policy resource fits when some ARN matches both.
@pytest.mark.parametrize(("resource", "single_segment", "fits"), [
    ("arn:aws:dynamodb:eu-west-1:123456789012:table/notes", True, True),
    ("arn:aws:dynamodb:*:*:table/*", True, True),
    ("arn:aws:dynamodb:eu-west-1:123456789012:table/", True, False),   # a placeholder is never empty
    ("arn:aws:dynamodb:eu-west-1:123456789012:table/a/b", True, False),  # one path segment...
    ("arn:aws:dynamodb:eu-west-1:123456789012:table/a/b", False, True),  # ...unless told otherwise
    ("arn:aws:s3:::bucket", True, False),
])
def test_a_resource_fits_a_format_when_some_arn_matches_both(resource: str, single_segment: bool,
                                                             fits: bool) -> None:
    assert arn_formats.fits(resource, TABLE_FORMAT, single_segment=single_segment) is fits


def test_a_formats_weight_counts_what_it_spells_out() -> None:
    assert arn_formats.literal_weight(TABLE_FORMAT) == len("arndynamodbtable")
