"""Lambda execution roles: the roles a function may run as, a basic one made, its log rights."""
from __future__ import annotations

from dataclasses import dataclass

from webapp.aws.clients import client
from webapp.aws.errors import N_, AlreadyExists, ConsoleError, aws_errors
from webapp.aws.iam import roles


LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
}
BASIC_EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
# Where and how the AWS console files the basic execution roles it makes.
SERVICE_ROLE_PATH = "/service-role/"
BASIC_ROLE_DESCRIPTION = "Lambda execution role with CloudWatch Logs access (Serverless Console)"


@dataclass(frozen=True, slots=True)
class RoleSummary:
    """A role as pickers show it."""

    role_name: str
    role_arn: str
    trusts_lambda: bool


def list_lambda_roles(limit: int = 200) -> list[RoleSummary]:
    """Roles Lambda may assume, for the execution-role picker (at most `limit`)."""
    trusting = roles.roles_trusted_as(
        lambda document: "lambda.amazonaws.com" in roles.trusted_principals(document), limit)
    return [RoleSummary(name, arn, trusts_lambda=True) for name, arn in trusting]


def create_basic_lambda_role(role_name: str) -> RoleSummary:
    """A role trusting Lambda with AWSLambdaBasicExecutionRole, as the AWS console makes it."""
    try:
        role = roles.create_role(role_name, LAMBDA_TRUST_POLICY, BASIC_ROLE_DESCRIPTION,
                                 SERVICE_ROLE_PATH)
    except AlreadyExists as err:
        err.field = None  # the console names this role itself: no field of the form to fix
        raise
    roles.attach_policy(role_name, BASIC_EXECUTION_POLICY_ARN)
    roles.wait_until_exists(role_name)
    return RoleSummary(role.name, role.arn, trusts_lambda=True)


LOG_WRITE_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def may_write_lambda_logs(role_arn: str, function_arn: str) -> bool | None:
    """Whether the role may write the function's logs, by IAM's policy simulator.

    None when the simulator cannot be asked (the caller may lack iam:SimulatePrincipalPolicy).
    """
    _, _, _, region, account_id, _, function_name = function_arn.split(":", 6)
    log_group_arn = (f"arn:aws:logs:{region}:{account_id}:log-group:"
                     f"/aws/lambda/{function_name.split(':', 1)[0]}:*")
    allowed = _allowed_actions(role_arn, LOG_WRITE_ACTIONS, log_group_arn)
    return None if allowed is None else allowed == set(LOG_WRITE_ACTIONS)


# What the tutorial's function does with its table: the rights a role needs to serve it.
TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Scan",
                 "dynamodb:Query")


def denied_table_actions(role_arn: str, table_arn: str,
                         actions: tuple[str, ...] = TABLE_ACTIONS) -> tuple[str, ...] | None:
    """Which of `actions` on the table IAM's policy simulator denies the role, in that order.

    None when the simulator cannot be asked (the caller may lack iam:SimulatePrincipalPolicy).
    """
    allowed = _allowed_actions(role_arn, actions, table_arn)
    return None if allowed is None else tuple(action for action in actions
                                              if action not in allowed)


def _allowed_actions(role_arn: str, actions: tuple[str, ...],
                     resource_arn: str) -> set[str] | None:
    """The `actions` IAM's policy simulator allows the role on the resource; None when it
    cannot be asked."""
    try:
        with aws_errors(N_("check the role's permissions"), f"IAM role {role_arn}"):
            reply = client("iam").simulate_principal_policy(
                PolicySourceArn=role_arn, ActionNames=list(actions), ResourceArns=[resource_arn])
    except (ConsoleError, NotImplementedError):
        # NotImplementedError: moto's in-process mock has no policy simulator (the sandbox has).
        return None
    return {result["EvalActionName"] for result in reply.get("EvaluationResults", [])
            if result["EvalDecision"] == "allowed"}
