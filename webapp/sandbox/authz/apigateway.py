"""API Gateway's management API: IAM names its actions by HTTP method, its resources by path.

From API Gateway's permissions reference and its AccessDenied messages ("apigateway:PATCH on
resource: arn:aws:apigateway:us-east-1::/restapis/ID/stages/NAME"): the action is
`apigateway:GET|POST|PUT|PATCH|DELETE` and the resource `arn:aws:apigateway:REGION::PATH`, with
no account. Calling a deployed stage (execute-api:Invoke) is not signed by SDK clients here and is
not checked.
"""
from werkzeug.wrappers import Request

from webapp.sandbox.authz.permissions import Permission, Target
from webapp.sandbox.dispatch import AwsOperation

SERVICE = "apigateway"


def permissions(request: Request, _operation: AwsOperation,
                target: Target) -> list[Permission]:
    """The API Gateway permission a request needs (named by HTTP method, not operation)."""
    resource = f"arn:{target.partition}:{SERVICE}:{target.region}::{request.path}"
    return [Permission(f"{SERVICE}:{request.method.upper()}", resource)]
