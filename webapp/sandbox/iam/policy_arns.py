"""PolicyArn parsed before the policy is looked up, at AttachRolePolicy and AttachUserPolicy;
GetPolicy's answer for a policy that does not exist.

AWS answers a PolicyArn that is no ARN at all with ValidationError "Invalid ARN:  Could not be
parsed!" (two spaces, as IAM writes it); only a well-formed ARN is looked up, and one that names
no policy is moto's NoSuchEntity "Policy ARN does not exist or is not attachable.", which is
AWS's text already. An ARN here is `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` with the
partition, service and resource not empty (region and account may be, as in
arn:aws:iam::aws:policy/ReadOnlyAccess).

GetPolicy on a well-formed ARN naming no policy is NoSuchEntity "Policy ARN was not found.", as
the AWS CLI reports it ("An error occurred (NoSuchEntity) when calling the GetPolicy operation:
Policy arn:aws:iam::179746107155:policy/AWSManagedPrometheusWriteAccessPolicy was not found.");
moto said "Policy ARN not found". DetachRolePolicy and DetachUserPolicy already say "Policy ARN
was not found." in moto, as in AWS.
"""
import re

from moto.iam.models import IAMBackend, get_account_id_from, iam_backends
from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, OperationHandler
from webapp.sandbox.iam.errors import no_such_entity, validation_error

ARN = re.compile(r"arn:[^:]+:[^:]+:[^:]*:[^:]*:.+", re.DOTALL)
UNPARSABLE_ARN_MESSAGE = "Invalid ARN:  Could not be parsed!"
ATTACHING_OPERATIONS = ("AttachRolePolicy", "AttachUserPolicy")
# IAM is global: moto keys its backends by partition, and the sandbox serves the aws partition.
IAM_PARTITION = "aws"


def backend_for(operation: AwsOperation) -> IAMBackend:
    """The caller's account's IAM backend."""
    return iam_backends[get_account_id_from(operation.access_key_id)][IAM_PARTITION]


def is_arn(text: str) -> bool:
    """Whether `text` has the six parts of an ARN."""
    return ARN.fullmatch(text) is not None


def refuse_unparsable_arn(request: Request, _operation: AwsOperation) -> Response | None:
    """ValidationError for a PolicyArn that is no ARN; None lets moto look a real one up."""
    policy_arn = request.values.get("PolicyArn")
    if policy_arn is None or is_arn(policy_arn):
        return None
    return validation_error(UNPARSABLE_ARN_MESSAGE)


def refuse_missing_policy(request: Request, operation: AwsOperation) -> Response | None:
    """NoSuchEntity for a well-formed PolicyArn naming no policy; None lets moto answer."""
    policy_arn = request.values.get("PolicyArn")
    if (policy_arn is None or not is_arn(policy_arn)
            or policy_arn in backend_for(operation).managed_policies):
        return None
    return no_such_entity(f"Policy {policy_arn} was not found.")


# PolicyArn parsed before moto looks it up, for each operation that attaches a policy.
CHECKS: dict[str, OperationHandler] = {
    **{name: refuse_unparsable_arn for name in ATTACHING_OPERATIONS},
    "GetPolicy": refuse_missing_policy,
}
