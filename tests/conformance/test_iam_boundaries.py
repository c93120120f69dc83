"""IAM permissions boundaries (users and roles), service-linked roles and missing-policy
answers, as AWS documents them, asked of a real sandbox with boto3.

Sources: the IAM API Reference pages of CreateRole, CreateUser, GetRole, GetUser, ListUsers,
Put/DeleteRolePermissionsBoundary, Put/DeleteUserPermissionsBoundary, CreateServiceLinkedRole,
DeleteServiceLinkedRole and GetServiceLinkedRoleDeletionStatus
(https://docs.aws.amazon.com/IAM/latest/APIReference/), the AttachedPermissionsBoundary data type
("PermissionsBoundaryType ... can only have a value of Policy"), the IAM User Guide's
"Permissions boundaries for IAM entities" (effective permissions are where identity-based
policies and the boundary both allow; an explicit deny in either wins) and "Troubleshoot access
denied error messages" ("... because no permissions boundary allows the <action> action"), and
IAM's answers as users quote them where the reference gives no text.
"""
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.refusals import refusal
from tests.sandbox.lambda_support import create_role, deploy, invoke, lambda_client, unique
from tests.sandbox.processes import ACCOUNT_ID, ClientFactory
from tests.sandbox.test_persistence import running_sandbox

LAMBDA_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}]})
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
MISSING_POLICY_ARN = f"arn:aws:iam::{ACCOUNT_ID}:policy/Nope"
# At least 20 characters, the PermissionsBoundary minimum botocore checks before sending.
NOT_AN_ARN = "this-is-not-an-arn-at-all"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def attached(arn: str) -> dict[str, str]:
    """AttachedPermissionsBoundary as GetRole / GetUser state it."""
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


@pytest.fixture
def iam(aws_client: ClientFactory) -> Any:
    return aws_client("iam")


def test_a_roles_boundary_is_stated_as_a_policy(iam: Any) -> None:
    """CreateRole and GetRole state Role.PermissionsBoundary as {PermissionsBoundaryType:
    "Policy", PermissionsBoundaryArn} (moto typed it "PermissionsBoundaryPolicy");
    PutRolePermissionsBoundary replaces it and DeleteRolePermissionsBoundary removes it."""
    name = unique("bounded-role")
    created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST,
                              PermissionsBoundary=READ_ONLY)["Role"]
    assert created["PermissionsBoundary"] == attached(READ_ONLY)
    assert iam.get_role(RoleName=name)["Role"]["PermissionsBoundary"] == attached(READ_ONLY)
    other = "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"
    iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=other)
    assert iam.get_role(RoleName=name)["Role"]["PermissionsBoundary"] == attached(other)
    iam.delete_role_permissions_boundary(RoleName=name)
    assert "PermissionsBoundary" not in iam.get_role(RoleName=name)["Role"]


def test_a_users_boundary_is_kept_and_stated(iam: Any) -> None:
    """CreateUser with PermissionsBoundary, PutUserPermissionsBoundary and
    DeleteUserPermissionsBoundary (which moto lacks) set what GetUser states as
    User.PermissionsBoundary; ListUsers "does not return ... PermissionsBoundary" (its API
    Reference page)."""
    name = unique("bounded-user")
    created = iam.create_user(UserName=name, PermissionsBoundary=READ_ONLY)["User"]
    assert created["PermissionsBoundary"] == attached(READ_ONLY)
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"] == attached(READ_ONLY)
    listed = [user for page in iam.get_paginator("list_users").paginate()
              for user in page["Users"] if user["UserName"] == name]
    assert listed and "PermissionsBoundary" not in listed[0]
    other = "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=other)
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"] == attached(other)
    iam.delete_user_permissions_boundary(UserName=name)
    assert "PermissionsBoundary" not in iam.get_user(UserName=name)["User"]


@pytest.mark.parametrize("operation", ["put_user_permissions_boundary",
                                       "delete_user_permissions_boundary",
                                       "put_role_permissions_boundary",
                                       "delete_role_permissions_boundary"])
