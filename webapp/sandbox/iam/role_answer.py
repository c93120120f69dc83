"""CreateRole's answer without MaxSessionDuration and RoleLastUsed, as AWS sends it.

The IAM API Reference's CreateRole example answers Role with Path, RoleName, RoleId, Arn,
CreateDate and AssumeRolePolicyDocument (and Description, PermissionsBoundary, Tags when given);
MaxSessionDuration and RoleLastUsed appear in GetRole's answer, not CreateRole's. moto sends
both in CreateRole too; they are cut from its XML here, and GetRole keeps them. A boundary is
typed "Policy", as permissions_boundaries.py says.
"""
import re
from http import HTTPStatus

from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, Dispatcher
from webapp.sandbox.iam.errors import SERVICE
from webapp.sandbox.iam.permissions_boundaries import with_aws_boundary_type

# Only in Role, and RoleLastUsed is empty (or absent) for a role that was just created.
GET_ROLE_ONLY_ELEMENTS = re.compile(
    r"<MaxSessionDuration>\d*</MaxSessionDuration>"
    r"|<RoleLastUsed\s*/>|<RoleLastUsed>.*?</RoleLastUsed>", re.DOTALL)


def trim_created_role(_request: Request, _operation: AwsOperation, response: Response) -> Response:
    """moto's CreateRole answer without the elements AWS leaves to GetRole."""
    if response.status_code != HTTPStatus.OK:
        return response
    trimmed = GET_ROLE_ONLY_ELEMENTS.sub("", response.get_data(as_text=True))
    response.set_data(with_aws_boundary_type(trimmed))
    return response


def register(dispatcher: Dispatcher) -> None:
    """Amend moto's CreateRole answer."""
    dispatcher.amend(SERVICE, "CreateRole")(trim_created_role)
