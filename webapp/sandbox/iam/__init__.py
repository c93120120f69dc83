"""IAM in the sandbox: moto's users, roles and policies, answering as AWS answers.

moto 5.2.5 takes any trust policy at CreateRole (text that is not JSON, statements without a
principal or with s3: actions), looks a policy ARN up without parsing it (so "not-an-arn" is
NoSuchEntity where AWS says the ARN cannot be parsed), and answers CreateRole with the
MaxSessionDuration and RoleLastUsed that only GetRole returns. trust_policy.py checks trust
policies at CreateRole and UpdateAssumeRolePolicy, policy_arns.py parses PolicyArn at
AttachRolePolicy and AttachUserPolicy, role_answer.py trims CreateRole's answer; errors.py holds
IAM's 400 refusals.
"""
from webapp.sandbox.dispatch import Dispatcher
from webapp.sandbox.iam import policy_arns, role_answer, trust_policy

__all__ = ["register"]


def register(dispatcher: Dispatcher) -> None:
    """Let `dispatcher` refuse malformed trust policies and policy ARNs as IAM does, and answer
    CreateRole in AWS's shape."""
    trust_policy.register(dispatcher)
    policy_arns.register(dispatcher)
    role_answer.register(dispatcher)