def test_a_missing_user_or_role_is_no_such_entity(iam: Any, operation: str) -> None:
    """NoSuchEntity, HTTP 404 (each page's Errors), worded as IAM words it: "The user with name
    NAME cannot be found." / "The role with name NAME cannot be found." (moto: "Role NAME not
    found")."""
    kind = "user" if "user" in operation else "role"
    name = unique("nobody")
    arguments: dict[str, str] = {f"{kind.capitalize()}Name": name}
    if operation.startswith("put"):
        arguments["PermissionsBoundary"] = READ_ONLY
    assert refusal(getattr(iam, operation), **arguments) == (
        404, "NoSuchEntity", f"The {kind} with name {name} cannot be found.")


def boundary_targets(iam: Any) -> list[tuple[Any, dict[str, str]]]:
    """Each call that takes PermissionsBoundary, with its other arguments."""
    user, role = unique("target-user"), unique("target-role")
    iam.create_user(UserName=user)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=LAMBDA_TRUST)
    return [(iam.create_user, {"UserName": unique("new-user")}),
            (iam.create_role, {"RoleName": unique("new-role"),
                               "AssumeRolePolicyDocument": LAMBDA_TRUST}),
            (iam.put_user_permissions_boundary, {"UserName": user}),
            (iam.put_role_permissions_boundary, {"RoleName": role})]


def test_a_boundary_naming_no_policy_is_no_such_entity(iam: Any) -> None:
    """NoSuchEntity, HTTP 404, "Scope ARN: ARN does not exist or is not attachable." as IAM
    answered CreateUser for a boundary policy the account could not see (hashicorp/boundary#4255:
    "NoSuchEntity: Scope ARN: arn:aws:iam::…:policy/DemoUser does not exist or is not
    attachable. status code: 404"); moto set the boundary anyway. Nothing is created."""
    for call, arguments in boundary_targets(iam):
        assert refusal(call, PermissionsBoundary=MISSING_POLICY_ARN, **arguments) == (
            404, "NoSuchEntity", f"Scope ARN: {MISSING_POLICY_ARN} does not exist or is not "
                                 "attachable.")
    names = [user["UserName"] for page in iam.get_paginator("list_users").paginate()
             for user in page["Users"]]
    assert not any(name.startswith("new-user") for name in names)


def test_a_boundary_that_is_no_arn_is_a_validation_error(iam: Any) -> None:
    """A PermissionsBoundary that is no ARN is refused before any lookup, as a PolicyArn is:
    ValidationError, HTTP 400, "Invalid ARN:  Could not be parsed!" (test_iam.py's source); moto
    answered its own InvalidParameterValue, or for CreateUser nothing at all."""
    for call, arguments in boundary_targets(iam):
        assert refusal(call, PermissionsBoundary=NOT_AN_ARN, **arguments) == (
            400, "ValidationError", "Invalid ARN:  Could not be parsed!")


# Calls DynamoDB with the execution role's keys, as a function on AWS does.
TABLE_CALLER = """
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    table = boto3.client("dynamodb")
    answers = {}
    for name, call in (("GetItem", table.get_item), ("PutItem", table.put_item)):
        try:
            call(TableName=event["table"], **event[name])
            answers[name] = "ok"
        except ClientError as error:
            answers[name] = [error.response["Error"]["Code"], error.response["Error"]["Message"]]
    return answers
"""


def test_a_boundary_limits_a_functions_execution_role(aws_client: ClientFactory,
                                                      sandbox_url: str) -> None:
    """The role's policy allows dynamodb:GetItem and PutItem; its boundary only GetItem. The
    function's GetItem works, its PutItem is AccessDeniedException (HTTP 400) "User:
    arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION is not authorized to perform:
    dynamodb:PutItem on resource: TABLE_ARN because no permissions boundary allows the
    dynamodb:PutItem action" (User Guide, "Troubleshoot access denied error messages")."""
    iam, dynamodb = aws_client("iam"), aws_client("dynamodb")
    table = unique("bounded")
    table_arn = dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )["TableDescription"]["TableArn"]
    dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    boundary = iam.create_policy(PolicyName=unique("get-only"), PolicyDocument=policy(
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "logs:*"], "Resource": "*"}),
    )["Policy"]["Arn"]
    role_arn = create_role(iam)
    role_name = role_arn.rpartition("/")[2]
    iam.put_role_policy(RoleName=role_name, PolicyName="table", PolicyDocument=policy(
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
         "Resource": table_arn}))
    iam.put_role_permissions_boundary(RoleName=role_name, PermissionsBoundary=boundary)
    functions = lambda_client(sandbox_url)
    function = deploy(functions, role_arn, TABLE_CALLER, Timeout=30)
    key = {"id": {"S": "1"}}
    answer = invoke(functions, function.name, {"table": table, "GetItem": {"Key": key},
                                               "PutItem": {"Item": key}}).payload
    principal = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/{function.name}"
    assert answer == {"GetItem": "ok", "PutItem": [
        "AccessDeniedException",
        f"User: {principal} is not authorized to perform: dynamodb:PutItem on resource: "
        f"{table_arn} because no permissions boundary allows the dynamodb:PutItem action"]}


