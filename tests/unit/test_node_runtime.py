"""The Node.js runtime's pure parts: which runtimes run, on which node, what a missing node says,
and the environment AWS gives Node.js functions."""
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from webapp.sandbox.authz import RoleCredentials
from webapp.sandbox.awslambda import runtimes
from webapp.sandbox.awslambda.environment import WorkerPaths, worker_environment
from webapp.sandbox.awslambda.functions import FunctionVersion

from tests.helpers import needs_node

NODE_RUNTIMES = ("nodejs18.x", "nodejs20.x", "nodejs22.x")


@pytest.fixture
def fresh_lookup() -> Iterator[None]:
    """Forget where node was found, before and after the test."""
    runtimes.node_executable.cache_clear()
    runtimes.node_version.cache_clear()
    yield
    runtimes.node_executable.cache_clear()
    runtimes.node_version.cache_clear()


@needs_node()
@pytest.mark.parametrize("runtime", NODE_RUNTIMES)
def test_every_node_runtime_runs_on_the_machines_node(runtime: str, fresh_lookup: None) -> None:
    assert runtimes.is_supported(runtime)
    effective = runtimes.effective_runtime(runtime)
    assert effective is not None and effective.startswith("Node.js v")
    assert runtimes.interpreter(runtime) == shutil.which("node")


@pytest.mark.parametrize("runtime", NODE_RUNTIMES)
def test_without_node_a_node_function_is_told_how_to_install_it(
        runtime: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        fresh_lookup: None) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not runtimes.is_supported(runtime)
    assert runtimes.effective_runtime(runtime) is None
    message = runtimes.unsupported_message(runtime)
    assert runtime in message and "apt-get install nodejs" in message
    # Python functions still run.
    assert runtimes.is_supported("python3.12")


@pytest.mark.parametrize("runtime", ["nodejs16.x", "nodejs24.x", "java21", None])
def test_other_runtimes_are_refused_naming_what_runs(runtime: str | None) -> None:
    assert not runtimes.is_supported(runtime)
    message = runtimes.unsupported_message(runtime)
    assert "python3.x" in message and "nodejs22.x" in message


def node_function(runtime: str, environment: tuple[tuple[str, str], ...] = ()) -> FunctionVersion:
    return FunctionVersion(
        account_id="123456789012", region="ap-northeast-2", function_name="items",
        function_arn="arn:aws:lambda:ap-northeast-2:123456789012:function:items",
        version="$LATEST", handler="index.handler", runtime=runtime, memory_size=128,
        timeout=3, role_arn="arn:aws:iam::123456789012:role/items", environment=environment,
        package_type="Zip", code_sha256="x", revision="1", code=b"")


PATHS = WorkerPaths(task_root=Path("/var/task"), runtime_dir=Path("/var/runtime"),
                    runtime_api="127.0.0.1:9001", endpoint_url="http://127.0.0.1:4566",
                    telemetry_fd=3)
CREDENTIALS = RoleCredentials("ASIAEXAMPLE", "secret", "token", datetime.now(UTC))


@pytest.mark.parametrize(("runtime", "layer_folder"), [
    ("nodejs18.x", "/opt/nodejs/node18/node_modules"),
    ("nodejs22.x", "/opt/nodejs/node22/node_modules"),
])
def test_node_functions_get_awss_node_path_and_execution_env(runtime: str,
                                                             layer_folder: str) -> None:
    environment = worker_environment(node_function(runtime), CREDENTIALS, PATHS, "stream")
    assert environment["NODE_PATH"] == (f"{layer_folder}:/opt/nodejs/node_modules:"
                                        "/var/runtime/node_modules:/var/runtime:/var/task")
    assert environment["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{runtime}"
    assert "PYTHONPATH" not in environment


def test_a_functions_own_node_path_wins_as_on_aws() -> None:
    function = node_function("nodejs20.x", (("NODE_PATH", "/var/task/lib"),))
    environment = worker_environment(function, CREDENTIALS, PATHS, "stream")
    assert environment["NODE_PATH"] == "/var/task/lib"
