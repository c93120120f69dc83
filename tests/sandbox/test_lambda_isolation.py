"""Handlers run in bubblewrap (issue 16): the project, the sandbox's data, other processes and other
functions' code are out of their reach, while their own code, /tmp, the SDK and the sandbox are
not. Tests that need bwrap skip without it, unless REQUIRE_BWRAP=1 (CI) makes that a failure."""
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from .lambda_support import create_role, deploy, invoke, lambda_client, wait_for
from .processes import (REGION, REPO_ROOT, SandboxLauncher, clean_env, free_port, health, start,
                        stop, wait_until_healthy)

# A file of the project: a handler that can read it can read instance/secret_key too.
PROJECT_FILE = REPO_ROOT / "webapp" / "__init__.py"
JOURNAL_NAME = "journal.jsonl"
# Where the sandbox unzips functions: <temp dir>/sandbox-lambda-<sandbox pid>-<random>/task/.
SCRATCH_GLOB = "sandbox-lambda-{pid}-*/task/{name}-*/app.py"
SANDBOX_TEMP_DIR = Path("/tmp")  # clean_env passes no TMPDIR
UNREADABLE = {"FileNotFoundError", "PermissionError"}
TMP_SIZE = 512 * 1024 * 1024  # AWS's default ephemeral storage
PROBE = """
    import os

    import boto3

    def attempt(path):
        try:
            with open(path, "rb") as file:
                file.read(1)
        except OSError as err:
            return type(err).__name__
        return "read"

    def handler(event, context):
        with open("/tmp/scratch.txt", "w") as scratch:
            scratch.write("written")
        with open("/tmp/scratch.txt") as scratch:
            tmp = scratch.read()
        own_code = attempt(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "app.py"))
        item = None
        if event.get("table"):
            dynamodb = boto3.client("dynamodb")
            dynamodb.put_item(TableName=event["table"], Item={"id": {"S": "from-the-handler"}})
            item = dynamodb.get_item(TableName=event["table"],
                                     Key={"id": {"S": "from-the-handler"}})["Item"]
        tmp_size = os.statvfs("/tmp").f_blocks * os.statvfs("/tmp").f_frsize
        with open("/proc/self/status") as status:
            capabilities = next(line.split()[1] for line in status if line.startswith("CapEff:"))
        return {"paths": {path: attempt(path) for path in event["paths"]}, "tmp": tmp,
                "own_code": own_code, "task_root": os.environ["LAMBDA_TASK_ROOT"], "item": item,
                "capabilities": int(capabilities, 16), "tmp_size": tmp_size}
"""
ORPHAN_MAKER = """
    import os
    import subprocess
    import time

    def handler(event, context):
        subprocess.Popen(["sleep", event["marker"]], start_new_session=True)
        if event["end"] == "exit":
            os._exit(3)
        time.sleep(30)
"""
FAILING_BWRAP = "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"


@dataclass(frozen=True, slots=True)
class Launched:
    """A sandbox of the test's own, keeping its state in `data_dir`."""

    url: str
    pid: int
    data_dir: Path

    def client(self, service: str) -> Any:
        """A boto3 client for this sandbox."""
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")


def require_bwrap() -> None:
    if shutil.which("bwrap") is not None:
        return
    message = "bwrap not found: install bubblewrap (apt-get install bubblewrap)"
    if os.environ.get("REQUIRE_BWRAP") == "1":
        pytest.fail(f"{message}; REQUIRE_BWRAP=1 demands it")
    pytest.skip(message)


def launch(launcher: SandboxLauncher, data_dir: Path, **settings: str) -> Launched:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = launcher("--port", str(port), env=clean_env(
        SANDBOX_PERSIST="1", SANDBOX_DATA_DIR=str(data_dir), **settings))
    wait_until_healthy(process, url)
    return Launched(url, process.pid, data_dir)


@contextmanager
def launched(data_dir: Path, **settings: str) -> Iterator[Launched]:
    """A persistent sandbox over `data_dir` (see `launch`), stopped on leaving."""
    started: list[subprocess.Popen[str]] = []

    def launcher(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
        started.append(start(*args, env=env))
        return started[-1]

    try:
        yield launch(launcher, data_dir, **settings)
    finally:
        for process in started:
            stop(process)


@pytest.fixture(scope="module")
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launched]:
    """One persistent sandbox running handlers in bwrap, for the module."""
    require_bwrap()
    with launched(tmp_path_factory.mktemp("isolated") / "data") as sandbox:
        yield sandbox


def task_code_of(sandbox: Launched, function_name: str) -> Path:
    """Where the sandbox unzipped a function's code, once it has run."""
    [path] = SANDBOX_TEMP_DIR.glob(SCRATCH_GLOB.format(pid=sandbox.pid, name=function_name))
    return path