def test_the_simulator_weighs_a_users_boundary(iam: Any) -> None:
    """SimulatePrincipalPolicy for a user whose policy allows dynamodb:* but whose boundary
    (set with PutUserPermissionsBoundary) allows only GetItem: GetItem "allowed", PutItem
    "implicitDeny" with PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary false
    (EvaluationResult in the API Reference)."""
    name = unique("simulated-user")
    user_arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}))
    boundary = iam.create_policy(PolicyName=unique("get-only"), PolicyDocument=policy(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}))["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    results = {result["EvalActionName"]: result for result in iam.simulate_principal_policy(
        PolicySourceArn=user_arn,
        ActionNames=["dynamodb:GetItem", "dynamodb:PutItem"])["EvaluationResults"]}
    assert results["dynamodb:GetItem"]["EvalDecision"] == "allowed"
    assert results["dynamodb:PutItem"]["EvalDecision"] == "implicitDeny"
    assert results["dynamodb:PutItem"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": False}


def test_get_policy_on_a_policy_that_does_not_exist_was_not_found(iam: Any) -> None:
    """GetPolicy: NoSuchEntity, HTTP 404, "Policy ARN was not found." as the AWS CLI reports it
    ("An error occurred (NoSuchEntity) when calling the GetPolicy operation: Policy
    arn:aws:iam::179746107155:policy/AWSManagedPrometheusWriteAccessPolicy was not found.");
    moto said "Policy ARN not found"."""
    assert refusal(iam.get_policy, PolicyArn=MISSING_POLICY_ARN) == (
        404, "NoSuchEntity", f"Policy {MISSING_POLICY_ARN} was not found.")


@pytest.mark.parametrize("operation", ["detach_role_policy", "detach_user_policy"])
def test_detaching_a_policy_that_is_not_attached_was_not_found(iam: Any, operation: str) -> None:
    """DetachRolePolicy / DetachUserPolicy of a policy the entity does not have: NoSuchEntity,
    HTTP 404, "Policy ARN was not found." (as IAM answers it for an AWS-managed policy that is
    not attached, e.g. "Policy arn:aws:iam::aws:policy/AmazonS3FullAccess was not found."),
    unlike Attach*'s "… does not exist or is not attachable." (test_iam.py)."""
    name = unique("detach")
    if operation == "detach_role_policy":
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST)
        target = {"RoleName": name}
    else:
        iam.create_user(UserName=name)
        target = {"UserName": name}
    assert refusal(getattr(iam, operation), PolicyArn=READ_ONLY, **target) == (
        404, "NoSuchEntity", f"Policy {READ_ONLY} was not found.")


# Each service's "Using service-linked roles" page names the role and its AWS-managed policy.
LINKED = [
    pytest.param("elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing",
                 "AWSElasticLoadBalancingServiceRolePolicy", id="elb"),
    pytest.param("ops.apigateway.amazonaws.com", "AWSServiceRoleForAPIGateway",
                 "APIGatewayServiceRolePolicy", id="apigateway"),
    pytest.param("dynamodb.application-autoscaling.amazonaws.com",
                 "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
                 "AWSApplicationAutoscalingDynamoDBTablePolicy", id="dynamodb-autoscaling"),
]


