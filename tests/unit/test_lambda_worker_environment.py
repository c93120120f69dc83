"""A worker's environment: Lambda's reserved variables always carry the sandbox's values.

CreateFunction and UpdateFunctionConfiguration refuse reserved keys (environment_checks.py), but a
function may hold them from before those checks (a journal replayed, moto's own models): the
worker must still give the handler the execution role's session, its own Runtime API and paths,
never the function's stored values.
"""
from datetime import datetime, timezone
from pathlib import Path

from webapp.sandbox.authz import RoleCredentials
from webapp.sandbox.awslambda.environment import WorkerPaths, worker_environment
from webapp.lambda_environment import RESERVED_KEYS
from webapp.sandbox.awslambda.functions import FunctionVersion

CREDENTIALS = RoleCredentials(access_key_id="ASIAROLESESSION", secret_access_key="role-secret",
                              session_token="role-token",
                              expiration=datetime(2030, 1, 1, tzinfo=timezone.utc))
PATHS = WorkerPaths(task_root=Path("/var/task"), runtime_dir=Path("/var/runtime"),
                    runtime_api="127.0.0.1:9001", endpoint_url="http://127.0.0.1:4566",
                    telemetry_fd=7)


def function_with(environment: dict[str, str]) -> FunctionVersion:
    return FunctionVersion(
        account_id="123456789012", region="us-east-1", function_name="fn",
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:fn", version="$LATEST",
        handler="app.handler", runtime="python3.12", memory_size=128, timeout=3,
        role_arn="arn:aws:iam::123456789012:role/r", environment=tuple(environment.items()),
        package_type="Zip", code_sha256="sha", revision="1", code=b"")


def test_stored_reserved_variables_never_reach_the_handler() -> None:
    stored = {key: "from-the-function" for key in RESERVED_KEYS} | {"MINE": "kept"}
    environment = worker_environment(function_with(stored), CREDENTIALS, PATHS, "stream")
    clean = worker_environment(function_with({"MINE": "kept"}), CREDENTIALS, PATHS, "stream")
    assert environment == clean  # _X_AMZN_TRACE_ID too: the runtime sets it per invocation
    assert environment["AWS_ACCESS_KEY_ID"] == environment["AWS_ACCESS_KEY"] == "ASIAROLESESSION"
    assert environment["AWS_SECRET_ACCESS_KEY"] == "role-secret"
    assert environment["AWS_SESSION_TOKEN"] == "role-token"
    assert environment["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"
    assert environment["MINE"] == "kept"
