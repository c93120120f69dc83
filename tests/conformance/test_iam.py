"""IAM as AWS answers it: CreateRole's response, policy ARNs at attach time, trust policies.

Each case quotes AWS's answer and where it is recorded: the IAM API Reference (its pages and the
examples botocore ships with it) where AWS documents the answer, else the answer AWS's own tools
record (the AWS CDK's test comments) or that users quote from the AWS CLI.
"""
import json
from typing import Any

import pytest

from tests.conformance.refusals import refusal
from tests.sandbox.lambda_support import unique

LAMBDA_TRUST = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                               "Action": "sts:AssumeRole"}]}
MISSING_POLICY_ARN = "arn:aws:iam::123456789012:policy/Nope"
# At least 20 characters, the PolicyArn minimum botocore checks before sending.
NOT_AN_ARN = "this-is-not-an-arn-at-all"


def trust_with(**statement: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def iam(aws_client: Any) -> Any:
    return aws_client("iam")


def test_create_role_answers_without_max_session_duration_or_last_use(iam: Any) -> None:
    """The CreateRole example in the IAM API Reference (API_CreateRole.html, "Create an IAM role")
    answers Role with Path, RoleName, RoleId, Arn, CreateDate and AssumeRolePolicyDocument only:
    no MaxSessionDuration, no RoleLastUsed. GetRole's example (API_GetRole.html) has both."""
    name = unique("conf-create")
    created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    assert "MaxSessionDuration" not in created["Role"]
    assert "RoleLastUsed" not in created["Role"]
    assert created["Role"]["RoleName"] == name
    fetched = iam.get_role(RoleName=name)["Role"]
    assert fetched["MaxSessionDuration"] == 3600
    assert "RoleLastUsed" in fetched


def attach_target(iam: Any, operation: str, prefix: str) -> dict[str, str]:
    """A new role or user (as `operation` attaches to) to attach a policy to."""
    name = unique(prefix)
    if operation == "attach_role_policy":
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
        return {"RoleName": name}
    iam.create_user(UserName=name)
    return {"UserName": name}


@pytest.mark.parametrize("operation", ["attach_role_policy", "attach_user_policy"])
def test_attaching_a_malformed_policy_arn_is_a_validation_error(iam: Any, operation: str) -> None:
    """AWS parses PolicyArn before looking the policy up: a string that is no ARN gets
    ValidationError, HTTP 400, "Invalid ARN:  Could not be parsed!" (two spaces, as IAM sends it,
    e.g. through CloudFormation: "Invalid ARN:  Could not be parsed! (Service: Iam, Status Code:
    400 ...)")."""
    assert refusal(getattr(iam, operation), PolicyArn=NOT_AN_ARN,
                   **attach_target(iam, operation, "conf-arn")) == (
        400, "ValidationError", "Invalid ARN:  Could not be parsed!")


@pytest.mark.parametrize("operation", ["attach_role_policy", "attach_user_policy"])
def test_attaching_a_policy_that_does_not_exist_is_no_such_entity(iam: Any,
                                                                   operation: str) -> None:
    """AttachRolePolicy / AttachUserPolicy (API_AttachRolePolicy.html, Errors): NoSuchEntity,
    HTTP 404, "Policy arn:aws:iam::123456789012:policy/Nope does not exist or is not attachable."
    as the AWS CLI reports it for a well-formed ARN that names no policy."""
    assert refusal(getattr(iam, operation), PolicyArn=MISSING_POLICY_ARN,
                   **attach_target(iam, operation, "conf-nope")) == (
        404, "NoSuchEntity", f"Policy {MISSING_POLICY_ARN} does not exist or is not attachable.")


# MalformedPolicyDocument, HTTP 400 (API_CreateRole.html, Errors), with the text AWS gives:
MALFORMED_TRUST_POLICIES = [
    # The AWS CLI's report for a document that is not JSON: "An error occurred
    # (MalformedPolicyDocument) when calling the CreateRole operation: This policy contains
    # invalid Json".
    pytest.param("not json at all", "This policy contains invalid Json", id="not-json"),
    # As AWS answered CreateRole for a statement without Principal (terraform-aws-iam issue 47):
    # "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in
    # policy has a statement with no principals!"
    pytest.param(trust_with(Effect="Allow", Action="sts:AssumeRole"),
                 "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
                 "The passed in policy has a statement with no principals!", id="no-principal"),
    # The AWS CDK's iam tests quote CreateRole's answer to "Principal": "*": "AssumeRolepolicy
    # contained an invalid principal: \"STAR\":\"*\"."
    pytest.param(trust_with(Effect="Allow", Principal="*", Action="sts:AssumeRole"),
                 'AssumeRolepolicy contained an invalid principal: "STAR":"*".', id="star"),
    # A principal type other than AWS, Service, Federated or CanonicalUser (IAM User Guide,
    # reference_policies_elements_principal.html), named upper-cased as in the STAR answer.
    pytest.param(trust_with(Effect="Allow", Principal={"Foo": "x"}, Action="sts:AssumeRole"),
                 'AssumeRolepolicy contained an invalid principal: "FOO":"x".',
                 id="unknown-principal-type"),
    # "AssumeRole policy may only specify STS AssumeRole actions." for any other action.
    pytest.param(trust_with(Effect="Allow", Principal={"Service": "lambda.amazonaws.com"},
                            Action="s3:GetObject"),
                 "AssumeRole policy may only specify STS AssumeRole actions.", id="not-sts"),
    # The AWS CLI's report for a trust statement with Resource: "Has prohibited field Resource".
    pytest.param(trust_with(Effect="Allow", Principal={"Service": "lambda.amazonaws.com"},
                            Action="sts:AssumeRole", Resource="*"),
                 "Has prohibited field Resource", id="resource"),
]


@pytest.mark.parametrize(("document", "message"), MALFORMED_TRUST_POLICIES)
def test_create_role_refuses_a_malformed_trust_policy(iam: Any, document: str,
                                                      message: str) -> None:
    name = unique("conf-trust")
    assert refusal(iam.create_role, RoleName=name, AssumeRolePolicyDocument=document) == (
        400, "MalformedPolicyDocument", message)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=name)


@pytest.mark.parametrize(("document", "message"), MALFORMED_TRUST_POLICIES)
def test_update_assume_role_policy_refuses_a_malformed_trust_policy(iam: Any, document: str,
                                                                    message: str) -> None:
    """UpdateAssumeRolePolicy (API_UpdateAssumeRolePolicy.html, Errors) checks the new trust
    policy as CreateRole does: MalformedPolicyDocument, HTTP 400; the role keeps its old one."""
    name = unique("conf-update")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    assert refusal(iam.update_assume_role_policy, RoleName=name, PolicyDocument=document) == (
        400, "MalformedPolicyDocument", message)
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == LAMBDA_TRUST


@pytest.mark.parametrize("principal", [
    {"Service": "lambda.amazonaws.com"},
    {"AWS": "arn:aws:iam::123456789012:root"},
    {"AWS": "*"},
])
def test_create_role_takes_each_principal_type(iam: Any, principal: dict[str, str]) -> None:
    """AWS and Service principals, with sts:AssumeRole* actions, are trust policies
    AWS takes (IAM User Guide, reference_policies_elements_principal.html)."""
    document = trust_with(Effect="Allow", Principal=principal,
                          Action=["sts:AssumeRole", "sts:TagSession"])
    role = iam.create_role(RoleName=unique("conf-ok"), AssumeRolePolicyDocument=document)
    assert role["Role"]["Arn"].startswith("arn:aws:iam::123456789012:role/conf-ok-")
