"""What a worker runs: one function version's configuration and code, read from moto in-process.

A `FunctionVersion` is compared by value and used as the warm pool's key, so any change moto
records (code, handler, memory, timeout, role, environment, runtime, a new publish) gives a new
key and therefore a cold start, as on AWS. The key holds the settings themselves, not just
LastModified and RevisionId, so it does not depend on how those are kept (configuration.py).
"""
from dataclasses import dataclass, field

from moto.awslambda.models import LambdaFunction, lambda_backends
from moto.core.exceptions import ServiceException
from werkzeug.exceptions import HTTPException

LATEST = "$LATEST"


@dataclass(frozen=True, slots=True)
class FunctionVersion:
    """One version of a function as it is configured now; equal values share warm workers."""

    account_id: str
    region: str
    function_name: str
    function_arn: str
    version: str
    handler: str
    runtime: str | None
    memory_size: int
    timeout: int
    role_arn: str
    environment: tuple[tuple[str, str], ...]
    package_type: str
    code_sha256: str
    # Changes on every UpdateFunctionCode, even with identical bytes, as AWS then starts afresh.
    revision: str
    code: bytes = field(compare=False, repr=False)

    @property
    def log_group_name(self) -> str:
        """The function's CloudWatch Logs group."""
        return f"/aws/lambda/{self.function_name}"

    @property
    def code_identity(self) -> tuple[str, str, str]:
        """What decides the unzipped code: versions that share it share one directory."""
        return (self.function_name, self.code_sha256, self.revision)


@dataclass(frozen=True, slots=True)
class FoundFunction:
    """A function version to invoke and the function-wide concurrency it may use."""

    function: FunctionVersion
    reserved_concurrency: int | None


def find_function(account_id: str, region: str, name_or_arn: str,
                  qualifier: str | None) -> FoundFunction | None:
    """The version a name, ARN or `name:qualifier` (plus `qualifier`) names, or None if none.

    None lets moto answer the request, so a missing function gets AWS's own error from moto.
    """
    try:
        backend = lambda_backends[account_id][region]
        function = backend.get_function(name_or_arn, qualifier)
        latest = (function if str(function.version) == LATEST
                  else backend.get_function(function.function_name, None))
    except (KeyError, ServiceException, HTTPException):  # moto's errors are both kinds
        return None
    # PutFunctionConcurrency is set on $LATEST and governs every version of the function.
    reserved = latest.reserved_concurrency
    return FoundFunction(snapshot(function),
                         None if reserved is None else int(reserved))


def snapshot(function: LambdaFunction) -> FunctionVersion:
    """A value copy of what running `function` depends on."""
    version = str(function.version)
    return FunctionVersion(
        account_id=function.account_id,
        region=function.region,
        function_name=function.function_name,
        function_arn=function.function_arn.split(f":{version}")[0],
        version=version,
        handler=function.handler or "",
        runtime=function.run_time,
        memory_size=int(function.memory_size),
        timeout=int(function.timeout),
        role_arn=function.role,
        environment=tuple(sorted((function.environment_vars or {}).items())),
        package_type=function.package_type,
        code_sha256=function.code_sha_256,
        revision=f"{function.code.get('UUID', '')}@{function.last_modified}",
        code=getattr(function, "code_bytes", b""),
    )
