"""API Gateway's logs in CloudWatch: the account's logging role (made, pasted, picked, set,
cleared) and a stage's execution and access logging."""
from __future__ import annotations

from dataclasses import dataclass

from webapp.aws import clients
from webapp.aws.account import account_id
from webapp.aws.clients import client, current_region
from webapp.aws.errors import N_, ConsoleError, InvalidInput, aws_errors
from webapp.aws.iam import roles
from webapp.aws.iam.permissions_summary import summarise
from webapp.iam_grammar.wildcards import action_matches

LOG_LEVELS = ("OFF", "ERROR", "INFO")
LOGS_ROLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
# What AmazonAPIGatewayPushToCloudWatchLogs allows: the rights API Gateway writes logs with.
LOGS_ROLE_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups",
                     "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents",
                     "logs:FilterLogEvents")
GATEWAY_PRINCIPAL = roles.TRUST_TEMPLATES["apigateway"]
# The picker reads each offered role's policies (a few calls a role): it offers at most this many.
MAX_ROLE_CHOICES = 20
LOGGING_ROLE_DESCRIPTION = "Lets API Gateway write execution and access logs (Serverless Console)"
# AWS's own wording when logging is turned on before the account has a role (kept verbatim).
NO_LOGGING_ROLE = N_("CloudWatch Logs role ARN must be set in account settings to enable logging")
LOGGING_ROLE_UNFINISHED = N_(
    "Created the role %(role)s but could not finish setting it up: %(reason)s Fix that, then "
    "set the role's ARN in API Gateway's account settings, or delete the role in IAM."
)


def get_cloudwatch_role_arn() -> str | None:
    """The account's role API Gateway writes logs with in this region, if set."""
    with aws_errors(N_("read the API Gateway account settings")):
        return client("apigateway").get_account().get("cloudwatchRoleArn") or None


