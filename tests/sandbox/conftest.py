"""Fixtures: one sandbox process for the session, boto3 clients for it, the console's service
layer pointed at it, and extra sandboxes."""
import subprocess
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from webapp.aws import clients

from tests.helpers import clients_for

from .processes import (FAKE_CREDENTIALS, NO_AWS_FILES, REGION, ClientFactory, SandboxLauncher,
                        free_port, start, stop, wait_until_healthy)


@pytest.fixture(scope="session", autouse=True)
def aws_isolation() -> Iterator[None]:
    """Fake keys and no AWS files for every boto3 client this test process makes."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**FAKE_CREDENTIALS, **NO_AWS_FILES}.items():
            patch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The endpoint URL of one sandbox shared by the whole session."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # A file, not a pipe: nobody drains a pipe during the session, and a full one would block it.
    log_path = tmp_path_factory.mktemp("sandbox") / "output.log"
    with log_path.open("w") as log:
        process = start("--port", str(port), output=log)
        try:
            wait_until_healthy(process, url, log_path)
            yield url
        finally:
            stop(process)


@pytest.fixture(scope="session")
def aws_client(sandbox_url: str) -> ClientFactory:
    """Build a boto3 client for the shared sandbox: `aws_client("dynamodb")`."""
    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=sandbox_url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    return make


@pytest.fixture
def launch_sandbox() -> Iterator[SandboxLauncher]:
    """Start extra sandboxes in one test, `launch_sandbox("--port", "4567")`; stopped after it."""
    started: list[subprocess.Popen[str]] = []

    def launch(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        process = start(*args, env=env)
        started.append(process)
        return process

    yield launch
    for process in started:
        stop(process)


@pytest.fixture
def console_calls(sandbox_url: str) -> Iterator[None]:
    """webapp.aws pointed at the shared sandbox, as the console in sandbox mode is."""
    aws = clients_for(clients.Connection("sandbox", REGION, endpoint_url=sandbox_url))
    with clients.using(aws), clients.using_region(REGION):
        yield
