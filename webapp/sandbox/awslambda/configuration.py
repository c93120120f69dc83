"""A function's configuration as AWS states it, in every answer that carries one.

moto writes LastModified once, at creation, in a format of its own ("…49.900618000Z"), never
moves it on UpdateFunctionCode or UpdateFunctionConfiguration, and has no RevisionId. It also
answers `"Layers": []` for a function without layers, no LoggingConfig, and no Environment when
the variables were set empty. AWS's FunctionConfiguration
(https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html) has:

* LastModified as "2024-01-01T12:00:00.000+0000", new on every update of code or settings;
* RevisionId, a new one on every update (UpdateFunctionCode and UpdateFunctionConfiguration take
  it back to refuse changes made on top of a stale read);
* LoggingConfig {"LogFormat": "Text", "LogGroup": "/aws/lambda/NAME"} for a function that
  chose no other;
* no member without a value (Layers without layers, KMSKeyArn without a key, …).

The corrections are made on moto's function model, not on each answer, so GetFunction,
GetFunctionConfiguration, ListFunctions, ListVersionsByFunction, PublishVersion and the create
and update answers all say the same. The time of an update is read from moto's clock
(`moto.core.utils.utcnow`, looked up at each call), which the journal records and replays, so a
restarted sandbox gives back the same LastModified; RevisionId is derived from what it stands
for rather than drawn, so it takes nothing from the recorded draws either.
"""
import functools
import hashlib
import uuid
from datetime import datetime
from typing import Any

import moto.core.utils
from moto.awslambda.models import LambdaFunction

# moto's creation stamp (iso_8601_datetime_with_nanoseconds): microseconds, then "000Z".
MOTO_STAMP_PREFIX_LENGTH = len("2024-01-01T12:00:00.000000")
MOTO_STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
LOG_FORMAT = "Text"
# Set on moto's LambdaFunction by install(): how many times it changed, whether Environment was
# given (moto keeps only the variables, so `{"Variables": {}}` and no Environment look alike).
CHANGES = "sandbox_changes"
ENVIRONMENT_GIVEN = "sandbox_environment_given"
REVISION_ID = "sandbox_revision_id"

_installed = False


def aws_time(moment: datetime) -> str:
    """A time as Lambda writes LastModified: milliseconds and "+0000"."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}+0000"


def install() -> None:
    """Make moto's Lambda functions keep and state their configuration as AWS does; idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    LambdaFunction.__init__ = _after(  # type: ignore[method-assign]
        LambdaFunction.__init__, _created)
    LambdaFunction.set_version = _after(  # type: ignore[method-assign]
        LambdaFunction.set_version, _published)
    LambdaFunction.update_configuration = _updated(  # type: ignore[method-assign]
        LambdaFunction.update_configuration)
    LambdaFunction.update_function_code = _updated(  # type: ignore[method-assign]
        LambdaFunction.update_function_code)
    LambdaFunction.get_configuration = _stated(  # type: ignore[method-assign]
        LambdaFunction.get_configuration)


def _after(method: Any, then: Any) -> Any:
    @functools.wraps(method)
    def run(function: LambdaFunction, *args: Any, **kwargs: Any) -> Any:
        result = method(function, *args, **kwargs)
        then(function, *args, **kwargs)
        return result

    return run


def _created(function: LambdaFunction, account_id: str, spec: dict[str, Any],
             *args: Any, **kwargs: Any) -> None:
    setattr(function, CHANGES, 0)
    setattr(function, ENVIRONMENT_GIVEN, spec.get("Environment") is not None)
    _restamp(function)


def _published(function: LambdaFunction, version: int) -> None:
    _restamp(function)


def _restamp(function: LambdaFunction) -> None:
    """Rewrite the time moto just stamped in AWS's format, and give the state a new revision."""
    moment = datetime.strptime(function.last_modified[:MOTO_STAMP_PREFIX_LENGTH],
                               MOTO_STAMP_FORMAT)
    _mark_changed(function, aws_time(moment))


def _mark_changed(function: LambdaFunction, last_modified: str) -> None:
    changes = getattr(function, CHANGES, 0) + 1
    setattr(function, CHANGES, changes)
    function.last_modified = last_modified
    identity = f"{function.function_arn}|{function.version}|{last_modified}|{changes}"
    digest = hashlib.sha256(identity.encode()).digest()
    setattr(function, REVISION_ID, str(uuid.UUID(bytes=digest[:16], version=4)))


def _updated(method: Any) -> Any:
    @functools.wraps(method)
    def update(function: LambdaFunction, changes: dict[str, Any]) -> dict[str, Any]:
        method(function, changes)
        if changes.get("DryRun"):  # UpdateFunctionCode's check: nothing was changed
            return function.get_configuration()
        if "Environment" in changes:
            setattr(function, ENVIRONMENT_GIVEN, True)
        _mark_changed(function, aws_time(moto.core.utils.utcnow()))
        return function.get_configuration()

    return update


def _stated(method: Any) -> Any:
    @functools.wraps(method)
    def state(function: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
        configuration = {key: value for key, value in method(function, on_create).items()
                         if value is not None and value != []}
        configuration["RevisionId"] = getattr(function, REVISION_ID, "")
        configuration["LoggingConfig"] = {"LogFormat": LOG_FORMAT,
                                          "LogGroup": function.logs_group_name}
        if getattr(function, ENVIRONMENT_GIVEN, False):
            configuration["Environment"] = {"Variables": dict(function.environment_vars or {})}
        return configuration

    return state
