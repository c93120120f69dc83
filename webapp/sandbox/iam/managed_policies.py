"""AWS-managed policies in the one partition the sandbox serves.

moto builds an IAM backend per partition (six in moto 5.2.5) and, with
MOTO_IAM_LOAD_MANAGED_POLICIES, parses its whole list of AWS-managed policies (1,582) into each,
drawing random policy ids for all of them: about 0.06 s of JSON and 0.06 s of objects per
partition. The sandbox serves one region of the `aws` partition, and nothing it answers reads
another partition's managed policies (moto only looks access keys up there), so the other five
are built without them: a sandbox starts about 0.3 s sooner, which the test suite pays for every
sandbox it starts.
"""
from __future__ import annotations

from moto.iam.models import IAMBackend

SERVED_PARTITION = "aws"
_INSTALLED = "_sandbox_managed_policies_in_one_partition"


def install() -> None:
    """Make IAM backends of other partitions start without AWS-managed policies (once)."""
    if getattr(IAMBackend, _INSTALLED, False):
        return
    build = IAMBackend._init_aws_policies

    def in_the_served_partition_only(self: IAMBackend) -> list:
        return build(self) if self.partition == SERVED_PARTITION else []

    in_the_served_partition_only.__doc__ = build.__doc__
    IAMBackend._init_aws_policies = in_the_served_partition_only  # type: ignore[method-assign]
    setattr(IAMBackend, _INSTALLED, True)