def secrets_of(sandbox: Launched, other_function: str) -> list[str]:
    """Files a handler must not read: the project's, the journal, other processes' environ,
    another function's code."""
    paths = [PROJECT_FILE, sandbox.data_dir / JOURNAL_NAME, Path(f"/proc/{sandbox.pid}/environ"),
             Path(f"/proc/{os.getpid()}/environ"), task_code_of(sandbox, other_function)]
    for path in paths:
        assert path.is_file(), path  # it is there to read, outside the sandbox
    return [str(path) for path in paths]


def table_role(sandbox: Launched) -> tuple[str, str]:
    """A table, and a role allowed to write and read it (and to log)."""
    table = f"items-{uuid.uuid4().hex[:8]}"
    arn = sandbox.client("dynamodb").create_table(
        TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")["TableDescription"]["TableArn"]
    iam = sandbox.client("iam")
    role_arn = create_role(iam)
    iam.put_role_policy(RoleName=role_arn.rsplit("/", 1)[1], PolicyName="items",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                            "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
                            "Resource": arn}]}))
    return table, role_arn


def test_health_says_handlers_are_isolated(isolated: Launched) -> None:
    answer = health(isolated.url)
    assert answer is not None
    assert answer["isolation"]["bwrap"] is True
    assert "bubblewrap" in answer["isolation"]["detail"]


def test_a_handler_reaches_its_own_code_tmp_and_the_sandbox_but_nothing_else(
        isolated: Launched) -> None:
    client = lambda_client(isolated.url)
    table, role_arn = table_role(isolated)
    other = deploy(client, role_arn, PROBE)
    invoke(client, other.name, {"paths": []})
    probe = deploy(client, role_arn, PROBE)
    secrets = secrets_of(isolated, other.name)

    answer = invoke(client, probe.name, {"paths": secrets, "table": table})

    assert answer.function_error is None, answer.payload
    assert answer.payload["task_root"] == "/var/task"
    assert answer.payload["own_code"] == "read"
    assert answer.payload["tmp"] == "written"
    assert answer.payload["tmp_size"] == TMP_SIZE
    assert answer.payload["item"] == {"id": {"S": "from-the-handler"}}
    assert answer.payload["capabilities"] == 0  # none, even if the sandbox runs as root
    assert set(answer.payload["paths"]) == set(secrets)
    assert set(answer.payload["paths"].values()) <= UNREADABLE, answer.payload["paths"]


@pytest.mark.parametrize(("end", "error"), [("timeout", "Task timed out after 1.00 seconds"),
                                            ("exit", "Runtime exited with error: exit status 3")])
def test_a_worker_that_ends_takes_what_its_handler_started_in_a_session_of_its_own_along(
        isolated: Launched, end: str, error: str) -> None:
    client = lambda_client(isolated.url)
    function = deploy(client, create_role(isolated.client("iam")), ORPHAN_MAKER, Timeout=1)
    marker = f"1000.{uuid.uuid4().int % 10**9}"

    answer = invoke(client, function.name, {"marker": marker, "end": end})

    assert answer.payload["errorMessage"].endswith(error)
    wait_for(lambda: not running_command(["sleep", marker]), seconds=5)


def test_without_isolation_the_same_handler_reads_everything(
        launch_sandbox: SandboxLauncher, tmp_path: Path) -> None:
    sandbox = launch(launch_sandbox, tmp_path / "data", SANDBOX_ISOLATION="0")
    answer = health(sandbox.url)
    assert answer is not None
    assert answer["isolation"]["bwrap"] is False
    assert "SANDBOX_ISOLATION=0" in answer["isolation"]["detail"]
    client = lambda_client(sandbox.url)
    role_arn = create_role(sandbox.client("iam"))
    other = deploy(client, role_arn, PROBE)
    invoke(client, other.name, {"paths": []})
    probe = deploy(client, role_arn, PROBE)
    secrets = secrets_of(sandbox, other.name)

    answer = invoke(client, probe.name, {"paths": secrets})

    assert answer.payload["paths"] == dict.fromkeys(secrets, "read")
    assert answer.payload["task_root"] == str(task_code_of(sandbox, probe.name).parent)


def test_a_bwrap_that_cannot_run_leaves_handlers_unisolated_and_says_why(
        launch_sandbox: SandboxLauncher, tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text(FAILING_BWRAP)
    fake.chmod(0o755)
    path = f"{fake.parent}:{os.environ.get('PATH', os.defpath)}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(launch_sandbox("--port", str(port), env=clean_env(PATH=path)), url)

    answer = health(url)

    assert answer is not None
    assert answer["isolation"] == {
        "bwrap": False,
        "detail": "bwrap cannot run here (bwrap: No permissions to create new namespace): "
                  "handlers run as your user and can read your files"}
    client = lambda_client(url)
    function = deploy(client, create_role(boto3.client(
        "iam", endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
        aws_secret_access_key="testing")), PROBE)
    assert invoke(client, function.name, {"paths": []}).payload["own_code"] == "read"


def running_command(argv: list[str]) -> bool:
    """Whether a process with exactly this command line runs on this machine."""
    wanted = "\0".join(argv) + "\0"
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if cmdline.read_text() == wanted:
                return True
        except OSError:
            continue
    return False
