"""Service-linked roles: created with AWS's names and policies, and changed only by AWS.

moto 5.2.5 makes any "x.amazonaws.com" a service-linked role, names it from the principal
("AWSServiceRoleForelasticloadbalancing" where AWS says AWSServiceRoleForElasticLoadBalancing),
attaches no policy, answers a second one EntityAlreadyExists (409), lets DeleteRole and the
policy calls change it like any role, and names a deletion task by a bare UUID. Here, by the IAM
User Guide ("Using service-linked roles", and each service's "Using service-linked roles for …"
page) and the IAM API Reference:

* CreateServiceLinkedRole knows the services below, each with its role name (CustomSuffix
  appended after "_") and AWS-managed policy under /aws-service-role/, which is attached; the
  role's path is /aws-service-role/SERVICE/ and its trust policy names the service. Another
  service name is InvalidInput (400); a name already taken is InvalidInput "Service role name
  NAME has been taken in this account, please try a different suffix." (as IAM answers
  Terraform, e.g. terraform-aws-hasura#17).
* DeleteRole, Put/DeleteRolePolicy, Attach/DetachRolePolicy, UpdateAssumeRolePolicy and
  Put/DeleteRolePermissionsBoundary on such a role are UnmodifiableEntity (400) "Cannot perform
  the operation on the protected role 'NAME' - this role is only modifiable by AWS".
* DeleteServiceLinkedRole deletes it and answers DeletionTaskId
  "task/aws-service-role/SERVICE/NAME/UUID", the format its API Reference page gives.
"""
import json
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import quote
from xml.sax.saxutils import escape

from moto.core.utils import iso_8601_datetime_with_milliseconds
from moto.iam.models import IAMBackend, Role
from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, OperationHandler
from webapp.sandbox.iam.errors import invalid_input, no_such_entity, unmodifiable_entity
from webapp.sandbox.iam.policy_arns import backend_for

NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
PATH_PREFIX = "/aws-service-role/"
SERVICE_POLICY_PREFIX = "arn:aws:iam::aws:policy/aws-service-role/"
# The session duration every role gets unless told otherwise (CreateRole's default).
MAX_SESSION_SECONDS = "3600"
PROTECTED_OPERATIONS = ("DeleteRole", "PutRolePolicy", "DeleteRolePolicy", "AttachRolePolicy",
                        "DetachRolePolicy", "UpdateAssumeRolePolicy",
                        "PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary")


@dataclass(frozen=True, slots=True)
class LinkedService:
    """A service's service-linked role, as its User Guide page documents it."""

    role_name: str
    policy_name: str

    @property
    def policy_arn(self) -> str:
        """The AWS-managed policy the role has."""
        return SERVICE_POLICY_PREFIX + self.policy_name


# By AWSServiceName, the services this console's stacks meet.
LINKED_SERVICES = {
    "ops.apigateway.amazonaws.com": LinkedService("AWSServiceRoleForAPIGateway",
                                                  "APIGatewayServiceRolePolicy"),
    "dynamodb.application-autoscaling.amazonaws.com": LinkedService(
        "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
        "AWSApplicationAutoscalingDynamoDBTablePolicy"),
    "replication.dynamodb.amazonaws.com": LinkedService(
        "AWSServiceRoleForDynamoDBReplication", "DynamoDBReplicationServiceRolePolicy"),
    "elasticloadbalancing.amazonaws.com": LinkedService(
        "AWSServiceRoleForElasticLoadBalancing", "AWSElasticLoadBalancingServiceRolePolicy"),
    "replicator.lambda.amazonaws.com": LinkedService("AWSServiceRoleForLambdaReplicator",
                                                     "AWSLambdaReplicator"),
}


def is_service_linked(role: Role) -> bool:
    """Whether AWS made the role for a service (its path says so)."""
    return role.path.startswith(PATH_PREFIX)


def find_role(backend: IAMBackend, name: str) -> Role | None:
    """The role named `name`, or None."""
    return next((role for role in list(backend.roles.values()) if role.name == name), None)


def create_service_linked_role(request: Request, operation: AwsOperation) -> Response:
    """CreateServiceLinkedRole."""
    principal = request.values.get("AWSServiceName", "")
    linked = LINKED_SERVICES.get(principal)
    if linked is None:
        return invalid_input(f"Service {principal} does not support service-linked roles.")
    suffix = request.values.get("CustomSuffix")
    name = f"{linked.role_name}_{suffix}" if suffix else linked.role_name
    backend = backend_for(operation)
    if find_role(backend, name) is not None:
        return invalid_input(f"Service role name {name} has been taken in this account, please "
                             "try a different suffix.")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]}
    role = backend.create_role(
        role_name=name, assume_role_policy_document=json.dumps(trust),
        path=f"{PATH_PREFIX}{principal}/", permissions_boundary=None,
        description=request.values.get("Description") or "", tags=[],
        max_session_duration=MAX_SESSION_SECONDS, linked_service=principal)
    backend.attach_role_policy(linked.policy_arn, name)
    return _answer(operation.name, _role_xml(role))


def delete_service_linked_role(request: Request, operation: AwsOperation) -> Response:
    """DeleteServiceLinkedRole: the role goes at once (nothing in the sandbox still uses it)."""
    name = request.values.get("RoleName", "")
    backend = backend_for(operation)
    role = find_role(backend, name)
    if role is None:
        return no_such_entity(f"The role with name {name} cannot be found.")
    for policy_arn in list(role.managed_policies):
        backend.detach_role_policy(policy_arn, name)
    backend.delete_role(name)
    principal = role.path.removeprefix(PATH_PREFIX).rstrip("/")
    task = f"task{PATH_PREFIX}{principal}/{name}/{uuid.uuid4()}"
    return _answer(operation.name, f"<DeletionTaskId>{escape(task)}</DeletionTaskId>")


def refuse_protected_role(request: Request, operation: AwsOperation) -> Response | None:
    """UnmodifiableEntity for a change to a service-linked role; None for any other role."""
    name = request.values.get("RoleName", "")
    role = find_role(backend_for(operation), name)
    if role is None or not is_service_linked(role):
        return None
    return unmodifiable_entity(f"Cannot perform the operation on the protected role '{name}' - "
                               "this role is only modifiable by AWS")


def _role_xml(role: Role) -> str:
    # URL-encoded, as IAM sends every policy document.
    document = escape(quote(role.assume_role_policy_document))
    return (f"<Role><Path>{escape(role.path)}</Path><RoleName>{escape(role.name)}</RoleName>"
            f"<RoleId>{role.id}</RoleId><Arn>{escape(role.arn)}</Arn>"
            f"<CreateDate>{iso_8601_datetime_with_milliseconds(role.create_date)}</CreateDate>"
            f"<AssumeRolePolicyDocument>{document}</AssumeRolePolicyDocument>"
            + (f"<Description>{escape(role.description)}</Description>"
               if role.description else "")
            + "</Role>")


def _answer(operation_name: str, result: str) -> Response:
    body = (f'<{operation_name}Response xmlns="{NAMESPACE}"><{operation_name}Result>{result}'
            f"</{operation_name}Result><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId>"
            f"</ResponseMetadata></{operation_name}Response>")
    return Response(body, status=HTTPStatus.OK, content_type="text/xml")


# Checked first, by IAM operation: a protected role is refused before anything else is read.
CHECKS: dict[str, OperationHandler] = {
    **{name: refuse_protected_role for name in PROTECTED_OPERATIONS},
    "CreateServiceLinkedRole": create_service_linked_role,
    "DeleteServiceLinkedRole": delete_service_linked_role,
}
