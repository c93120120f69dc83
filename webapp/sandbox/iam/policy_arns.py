"""PolicyArn parsed before the policy is looked up, at AttachRolePolicy and AttachUserPolicy.

AWS answers a PolicyArn that is no ARN at all with ValidationError "Invalid ARN:  Could not be
parsed!" (two spaces, as IAM writes it); only a well-formed ARN is looked up, and one that names
no policy is moto's NoSuchEntity "Policy ARN does not exist or is not attachable.", which is
AWS's text already. An ARN here is `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` with the
partition, service and resource not empty (region and account may be, as in
arn:aws:iam::aws:policy/ReadOnlyAccess).
"""
import re

from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, OperationHandler
from webapp.sandbox.iam.errors import validation_error

ARN = re.compile(r"arn:[^:]+:[^:]+:[^:]*:[^:]*:.+", re.DOTALL)
UNPARSABLE_ARN_MESSAGE = "Invalid ARN:  Could not be parsed!"
ATTACHING_OPERATIONS = ("AttachRolePolicy", "AttachUserPolicy")


def is_arn(text: str) -> bool:
    """Whether `text` has the six parts of an ARN."""
    return ARN.fullmatch(text) is not None


def refuse_unparsable_arn(request: Request, _operation: AwsOperation) -> Response | None:
    """ValidationError for a PolicyArn that is no ARN; None lets moto look a real one up."""
    policy_arn = request.values.get("PolicyArn")
    if policy_arn is None or is_arn(policy_arn):
        return None
    return validation_error(UNPARSABLE_ARN_MESSAGE)


# PolicyArn parsed before moto looks it up, for each operation that attaches a policy.
CHECKS: dict[str, OperationHandler] = {name: refuse_unparsable_arn
                                       for name in ATTACHING_OPERATIONS}
