"""The environment a worker process starts with: AWS's variables, the function's, nothing else.

Built from scratch, never from the sandbox's own environment, so nothing of the sandbox (its
keys, its settings, a developer's secrets) reaches the function's code. A function's own
variables never stand in for Lambda's reserved ones (the role session's keys among them), even
if stored before CreateFunction refused them (environment_checks.py).

Python functions get PYTHONPATH (the function's own first, then the code and the runtime); Node.js
functions get NODE_PATH as AWS's Node runtimes set it when the function does not: the layers'
folders (/opt/nodejs/node20/node_modules, /opt/nodejs/node_modules), the runtime's node_modules
(the SDK), the runtime and the code.
"""
from dataclasses import dataclass
from pathlib import Path

from webapp.sandbox.authz import RoleCredentials
from webapp.lambda_environment import RESERVED_KEYS
from webapp.sandbox.awslambda.filesystem import NODE_MODULES
from webapp.sandbox.awslambda.functions import FunctionVersion
from webapp.sandbox.awslambda.runtimes import is_node, node_major

# Variables AWS sets that a function's own configuration may override.
UNRESERVED_DEFAULTS = {
    "LANG": "en_US.UTF-8",
    "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    "TZ": "UTC",
}
# Where AWS's Node.js runtimes look for layers' packages, before the runtime's own.
NODE_LAYER_FOLDERS = ("/opt/nodejs/node{major}/node_modules", "/opt/nodejs/node_modules")
# awslambdaric (and the sandbox's Node.js bootstrap) reads its log sink's fd from here and removes the variable before the handler
# loads, as on AWS.
TELEMETRY_FD_VARIABLE = "_LAMBDA_TELEMETRY_LOG_FD"


@dataclass(frozen=True, slots=True)
class WorkerPaths:
    """Where a worker's code and runtime live, and how it reaches its APIs."""

    task_root: Path
    runtime_dir: Path
    runtime_api: str
    endpoint_url: str
    telemetry_fd: int


def worker_environment(function: FunctionVersion, credentials: RoleCredentials,
                       paths: WorkerPaths, log_stream_name: str) -> dict[str, str]:
    """The complete environment of a worker running `function`."""
    user = {key: value for key, value in function.environment if key not in RESERVED_KEYS}
    unreserved = UNRESERVED_DEFAULTS | {
        # AWS's order: the runtime's libraries, then the function's.
        "LD_LIBRARY_PATH": (f"{paths.runtime_dir}:{paths.runtime_dir}/lib:"
                            f"{paths.task_root}:{paths.task_root}/lib"),
        # Not an AWS variable: it sends the function's own boto3 calls to the sandbox.
        "AWS_ENDPOINT_URL": paths.endpoint_url,
    }
    reserved = {
        "_HANDLER": function.handler,
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": function.version,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name,
        "AWS_ACCESS_KEY": credentials.access_key_id,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token,
        "AWS_LAMBDA_RUNTIME_API": paths.runtime_api,
        "LAMBDA_TASK_ROOT": str(paths.task_root),
        "LAMBDA_RUNTIME_DIR": str(paths.runtime_dir),
        TELEMETRY_FD_VARIABLE: str(paths.telemetry_fd),
    }
    if is_node(function.runtime):
        unreserved["NODE_PATH"] = _node_path(function.runtime or "", paths)
    else:
        reserved["PYTHONPATH"] = _python_path(user, paths)
    return unreserved | user | reserved


def _python_path(user: dict[str, str], paths: WorkerPaths) -> str:
    python_path = f"{paths.task_root}:{paths.runtime_dir}"
    if user.get("PYTHONPATH"):
        python_path = f"{user['PYTHONPATH']}:{python_path}"
    return python_path


def _node_path(runtime: str, paths: WorkerPaths) -> str:
    layers = [folder.format(major=node_major(runtime)) for folder in NODE_LAYER_FOLDERS]
    return ":".join([*layers, str(paths.runtime_dir / NODE_MODULES), str(paths.runtime_dir),
                     str(paths.task_root)])
