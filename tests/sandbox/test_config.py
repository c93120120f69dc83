"""Sandbox settings, its isolated environment, and what its code may import."""
import ast
import os
import sys
from pathlib import Path

import pytest

from webapp.sandbox.config import (ConfigError, loopback_host, parse_config,
                                   sandbox_environment)

SANDBOX_PACKAGE = Path(__file__).resolve().parents[2] / "webapp" / "sandbox"
# The sandbox is moto plus our glue: nothing of the console, and no AWS SDK of its own
# (freezegun sets the clock while the journal is replayed; re2 runs requests' regexes in
# linear time).
ALLOWED_THIRD_PARTY = {"moto", "werkzeug", "freezegun", "re2"}
# Pure rules of AWS shared with the console (IAM's policy grammar, Lambda's environment
# variables, its Node.js runtimes): standard library themselves.
SHARED = ("webapp.iam_grammar", "webapp.lambda_environment", "webapp.lambda_runtimes")


def imported_modules(source: Path) -> set[str]:
    """Every absolute module name a Python file imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_defaults_without_environment() -> None:
    config = parse_config([], {})
    assert (config.host, config.port, config.region, config.parent_pid) == (
        "127.0.0.1", 4566, "ap-northeast-2", None)


def test_port_and_region_come_from_the_environment() -> None:
    config = parse_config([], {"SANDBOX_PORT": "4599", "AWS_REGION": "eu-west-1"})
    assert (config.port, config.region) == (4599, "eu-west-1")


def test_state_is_kept_in_the_projects_data_directory_unless_told_otherwise(
        tmp_path: Path) -> None:
    config = parse_config([], {})
    assert config.persist is True
    assert config.data_dir == SANDBOX_PACKAGE.parents[1] / ".sandbox-data"
    config = parse_config([], {"SANDBOX_PERSIST": "0", "SANDBOX_DATA_DIR": str(tmp_path)})
    assert (config.persist, config.data_dir) == (False, tmp_path)


def test_an_unclear_persist_setting_is_refused() -> None:
    with pytest.raises(ConfigError, match="SANDBOX_PERSIST='maybe' is not 1 or 0"):
        parse_config([], {"SANDBOX_PERSIST": "maybe"})


def test_port_flag_wins_over_sandbox_port() -> None:
    assert parse_config(["--port", "5001"], {"SANDBOX_PORT": "4599"}).port == 5001


@pytest.mark.parametrize(("host", "address"), [
    ("127.0.0.1", "127.0.0.1"), ("localhost", "127.0.0.1"), ("127.0.0.2", "127.0.0.2"),
    ("::1", "::1"),
])
def test_loopback_hosts_are_accepted(host: str, address: str) -> None:
    assert loopback_host(host) == address


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "example.com", ""])
def test_other_hosts_are_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        loopback_host(host)


@pytest.mark.parametrize("argv", [["--port", "70000"], ["--port", "-1"], ["--parent-pid", "0"]])
def test_impossible_values_are_refused(argv: list[str]) -> None:
    with pytest.raises(ConfigError):
        parse_config(argv, {})


def test_environment_keeps_no_secrets() -> None:
    inherited = {
        "PATH": "/usr/bin", "LC_ALL": "C.UTF-8", "SANDBOX_DATA_DIR": ".sandbox-data",
        "AWS_ACCESS_KEY_ID": "AKIAREALKEY", "AWS_SECRET_ACCESS_KEY": "real-secret",
        "AWS_SESSION_TOKEN": "token", "AWS_PROFILE": "production", "CONSOLE_PASSWORD": "hunter2",
        "SECRET_KEY": "flask-secret", "MOTO_ACCOUNT_ID": "111111111111",
    }
    environment = sandbox_environment(inherited, "eu-west-1")
    assert {"PATH": "/usr/bin", "LC_ALL": "C.UTF-8",
            "SANDBOX_DATA_DIR": ".sandbox-data"}.items() <= environment.items()
    for secret in ("AKIAREALKEY", "real-secret", "token", "production", "hunter2",
                   "flask-secret", "111111111111"):
        assert secret not in environment.values()
    assert environment["AWS_REGION"] == environment["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert environment["AWS_CONFIG_FILE"] == os.devnull
    assert environment["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert environment["MOTO_IAM_LOAD_MANAGED_POLICIES"] == "true"


@pytest.mark.parametrize("source", sorted(SANDBOX_PACKAGE.rglob("*.py")),
                         ids=lambda path: str(path.relative_to(SANDBOX_PACKAGE)))
def test_sandbox_imports_only_moto_werkzeug_and_stdlib(source: Path) -> None:
    for module in imported_modules(source):
        top_level = module.partition(".")[0]
        allowed = (top_level in sys.stdlib_module_names or top_level in ALLOWED_THIRD_PARTY
                   or module == "webapp.sandbox" or module.startswith("webapp.sandbox.")
                   or any(module == name or module.startswith(name + ".") for name in SHARED))
        assert allowed, f"{source.name} imports {module}"


def test_node_handlers_find_the_sdk_in_the_projects_node_runtime_folder_unless_told_otherwise(
        tmp_path: Path) -> None:
    assert parse_config([], {}).node_modules == (
        SANDBOX_PACKAGE.parents[1] / ".node-runtime" / "node_modules")
    setting = parse_config([], {"SANDBOX_NODE_MODULES": str(tmp_path)}).node_modules
    assert setting == tmp_path


def test_a_node_modules_setting_that_is_no_folder_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "node_modules"
    with pytest.raises(ConfigError, match=r"SANDBOX_NODE_MODULES='.*node_modules' is not a folder"):
        parse_config([], {"SANDBOX_NODE_MODULES": str(missing)})
