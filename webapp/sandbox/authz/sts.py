"""STS: AssumeRole is checked on the role it names; GetCallerIdentity needs no permission.

Trust policies (the role's resource-based side of AssumeRole) are not evaluated.
"""
from werkzeug.wrappers import Request

from webapp.sandbox.authz.permissions import ANY_RESOURCE, Permission, Target
from webapp.sandbox.dispatch import AwsOperation

ROLE_PARAMETER = "RoleArn"


def permissions(request: Request, operation: AwsOperation,
                _target: Target) -> list[Permission]:
    """The STS permission a request needs: on the role it names, whatever its account."""
    return [Permission(operation.action, request.values.get(ROLE_PARAMETER) or ANY_RESOURCE)]
