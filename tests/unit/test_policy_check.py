"""Policy checker: every check finds its problem, on the right line, and good policies pass."""
from __future__ import annotations

import json
import textwrap

import pytest

from webapp.aws.iam.policy_check import (
    Finding, arn_fits, check_policy, finding_lines, is_condition_operator,
)
from webapp.aws.iam.policy_json import InvalidJSON, parse_with_positions

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Music"


def policy(*statements: dict, version: str | None = "2012-10-17") -> str:
    """Pretty JSON for a policy with these statements (one per list entry)."""
    document: dict = {} if version is None else {"Version": version}
    document["Statement"] = list(statements)
    return json.dumps(document, indent=2)


def allow(action="dynamodb:GetItem", resource=TABLE, **more) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def messages(result) -> list[str]:
    return [finding.template % finding.params for finding in result.findings]


def only(result, severity="error") -> Finding:
    found = [finding for finding in result.findings if finding.severity == severity]
    assert len(found) == 1, messages(result)
    return found[0]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle` (test helper only)."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


# -- good policies ------------------------------------------------------------------------------


def test_least_privilege_table_policy_is_clean():
    text = policy(
        allow(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"], [TABLE, f"{TABLE}/index/*"],
              Sid="Music1"),
        allow(["logs:CreateLogStream", "logs:PutLogEvents"],
              f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/fn:*"),
        allow("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn:prod"),
        allow("dynamodb:ListTables", "*"),
        {"Effect": "Deny", "NotAction": "dynamodb:Get*", "NotResource": TABLE},
        allow("s3:GetObject", "arn:aws:s3:::bucket/photos/a.jpg",
              Condition={"StringEquals": {"aws:RequestedRegion": ["us-east-1"]},
                         "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "a*"},
                         "Bool": {"aws:SecureTransport": True}}),
    )
    result = check_policy(text)
    assert result.ok
    assert result.findings == []
    assert result.document == json.loads(text)


def test_trust_policy_for_lambda_is_clean():
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    result = check_policy(text, kind="trust")
    assert result.ok and result.findings == []


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        check_policy("{}", kind="resource")


# -- JSON syntax and top level ------------------------------------------------------------------


def test_invalid_json_reports_line_and_column():
    result = check_policy('{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}')
    finding = only(result)
    assert result.document is None and not result.ok
    assert (finding.line, finding.column) == (3, 17)
    assert finding.params["message"] == "Expecting value"


@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_text(text):
    assert only(check_policy(text)).template == "The policy document is empty."


def test_nan_is_not_json():
    assert "not valid JSON" in only(check_policy('{"Version": NaN}')).template


def test_top_level_must_be_object():
    result = check_policy("[1, 2]")
    assert "must be a JSON object" in only(result).template
    assert result.document is None


def test_missing_statement_and_unknown_top_level_key():
    result = check_policy('{"Version": "2012-10-17", "Statment": []}')
    assert sorted(messages(result)) == sorted([
        "Statment is not a policy element here. Allowed: Version, Id, Statement.",
        "The policy has no Statement.",
    ])


@pytest.mark.parametrize("statement", ['"nope"', "[]", "[1]"])
def test_statement_shape(statement):
    result = check_policy('{"Version": "2012-10-17", "Statement": %s}' % statement)
    assert not result.ok and len(result.errors) == 1


def test_single_statement_object_is_statement_zero():
    text = json.dumps({"Version": "2012-10-17", "Statement": allow("dynamodb:GetItems")})
    assert only(check_policy(text)).statement == 0


# -- Version ------------------------------------------------------------------------------------


def test_missing_version_is_a_warning():
    result = check_policy(policy(allow(), version=None))
    assert result.ok
    assert "No Version" in only(result, "warning").template


def test_old_version_is_a_warning():
    result = check_policy(policy(allow(), version="2008-10-17"))
    assert result.ok and "outdated" in only(result, "warning").template


def test_other_version_is_an_error():
    text = policy(allow(), version="2012-10-18")
    finding = only(check_policy(text))
    assert finding.params == {"version": '"2012-10-18"'}
    assert finding.line == line_of(text, '"Version"')


# -- statement elements -------------------------------------------------------------------------


def test_unknown_statement_key_and_wrong_case():
    text = policy({**allow(), "Resources": TABLE},
                  {"effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE})
    result = check_policy(text)
    texts = messages(result)
    assert any(t.startswith("Resources is not a policy element here") for t in texts)
    assert "effect is not a policy element; element names are case-sensitive: write Effect." in texts
    assert any("has no Effect" in t for t in texts)
    unknown = next(f for f in result.findings if f.params.get("key") == "Resources")
    assert unknown.line == line_of(text, '"Resources"') and unknown.statement == 0


@pytest.mark.parametrize(
    ("effect", "expected"),
    [("allow", "Effect is case-sensitive: write Allow."),
     ("Permit", 'Effect must be "Allow" or "Deny", not "Permit".')],
)
def test_effect(effect, expected):
    assert messages(check_policy(policy(allow(Effect=effect)))) == [expected]


def test_sid_must_be_alphanumeric_and_unique():
    text = policy(allow(Sid="read-items"), allow(Sid="Same"), allow(Sid="Same"), allow(Sid=5))
    result = check_policy(text)
    texts = messages(result)
    assert "Sid read-items may only contain letters A-Z, a-z and digits 0-9." in texts
    assert "Sid Same is already used by statement 2; each Sid must be unique." in texts
    assert "Sid must be a string." in texts
    duplicate = next(f for f in result.findings if "unique" in f.template)
    assert duplicate.statement == 2


def test_action_and_not_action():
    both = check_policy(policy({**allow(), "NotAction": "s3:*"}))
    assert messages(both) == ["Use either Action or NotAction in a statement, not both."]
    neither = check_policy(policy({"Effect": "Allow", "Resource": TABLE}))
    assert messages(neither) == ["The statement needs Action (or NotAction)."]


def test_resource_and_not_resource():
    both = check_policy(policy({**allow(), "NotResource": "*"}))
    assert messages(both) == ["Use either Resource or NotResource in a statement, not both."]
    neither = check_policy(policy({"Effect": "Allow", "Action": "dynamodb:GetItem"}))
    assert messages(neither) == ["The statement needs Resource (or NotResource)."]


@pytest.mark.parametrize(
    ("value", "expected"),
    [([], "Action is empty."), (7, "Action must be a string or a list of strings."),
     (["dynamodb:GetItem", 3], "Each entry of Action must be a string, not 3.")],
)
def test_action_value_shape(value, expected):
    assert messages(check_policy(policy(allow(value)))) == [expected]


def test_principal_not_allowed_in_identity_policy():
    result = check_policy(policy(allow(Principal="*")))
    assert "does not belong in a permissions policy" in only(result).template


# -- trust policies -----------------------------------------------------------------------------


def trust(**statement) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]})


def test_trust_policy_needs_principal():
    result = check_policy(trust(Action="sts:AssumeRole"), kind="trust")
    assert "needs a Principal" in only(result).template


def test_trust_policy_principal_shape():
    bad_kind = check_policy(trust(Principal={"Servce": "lambda.amazonaws.com"}, Action="sts:AssumeRole"),
                            "trust")
    assert only(bad_kind).params["key"] == "Servce"
    bad_value = check_policy(trust(Principal=["lambda.amazonaws.com"], Action="sts:AssumeRole"), "trust")
    assert "Principal must be" in only(bad_value).template
    not_principal = check_policy(trust(NotPrincipal={"AWS": "*"}, Action="sts:AssumeRole"), "trust")
    assert "NotPrincipal" in only(not_principal).template


def test_trust_policy_rejects_resource_and_other_actions():
    result = check_policy(trust(Principal={"Service": "lambda.amazonaws.com"}, Action="dynamodb:GetItem",
                                Resource="*"), "trust")
    texts = messages(result)
    assert len(texts) == 2
    assert any("cannot have Resource" in t for t in texts)
    assert any("can only allow sts:AssumeRole" in t for t in texts)


def test_trust_policy_accepts_assume_role_family_wildcards():
    result = check_policy(trust(Principal={"Federated": "cognito-identity.amazonaws.com"},
                                Action=["sts:AssumeRoleWith*", "sts:TagSession"]), "trust")
    assert result.findings == []


# -- actions ------------------------------------------------------------------------------------


def test_unknown_action_suggests_the_closest():
    text = policy(allow(["dynamodb:Query", "dynamodb:GetItems"]))
    finding = only(check_policy(text))
    assert finding.template == "%(action)s is not an action of %(service_name)s. Did you mean %(suggestion)s?"
    assert finding.params == {"action": "dynamodb:GetItems", "suggestion": "dynamodb:GetItem",
                              "service_name": "Amazon DynamoDB"}
    assert finding.line == line_of(text, '"dynamodb:GetItems"')
    assert finding.path == ("Statement", 0, "Action", 1)


def test_unknown_action_without_a_close_match():
    finding = only(check_policy(policy(allow("dynamodb:Xyzzyplugh"))))
    assert finding.template == "%(action)s is not an action of %(service_name)s."


def test_unknown_service_prefix():
    finding = only(check_policy(policy(allow("dynamdb:GetItem"))))
    assert finding.params == {"service": "dynamdb", "suggestion": "dynamodb"}
    assert only(check_policy(policy(allow("qqqqqq:GetItem")))).params == {"service": "qqqqqq"}


@pytest.mark.parametrize("action", ["GetItem", "dynamodb:", "dynamodb:Get Item", ":GetItem"])
def test_malformed_action(action):
    assert "is not an action name" in only(check_policy(policy(allow(action)))).template


def test_wildcard_matching_nothing():
    finding = only(check_policy(policy(allow("dynamodb:Fly*"))))
    assert finding.template == "%(action)s matches no action."


def test_wildcards_and_casing_are_accepted():
    mixed = allow(["dynamodb:get*", "DynamoDB:Query", "dynamodb:*"], [TABLE])
    assert check_policy(policy(mixed)).findings == []
    assert check_policy(policy(allow("*", "*"))).findings == []


# -- resources ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "fragment"),
    [
        ("Music", "is not an ARN"),
        ("arn:aws:dynamodb:us-east-1", "is not a complete ARN"),
        ("arn:amazon:dynamodb:us-east-1:123456789012:table/Music", "unknown partition"),
        ("arn:aws::us-east-1:123456789012:table/Music", "names no service"),
        ("arn:aws:dynamodb:US East:123456789012:table/Music", "malformed region"),
        ("arn:aws:dynamodb:us-east-1:my-account:table/Music", "malformed account"),
        ("arn:aws:dynamodb:us-east-1:123456789012:", "does not say which resource"),
    ],
)
def test_malformed_arn(resource, fragment):
    text = policy(allow(resource=["*", resource]))
    finding = only(check_policy(text))
    assert fragment in finding.template and finding.params == {"resource": resource}
    assert finding.line == line_of(text, json.dumps(resource))


def test_table_action_on_an_s3_arn_does_not_fit():
    text = policy(allow("dynamodb:GetItem", "arn:aws:s3:::bucket"))
    finding = only(check_policy(text))
    assert finding.template == "%(resource)s does not fit %(actions)s: expected an ARN like %(expected)s."
    assert finding.params["actions"] == "dynamodb:GetItem"
    assert finding.params["expected"] == "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"


def test_table_arn_without_table_prefix_does_not_fit():
    no_prefix = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:Music"
    assert "does not fit" in only(check_policy(policy(allow(resource=no_prefix)))).template


def test_item_action_on_an_index_does_not_fit_but_query_does():
    index = f"{TABLE}/index/ByArtist"
    assert "does not fit" in only(check_policy(policy(allow("dynamodb:GetItem", index)))).template
    assert check_policy(policy(allow("dynamodb:Query", index))).ok


def test_expected_arn_is_of_the_resource_service_in_mixed_statements():
    finding = only(check_policy(policy(allow(["dynamodb:GetItem", "s3:GetObject"], "arn:aws:s3:::bucket"))))
    assert finding.params["expected"].startswith("arn:${Partition}:s3:")


def test_not_resource_and_not_action_are_not_fit_checked():
    deny = {"Effect": "Deny", "Action": "dynamodb:GetItem", "NotResource": "arn:aws:s3:::b"}
    assert check_policy(policy(deny)).ok
    assert check_policy(policy({"Effect": "Allow", "NotAction": "s3:*", "Resource": TABLE})).ok


def test_action_without_resource_types_warns_when_scoped():
    result = check_policy(policy(allow(["dynamodb:ListTables", "dynamodb:GetItem"], TABLE)))
    assert result.ok
    assert only(result, "warning").params == {"action": "dynamodb:ListTables"}
    assert check_policy(policy(allow("dynamodb:List*", TABLE))).findings == []  # only named actions warn


@pytest.mark.parametrize(
    ("resource", "arn_format", "fits"),
    [
        (TABLE, "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}", True),
        ("arn:aws:dynamodb:*:*:table/*",
         "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}", True),
        ("arn:aws:dynamodb:*:*:table/*",
         "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/stream/${StreamLabel}", True),
        (f"{TABLE}/index/*", "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}", False),
        ("arn:aws:s3:::bucket", "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}", False),
        ("arn:aws:s3:::b?cket/*", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", True),
        (f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/fn:log-stream:*",
         "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
         True),
        ("arn:aws:dynamodb:us-east-1::table/Music",
         "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}", False),
    ],
)
def test_arn_fits(resource, arn_format, fits):
    assert arn_fits(resource, arn_format) is fits


# -- conditions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ("StringEquals", "Condition must be an object"),
        ({"StringEqualz": {"aws:SourceArn": "x"}}, "is not a condition operator"),
        ({"StringEquals": "x"}, "must map condition keys to values"),
        ({"StringEquals": {"aws:SourceArn": []}}, "has no values"),
        ({"StringEquals": {"aws:SourceArn": {"a": 1}}}, "takes a string, number or boolean"),
    ],
)
def test_condition_shape(condition, fragment):
    assert fragment in only(check_policy(policy(allow(Condition=condition)))).template


@pytest.mark.parametrize(
    ("name", "known"),
    [("StringLike", True), ("ForAllValues:StringEquals", True), ("ArnLikeIfExists", True), ("Null", True),
     ("stringlike", False), ("ForSomeValues:StringEquals", False), ("IfExists", False)],
)
def test_condition_operators(name, known):
    assert is_condition_operator(name) is known


# -- positions ----------------------------------------------------------------------------------


NESTED = textwrap.dedent("""\
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": "dynamodb:GetItem",
          "Resource": "*"
        },
        {
          "Effect": "Allow",
          "Action": [
            "dynamodb:Query",
            "dynamodb:GetItems"
          ],
          "Resource": [
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music",
            "arn:aws:s3:::bucket"
          ],
          "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringEqualz": {"a": "b"}}
        }
      ]
    }
""")


def test_nested_statement_findings_are_on_their_lines():
    result = check_policy(NESTED)
    by_line = {f.line: f for f in result.findings}
    assert set(by_line) == {13, 17, 19}
    assert by_line[13].params["action"] == "dynamodb:GetItems"
    assert by_line[13].column == NESTED.splitlines()[12].index('"') + 1
    assert by_line[17].params["resource"] == "arn:aws:s3:::bucket"
    assert by_line[19].params["operator"] == "StringEqualz"
    assert by_line[19].column == NESTED.splitlines()[18].index('"StringEqualz"') + 1
    assert {f.statement for f in result.findings} == {1}


def test_duplicate_keys_warn_on_the_later_key():
    text = '{\n "Version": "2012-10-17",\n "Statement": {\n  "Effect": "Deny",\n  "Effect": "Allow",\n' \
           '  "Action": "dynamodb:GetItem", "Resource": "*"}}'
    result = check_policy(text)
    finding = only(result, "warning")
    assert (finding.line, finding.params["key"], finding.statement) == (5, "Effect", 0)
    assert result.document["Statement"]["Effect"] == "Allow"


def test_finding_lines_groups_by_line_and_skips_lineless():
    findings = [Finding("error", "b", line=3, column=9), Finding("warning", "a", line=3, column=2),
                Finding("error", "c", line=1), Finding("error", "d")]
    grouped = finding_lines(findings)
    assert list(grouped) == [1, 3]
    assert [f.template for f in grouped[3]] == ["a", "b"]
    assert finding_lines(check_policy(NESTED).findings).keys() == {13, 17, 19}


def test_parse_with_positions_records_values_and_keys():
    value, positions = parse_with_positions('{"a": [1, {"b": true}],\n  "c": "x"}')
    assert value == {"a": [1, {"b": True}], "c": "x"}
    assert positions.of_value(("a", 1, "b")) == (1, 17)
    assert positions.of_key(("c",)) == (2, 3)
    assert positions.of_value(("c",)) == (2, 8)
    assert positions.of_value(("missing",)) is None
    with pytest.raises(InvalidJSON) as caught:
        parse_with_positions('{"a": 1,}')
    assert (caught.value.line, caught.value.column) == (1, 9)


def test_id_must_be_a_string():
    text = json.dumps({"Version": "2012-10-17", "Id": 7, "Statement": [allow()]})
    assert messages(check_policy(text)) == ["Id must be a string."]


def test_principal_values_must_be_strings():
    result = check_policy(trust(Principal={"Service": 5}, Action="sts:AssumeRole"), "trust")
    assert messages(result) == ["Service must be a string or a list of strings."]


def test_all_actions_are_not_fit_checked():
    assert check_policy(policy(allow("*", "arn:aws:s3:::bucket"))).findings == []


def test_checker_is_pure():
    import subprocess
    import sys

    code = ("import sys, webapp.aws.iam.policy_check, webapp.aws.iam.catalogue; "
            "print(sorted(m for m in ('flask', 'boto3', 'botocore') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=__file__.rsplit("/tests/", 1)[0])
    assert out.stdout.strip() == "[]"