def clear_account_logging_role(role_arn: str) -> bool:
    """Clear the account's CloudWatch Logs role, only while it is `role_arn`; whether it was.

    False when it was empty or named another role (someone set their own since), which is left
    alone. AWS may refuse to clear the setting; that refusal is a ConsoleError like any other.
    """
    if get_cloudwatch_role_arn() != role_arn:
        return False
    with aws_errors(N_("clear the account's CloudWatch Logs role"), f"IAM role {role_arn}"):
        client("apigateway").update_account(patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": ""}])
    return True


def log_group_arn(log_group_name: str) -> str:
    """A log group's ARN (access logging names its destination by ARN)."""
    return f"arn:aws:logs:{current_region()}:{account_id()}:log-group:{log_group_name}"


def update_stage_logging(api_id: str, stage_name: str, level: str, access_destination_arn: str,
                         access_format: str) -> None:
    """Set execution logging (OFF/ERROR/INFO) and access logging ("" destination: off)."""
    if (level != "OFF" or access_destination_arn) and not get_cloudwatch_role_arn():
        # AWS refuses with this text; some endpoints accept it and never log, so ask first.
        raise InvalidInput(NO_LOGGING_ROLE)
    operations: list[dict[str, str]] = [
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": level}]
    if access_destination_arn:
        operations += [
            {"op": "replace", "path": "/accessLogSettings/destinationArn",
             "value": access_destination_arn},
            {"op": "replace", "path": "/accessLogSettings/format", "value": access_format}]
    else:
        operations.append({"op": "remove", "path": "/accessLogSettings"})
    with aws_errors(N_("update the stage's logging"), f"stage {stage_name}"):
        client("apigateway").update_stage(restApiId=api_id, stageName=stage_name,
                                          patchOperations=operations)


# How API Gateway refuses a role IAM has not finished making (it passes in a few seconds).
ROLE_NOT_READY = "does not have required permissions"


SET_ROLE_ATTEMPTS = 5


def set_account_logging_role(role_arn: str, attempts: int = SET_ROLE_ATTEMPTS) -> None:
    """Make the role API Gateway's CloudWatch Logs role in this region, retrying while IAM
    catches up (a role made moments ago is refused as lacking permissions for a few seconds)."""
    for attempt in range(attempts):
        try:
            with aws_errors(N_("set the account's CloudWatch Logs role"), f"IAM role {role_arn}"):
                client("apigateway").update_account(patchOperations=[
                    {"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}])
            return
        except ConsoleError as err:
            if attempt == attempts - 1 or ROLE_NOT_READY not in err.message:
                raise  # only IAM's delay is worth waiting out; access denied is not
            clients.sleep(2 ** attempt)


def create_logging_role(role_name: str) -> str:
    """A role API Gateway may assume to write logs, set as the account's; the role's ARN."""
    role_arn = roles.create_role(role_name, roles.trust_document("apigateway"),
                                 LOGGING_ROLE_DESCRIPTION).arn
    try:
        roles.attach_policy(role_name, LOGS_ROLE_POLICY_ARN)
        roles.wait_until_exists(role_name)
        set_account_logging_role(role_arn)
    except ConsoleError as err:
        # The role exists now; say so, so nobody is left with an unexplained extra role.
        raise type(err)(LOGGING_ROLE_UNFINISHED, role=role_arn, reason=err.message) from err
    return role_arn


def set_chosen_logging_role(role_arn: str) -> None:
    """Set a role someone pasted or picked as the account's CloudWatch Logs role.

    Only a role that trusts API Gateway is worth waiting for IAM to catch up on; any other is
    refused at once, with API Gateway's own words.
    """
    set_account_logging_role(role_arn, SET_ROLE_ATTEMPTS if _trusts_gateway(role_arn) else 1)


def _trusts_gateway(role_arn: str) -> bool:
    try:
        role = roles.get_role(role_arn.rpartition("/")[2])
    except ConsoleError:
        return False  # missing or unreadable: API Gateway's answer says which
    return role.arn == role_arn and roles.trusts_service(role.trust_policy, GATEWAY_PRINCIPAL)


@dataclass(frozen=True, slots=True)
class LoggingRoleChoice:
    """A role API Gateway may assume, and which logging rights its policies lack (None: unread)."""

    role_name: str
    role_arn: str
    missing_actions: tuple[str, ...] | None

    @property
    def has_log_rights(self) -> bool:
        """True when its policies allow every action API Gateway logs with."""
        return self.missing_actions == ()


def list_logging_role_choices() -> list[LoggingRoleChoice]:
    """Roles trusting apigateway.amazonaws.com (the first MAX_ROLE_CHOICES), each checked for the
    rights AmazonAPIGatewayPushToCloudWatchLogs gives."""
    trusting = roles.roles_trusted_as(
        lambda document: roles.trusts_service(document, GATEWAY_PRINCIPAL), MAX_ROLE_CHOICES)
    return [LoggingRoleChoice(name, arn, _missing_for(name)) for name, arn in trusting]


def _missing_for(role_name: str) -> tuple[str, ...] | None:
    try:
        return missing_log_actions(roles.policy_documents(role_name))
    except ConsoleError:
        return None  # the picker still offers the role; the page says it could not check


def missing_log_actions(documents: list[tuple[str, dict]]) -> tuple[str, ...]:
    """Which of LOGS_ROLE_ACTIONS these (policy name, document) pairs do not allow, on any
    resource and without conditions, or deny outright."""
    summary = summarise(documents)
    allowed = [pattern for grant in summary.all_actions if not grant.conditional
               for pattern in grant.written]
    allowed += [pattern for service in summary.services for grant in service.grants
                if not grant.conditional for pattern in grant.written]
    denied = [pattern for view in summary.denies if not view.not_action and not view.conditional
              for pattern in view.actions]

    def is_allowed(action: str) -> bool:
        if any(action_matches(pattern, action) for pattern in denied):
            return False
        if any(action_matches(pattern, action) for pattern in allowed):
            return True
        return any(not view.conditional and not any(action_matches(pattern, action)
                                                    for pattern in view.actions)
                   for view in summary.allows_except)

    return tuple(action for action in LOGS_ROLE_ACTIONS if not is_allowed(action))