@pytest.mark.parametrize(("service", "role_name", "policy_name"), LINKED)
def test_a_service_linked_role_is_named_and_protected_as_on_aws(iam: Any, service: str,
                                                                role_name: str,
                                                                policy_name: str) -> None:
    """CreateServiceLinkedRole makes /aws-service-role/SERVICE/ROLE trusting the service, with
    its AWS-managed policy attached (moto named it from the principal, e.g.
    "AWSServiceRoleForelasticloadbalancing", and attached nothing). A second one is InvalidInput
    (400) "Service role name ROLE has been taken in this account, please try a different
    suffix." (as IAM answers it, terraform-aws-hasura#17). DeleteRole and the policy calls are
    UnmodifiableEntity (400) "Cannot perform the operation on the protected role 'ROLE' - this
    role is only modifiable by AWS"; DeleteServiceLinkedRole answers DeletionTaskId
    "task/aws-service-role/SERVICE/ROLE/UUID" (its API Reference page) and the role is gone."""
    suffix = uuid.uuid4().hex[:6]
    name = f"{role_name}_{suffix}"
    role = iam.create_service_linked_role(AWSServiceName=service, CustomSuffix=suffix)["Role"]
    assert (role["RoleName"], role["Path"]) == (name, f"/aws-service-role/{service}/")
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/{service}/{name}"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": service}
    policies = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert policies == [{"PolicyName": policy_name,
                         "PolicyArn": f"arn:aws:iam::aws:policy/aws-service-role/{policy_name}"}]
    assert refusal(iam.create_service_linked_role, AWSServiceName=service,
                   CustomSuffix=suffix) == (
        400, "InvalidInput", f"Service role name {name} has been taken in this account, please "
                             "try a different suffix.")
    protected = (400, "UnmodifiableEntity", f"Cannot perform the operation on the protected "
                                            f"role '{name}' - this role is only modifiable by AWS")
    assert refusal(iam.delete_role, RoleName=name) == protected
    assert refusal(iam.detach_role_policy, RoleName=name,
                   PolicyArn=policies[0]["PolicyArn"]) == protected
    assert refusal(iam.put_role_permissions_boundary, RoleName=name,
                   PermissionsBoundary=READ_ONLY) == protected
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    assert task.startswith(f"task/aws-service-role/{service}/{name}/")
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == (
        "SUCCEEDED")
    assert refusal(iam.get_role, RoleName=name)[1] == "NoSuchEntity"


def test_a_service_without_service_linked_roles_is_invalid_input(iam: Any) -> None:
    """CreateServiceLinkedRole for a service that has no service-linked role: InvalidInput, HTTP
    400 (the page's Errors: "an invalid or out-of-range value was supplied for an input
    parameter"); moto made "AWSServiceRoleFornonsense". Nothing is created."""
    status, code, _ = refusal(iam.create_service_linked_role,
                              AWSServiceName="nonsense.amazonaws.com")
    assert (code, status) == ("InvalidInput", 400)
    assert refusal(iam.get_role, RoleName="AWSServiceRoleFornonsense")[1] == "NoSuchEntity"


def test_boundaries_and_service_linked_roles_survive_a_restart(tmp_path: Path) -> None:
    """What IAM stored stays stored: after the journal's replay a user keeps its boundary and a
    service-linked role keeps its name, policy and protection."""
    with running_sandbox(tmp_path) as box:
        iam = box.client("iam")
        user = unique("kept-user")
        iam.create_user(UserName=user)
        iam.put_user_permissions_boundary(UserName=user, PermissionsBoundary=READ_ONLY)
        linked = iam.create_service_linked_role(
            AWSServiceName="elasticloadbalancing.amazonaws.com")["Role"]["RoleName"]
        box.stop()
        box.start()
        iam = box.client("iam")
        boundary = iam.get_user(UserName=user)["User"]["PermissionsBoundary"]
        policies = iam.list_attached_role_policies(RoleName=linked)["AttachedPolicies"]
        deleting = refusal(iam.delete_role, RoleName=linked)[1]
    assert boundary == attached(READ_ONLY)
    assert [policy["PolicyName"] for policy in policies] == [
        "AWSElasticLoadBalancingServiceRolePolicy"]
    assert deleting == "UnmodifiableEntity"
