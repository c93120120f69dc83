"""IAM: SimulatePrincipalPolicy is checked on the principal it simulates, other actions on `*`.

The Service Authorization Reference lists user, group and role as the resource types of
iam:SimulatePrincipalPolicy, so a policy may scope it to a role's ARN. The other IAM actions keep
the fallback every unmodelled service gets.
"""
from werkzeug.wrappers import Request

from webapp.sandbox.authz.permissions import ANY_RESOURCE, Permission, Target
from webapp.sandbox.dispatch import AwsOperation

SIMULATE_PRINCIPAL_POLICY = "SimulatePrincipalPolicy"
SOURCE_PARAMETER = "PolicySourceArn"


def permissions(request: Request, operation: AwsOperation,
                _target: Target) -> list[Permission]:
    """The IAM permission a request needs."""
    if operation.name == SIMULATE_PRINCIPAL_POLICY:
        return [Permission(operation.action, request.values.get(SOURCE_PARAMETER) or ANY_RESOURCE)]
    return [Permission(operation.action, ANY_RESOURCE)]
