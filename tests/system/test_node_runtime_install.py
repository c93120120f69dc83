"""The AWS SDK for JavaScript v3 that Node.js handlers get: pinned by a checked-in lock, installed by
`make` into .node-runtime/ only when the lock changed, and skipped in one line without npm.

The Makefile runs here in a copy of the project's Makefile and lock, with a stand-in npm that
records its arguments: nothing is downloaded by a test.
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from webapp.sandbox.config import DEFAULT_NODE_MODULES

from tests.helpers import require_node

PROJECT = Path(__file__).resolve().parents[2]
NODE_RUNTIME = Path("webapp") / "sandbox" / "awslambda" / "node_runtime"
PACKAGE_FILES = ("package.json", "package-lock.json")
# The clients the tutorial and learners' first functions use, as AWS's Node.js runtimes provide.
REQUIRED_PACKAGES = frozenset({
    "@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb", "@aws-sdk/client-sts",
    "@aws-sdk/client-lambda", "@aws-sdk/client-s3", "@aws-sdk/client-cloudwatch-logs",
})
# SDK v3 reads AWS_ENDPOINT_URL from 3.428.0 (aws/aws-sdk-js-v3#5364); 3.844.0 stopped for one
# release (aws/aws-sdk-js-v3#7203, fixed in 3.845.0).
FIRST_WITH_ENDPOINT_URL = (3, 428, 0)
WITHOUT_ENDPOINT_URL = {(3, 844, 0)}
MAKE = shutil.which("make") or "make"
# A stand-in npm: appends its arguments to npm-calls.log and makes the folder npm ci would.
FAKE_NPM = """#!/bin/sh
echo "$@" >> "$NPM_LOG"
mkdir -p .node-runtime/node_modules/@aws-sdk
"""


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def pinned() -> dict[str, str]:
    manifest = json.loads((PROJECT / NODE_RUNTIME / "package.json").read_text())
    return manifest["dependencies"]


def locked() -> dict[str, dict[str, object]]:
    return json.loads((PROJECT / NODE_RUNTIME / "package-lock.json").read_text())["packages"]


def test_the_tutorials_clients_are_pinned_to_exact_versions() -> None:
    dependencies = pinned()
    assert REQUIRED_PACKAGES <= dependencies.keys()
    for name, wanted in dependencies.items():
        assert name.startswith("@aws-sdk/")
        assert version(wanted) >= FIRST_WITH_ENDPOINT_URL, name
        assert version(wanted) not in WITHOUT_ENDPOINT_URL, name


def test_the_lock_holds_exactly_what_package_json_pins() -> None:
    packages = locked()
    assert packages[""]["dependencies"] == pinned()
    for name, wanted in pinned().items():
        assert packages[f"node_modules/{name}"]["version"] == wanted
    # Every package is checked against its hash, none is a development tool, none runs scripts.
    for path, entry in packages.items():
        if path:
            assert entry.get("integrity"), path
            assert not entry.get("dev"), path
            assert not entry.get("hasInstallScript"), path


def test_the_sandbox_looks_where_make_installs() -> None:
    assert DEFAULT_NODE_MODULES == PROJECT / ".node-runtime" / "node_modules"
    assert ".node-runtime/" in (PROJECT / ".gitignore").read_text().splitlines()


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The Makefile and the runtime's package files in a folder of their own."""
    shutil.copy(PROJECT / "Makefile", tmp_path / "Makefile")
    (tmp_path / NODE_RUNTIME).mkdir(parents=True)
    for name in PACKAGE_FILES:
        shutil.copy(PROJECT / NODE_RUNTIME / name, tmp_path / NODE_RUNTIME / name)
    return tmp_path


def make(folder: Path, *targets: str, path: str,
         dry_run: bool = False) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": path, "NPM_LOG": str(folder / "npm-calls.log"), "HOME": str(folder)}
    return subprocess.run([MAKE, "--no-print-directory", *(["-n"] if dry_run else []), *targets],
                          cwd=folder, env=environment, capture_output=True, text=True,
                          timeout=60, check=False)


def fake_npm_path(folder: Path) -> str:
    tools = folder / "bin"
    tools.mkdir()
    npm = tools / "npm"
    npm.write_text(FAKE_NPM)
    npm.chmod(0o755)
    return f"{tools}:{os.environ['PATH']}"


def npm_calls(folder: Path) -> list[str]:
    log = folder / "npm-calls.log"
    return log.read_text().splitlines() if log.exists() else []


def without_npm(folder: Path) -> str:
    """A PATH holding make's shell and the tools a recipe needs, but no npm."""
    tools = folder / "no-npm-bin"
    tools.mkdir()
    for tool in ("sh", "mkdir", "cp", "touch"):
        found = shutil.which(tool)
        assert found is not None
        (tools / tool).symlink_to(found)
    return str(tools)


def test_make_installs_the_locked_sdk_once_and_again_when_the_lock_changes(
        project_copy: Path) -> None:
    path = fake_npm_path(project_copy)
    first = make(project_copy, "node-runtime", path=path)
    assert first.returncode == 0, first.stderr
    assert npm_calls(project_copy) == [
        "ci --omit=dev --ignore-scripts --no-audit --no-fund --prefix .node-runtime"]
    for name in PACKAGE_FILES:
        assert ((project_copy / ".node-runtime" / name).read_bytes()
                == (PROJECT / NODE_RUNTIME / name).read_bytes())

    assert make(project_copy, "node-runtime", path=path).returncode == 0
    assert len(npm_calls(project_copy)) == 1

    lock = project_copy / NODE_RUNTIME / "package-lock.json"
    stamp = project_copy / ".node-runtime" / ".installed"
    later = stamp.stat().st_mtime + 10
    os.utime(lock, (later, later))
    assert make(project_copy, "node-runtime", path=path).returncode == 0
    assert len(npm_calls(project_copy)) == 2


@pytest.mark.parametrize("target", ["run", "test", "bench"])
def test_run_test_and_bench_install_the_sdk_first(project_copy: Path, target: str) -> None:
    for name in ("requirements.txt", "requirements-dev.txt", "constraints.txt"):
        (project_copy / name).touch()
    planned = make(project_copy, target, path=fake_npm_path(project_copy), dry_run=True)
    assert "ci --omit=dev --ignore-scripts" in planned.stdout


def test_without_npm_make_says_so_in_one_line_and_goes_on(project_copy: Path) -> None:
    result = make(project_copy, "node-runtime", path=without_npm(project_copy))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "npm not found: Node.js functions will run without the AWS SDK for JavaScript "
        "(apt-get install nodejs npm, then make again)"]
    assert not (project_copy / ".node-runtime").exists()


def test_the_installed_sdk_is_the_locked_one() -> None:
    installed_lock = DEFAULT_NODE_MODULES / ".package-lock.json"
    require_node("the AWS SDK for JavaScript in .node-runtime/ (make installs it)",
                 installed_lock.exists())
    installed = json.loads(installed_lock.read_text())["packages"]
    for name, wanted in pinned().items():
        assert installed[f"node_modules/{name}"]["version"] == wanted
