"""Permissions boundaries on users and roles, set and answered as IAM does.

moto 5.2.5 keeps a role's boundary but takes any policy ARN for it (one naming no policy too),
answers a missing role with its own "Role X not found", and states the boundary's type as
"PermissionsBoundaryPolicy" where AWS says "Policy" (AttachedPermissionsBoundary in the IAM API
Reference; awsdocs/iam-user-guide#82 quotes GetRole). It ignores CreateUser's
PermissionsBoundary and lacks Put/DeleteUserPermissionsBoundary. Here:

* PermissionsBoundary at CreateRole, CreateUser, PutRolePermissionsBoundary and
  PutUserPermissionsBoundary is parsed as PolicyArn is (policy_arns.py: ValidationError
  "Invalid ARN:  Could not be parsed!"), and an ARN naming no managed policy is NoSuchEntity
  (404) "Scope ARN: ARN does not exist or is not attachable.", as IAM answered CreateUser
  (hashicorp/boundary#4255);
* a missing user or role is NoSuchEntity "The user (role) with name NAME cannot be found.";
* a user's boundary is kept on moto's User as `permissions_boundary` ({PermissionsBoundaryType,
  PermissionsBoundaryArn}), the member moto serializes, so GetUser and CreateUser state it;
  ListUsers and ListRoles leave it out, as their API Reference pages say they do;
* GetRole and CreateRole state the type as "Policy".

The authorizer (../authz/roles.py) weighs a role's boundary for its sessions, and the policy
simulator a user's or a role's.
"""
import re
import uuid
from http import HTTPStatus
from xml.sax.saxutils import escape

from moto.iam.models import User
from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import Amender, AwsOperation, OperationHandler
from webapp.sandbox.iam.errors import no_such_entity, validation_error
from webapp.sandbox.iam.policy_arns import UNPARSABLE_ARN_MESSAGE, backend_for, is_arn

PARAMETER = "PermissionsBoundary"
# AttachedPermissionsBoundary.PermissionsBoundaryType: "This data type can only have a value of
# Policy."
BOUNDARY_TYPE = "Policy"
NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
MOTO_BOUNDARY_TYPE = re.compile(
    r"<PermissionsBoundaryType>PermissionsBoundaryPolicy</PermissionsBoundaryType>")
BOUNDARY_ELEMENT = re.compile(r"<PermissionsBoundary>.*?</PermissionsBoundary>", re.DOTALL)
USER_END = "</User>"


def boundary_error(request: Request, operation: AwsOperation) -> Response | None:
    """IAM's refusal of the request's PermissionsBoundary, or None if it is absent or usable."""
    arn = request.values.get(PARAMETER)
    if not arn:
        return None
    if not is_arn(arn):
        return validation_error(UNPARSABLE_ARN_MESSAGE)
    if arn not in backend_for(operation).managed_policies:
        return no_such_entity(f"Scope ARN: {arn} does not exist or is not attachable.")
    return None


def role_error(request: Request, operation: AwsOperation) -> Response | None:
    """NoSuchEntity for a role that does not exist, else the boundary's refusal, if any."""
    name = request.values.get("RoleName", "")
    if not any(role.name == name for role in list(backend_for(operation).roles.values())):
        return no_such_entity(f"The role with name {name} cannot be found.")
    return boundary_error(request, operation)


def put_user_boundary(request: Request, operation: AwsOperation) -> Response:
    """PutUserPermissionsBoundary."""
    user = backend_for(operation).users.get(request.values.get("UserName", ""))
    if user is None:
        return _no_such_user(request)
    refusal = boundary_error(request, operation)
    if refusal is not None:
        return refusal
    set_user_boundary(user, request.values[PARAMETER])
    return _empty_answer(operation.name)


def delete_user_boundary(request: Request, operation: AwsOperation) -> Response:
    """DeleteUserPermissionsBoundary."""
    user = backend_for(operation).users.get(request.values.get("UserName", ""))
    if user is None:
        return _no_such_user(request)
    user.permissions_boundary = None  # type: ignore[attr-defined]
    return _empty_answer(operation.name)


def set_user_boundary(user: User, arn: str) -> None:
    """Give the user the boundary `arn`, in the shape moto serializes."""
    user.permissions_boundary = {  # type: ignore[attr-defined]
        "PermissionsBoundaryType": BOUNDARY_TYPE, "PermissionsBoundaryArn": arn}


def created_user(request: Request, operation: AwsOperation, answer: Response) -> Response:
    """CreateUser's answer, the user given the boundary it was created with."""
    arn = request.values.get(PARAMETER)
    user = backend_for(operation).users.get(request.values.get("UserName", ""))
    if answer.status_code != HTTPStatus.OK or not arn or user is None:
        return answer
    set_user_boundary(user, arn)
    element = (f"<PermissionsBoundary><PermissionsBoundaryType>{BOUNDARY_TYPE}"
               f"</PermissionsBoundaryType><PermissionsBoundaryArn>{escape(arn)}"
               f"</PermissionsBoundaryArn></PermissionsBoundary>")
    answer.set_data(answer.get_data(as_text=True).replace(USER_END, element + USER_END, 1))
    return answer


def with_aws_boundary_type(xml: str) -> str:
    """A role answer's boundary typed "Policy", as AWS types it."""
    return MOTO_BOUNDARY_TYPE.sub(
        f"<PermissionsBoundaryType>{BOUNDARY_TYPE}</PermissionsBoundaryType>", xml)


def typed_role_answer(_request: Request, _operation: AwsOperation,
                      answer: Response) -> Response:
    """GetRole's answer with the boundary typed as AWS types it."""
    if answer.status_code == HTTPStatus.OK:
        answer.set_data(with_aws_boundary_type(answer.get_data(as_text=True)))
    return answer


def listed_without_boundaries(_request: Request, _operation: AwsOperation,
                              answer: Response) -> Response:
    """ListUsers' answer without boundaries, which "this operation does not return"."""
    if answer.status_code == HTTPStatus.OK:
        answer.set_data(BOUNDARY_ELEMENT.sub("", answer.get_data(as_text=True)))
    return answer


def _no_such_user(request: Request) -> Response:
    return no_such_entity(f"The user with name {request.values.get('UserName', '')} "
                          "cannot be found.")


def _empty_answer(operation_name: str) -> Response:
    body = (f'<{operation_name}Response xmlns="{NAMESPACE}"><ResponseMetadata><RequestId>'
            f"{uuid.uuid4()}</RequestId></ResponseMetadata></{operation_name}Response>")
    return Response(body, status=HTTPStatus.OK, content_type="text/xml")



# Checked before moto (or answered here), by IAM operation.
CHECKS: dict[str, OperationHandler] = {
    "CreateRole": boundary_error, "CreateUser": boundary_error,
    "PutRolePermissionsBoundary": role_error, "DeleteRolePermissionsBoundary": role_error,
    "PutUserPermissionsBoundary": put_user_boundary,
    "DeleteUserPermissionsBoundary": delete_user_boundary,
}
# moto's answers corrected, by IAM operation (CreateRole's is role_answer.py's).
AMENDERS: dict[str, Amender] = {
    "CreateUser": created_user, "GetRole": typed_role_answer,
    "ListUsers": listed_without_boundaries,
}
