"""IAM in the sandbox: moto's users, roles and policies, answering as AWS answers.

moto 5.2.5 takes any trust policy at CreateRole (text that is not JSON, statements without a
principal or with s3: actions), looks a policy ARN up without parsing it (so "not-an-arn" is
NoSuchEntity where AWS says the ARN cannot be parsed), answers CreateRole with the
MaxSessionDuration and RoleLastUsed that only GetRole returns, and keeps no user's permissions
boundary. trust_policy.py checks trust policies at CreateRole and UpdateAssumeRolePolicy,
policy_arns.py parses PolicyArn at AttachRolePolicy and AttachUserPolicy,
permissions_boundaries.py sets and states users' and roles' boundaries,
service_linked_roles.py creates service-linked roles as AWS names them and keeps them AWS's,
role_answer.py trims CreateRole's answer; errors.py holds IAM's refusals;
managed_policies.py keeps AWS-managed policies to the partition the sandbox serves.

Each module's CHECKS run before moto, by operation, in this order: the first refusal answers.
"""
from collections.abc import Sequence

from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, Dispatcher, OperationHandler
from webapp.sandbox.iam import (permissions_boundaries, policy_arns, role_answer,
                                service_linked_roles, trust_policy)
from webapp.sandbox.iam.errors import SERVICE

__all__ = ["register"]

CHECKING_MODULES = (service_linked_roles, trust_policy, policy_arns, permissions_boundaries)


def register(dispatcher: Dispatcher) -> None:
    """Let `dispatcher` refuse what IAM refuses, keep users' boundaries, and answer in AWS's
    shape."""
    checks: dict[str, list[OperationHandler]] = {}
    for module in CHECKING_MODULES:
        for name, check in module.CHECKS.items():
            checks.setdefault(name, []).append(check)
    for name, handlers in checks.items():
        dispatcher.register(SERVICE, name)(first_answer(handlers))
    for name, amender in permissions_boundaries.AMENDERS.items():
        dispatcher.amend(SERVICE, name)(amender)
    role_answer.register(dispatcher)


def first_answer(handlers: Sequence[OperationHandler]) -> OperationHandler:
    """One handler: the first of `handlers` to answer answers; None if none does."""
    def answer(request: Request, operation: AwsOperation) -> Response | None:
        for handler in handlers:
            response = handler(request, operation)
            if response is not None:
                return response
        return None

    return answer
