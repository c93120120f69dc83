"""May API Gateway invoke the function? Its resource policy, or the integration's role, decides.

Without `credentials` on the integration, AWS needs a statement of the function's resource policy
allowing principal apigateway.amazonaws.com the action lambda:InvokeFunction, whose AWS:SourceArn
condition (if any) matches the call's execute-api ARN,
`arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/RESOURCE_PATH`, `*` per segment
(awslambda/resource_policy.py reads the policy).

With `credentials` (an invocation role's ARN), API Gateway assumes the role instead: the role
must trust apigateway.amazonaws.com, and its identity policies must allow lambda:InvokeFunction
on the function (qualified ARN if the URI names a qualifier); the resource policy is not read.
"""
from webapp.sandbox import authz
from webapp.sandbox.apigateway.settings import trusts_gateway
from webapp.sandbox.authz.roles import find_role
from webapp.sandbox.awslambda.resource_policy import service_may_invoke

PRINCIPALS = frozenset({"apigateway.amazonaws.com"})
INVOKE_ACTION = "lambda:InvokeFunction"


def source_arn(region: str, account_id: str, api_id: str, stage: str, http_method: str,
               resource_path: str) -> str:
    """The execute-api ARN a call presents; ANY methods present `*`."""
    method = "*" if http_method == "ANY" else http_method
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}{resource_path}"


def may_invoke(account_id: str, region: str, function_arn: str, qualifier: str | None,
               arn: str) -> bool:
    """Whether the function's policy lets API Gateway call it from `arn`."""
    return service_may_invoke(account_id, region, function_arn, qualifier, PRINCIPALS, arn)


def role_may_invoke(account_id: str, role_arn: str, function_arn: str,
                    qualifier: str | None) -> bool:
    """Whether API Gateway may assume `role_arn` and, as the role, invoke the function."""
    role = find_role(account_id, role_arn)
    if role is None or not trusts_gateway(role.assume_role_policy_document):
        return False
    resource = f"{function_arn}:{qualifier}" if qualifier else function_arn
    return authz.is_allowed(account_id, role_arn, INVOKE_ACTION, resource)
