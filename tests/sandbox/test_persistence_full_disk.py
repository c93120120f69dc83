"""A sandbox whose data directory fills up: every change it acknowledged survives a restart,
every change it refused (503, AWS's ServiceUnavailable) is gone before and after one, reads keep
working, and changes are taken again once space returns.

The data directory is a 2 MiB tmpfs mounted for the test, so only root can run it.
"""
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .processes import (REGION, SandboxLauncher, clean_env, free_port, health, stop,
                        wait_until_healthy)

DISK_SIZE = "2m"
# Left free after the filler: room for some changes, then none.
HEADROOM_BYTES = 160 * 1024
# A write refused this many times in a row is not a fluke: the sandbox is read-only.
REFUSALS_TO_SEE = 5
MAX_PUTS = 2000
ONE_ATTEMPT = Config(retries={"mode": "standard", "max_attempts": 1})
TABLE = "notes"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a 2 MiB tmpfs needs root")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs",
                              str(mount_point)], capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def dynamodb(url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=url, region_name=REGION, config=ONE_ATTEMPT,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def put(client: Any, key: str) -> ClientError | None:
    """Put one item; the error if it was refused."""
    try:
        client.put_item(TableName=TABLE, Item={"id": {"S": key}, "pad": {"S": "x" * 200}})
    except ClientError as err:
        return err
    return None


def keys_of(client: Any) -> set[str]:
    pages = client.get_paginator("scan").paginate(TableName=TABLE)
    return {item["id"]["S"] for page in pages for item in page["Items"]}


def fill(disk: Path, leave: int) -> Path:
    """A file taking all but `leave` bytes of the disk."""
    stats = os.statvfs(disk)
    filler = disk / "filler"
    filler.write_bytes(bytes(max(0, stats.f_bavail * stats.f_frsize - leave)))
    return filler


def test_a_full_disk_refuses_changes_it_cannot_save_and_keeps_every_one_it_acknowledged(
        small_disk: Path, launch_sandbox: SandboxLauncher) -> None:
    data_dir = small_disk / "data"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = clean_env(SANDBOX_PERSIST="1", SANDBOX_DATA_DIR=str(data_dir))

    def start() -> Any:
        process = launch_sandbox("--port", str(port), env=env)
        wait_until_healthy(process, url)
        return process

    process = start()
    client = dynamodb(url)
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    filler = fill(small_disk, HEADROOM_BYTES)
    acknowledged: list[str] = []
    refused: dict[str, ClientError] = {}
    for number in range(MAX_PUTS):
        key = f"item{number:05d}"
        error = put(client, key)
        if error is None:
            assert not refused, f"{key} was taken between refusals"
            acknowledged.append(key)
        else:
            refused[key] = error
            if len(refused) == REFUSALS_TO_SEE:
                break

    assert acknowledged and len(refused) == REFUSALS_TO_SEE
    for error in refused.values():
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert error.response["Error"]["Code"] == "ServiceUnavailable"
        assert f"no space left on {data_dir} (ENOSPC)" in error.response["Error"]["Message"]
    state = health(url)["state"]
    assert state["read_only"] is True
    assert state["read_only_reason"] == (f"no space left on {data_dir} (ENOSPC); "
                                         "free space to resume")
    assert keys_of(client) == set(acknowledged)  # reads work; nothing refused is there
    assert "Item" not in client.get_item(TableName=TABLE, Key={"id": {"S": next(iter(refused))}})

    stop(process)
    process = start()
    client = dynamodb(url)
    assert keys_of(client) == set(acknowledged)

    filler.unlink()
    assert put(client, "after") is None
    assert health(url)["state"]["read_only"] is False
    stop(process)
    start()
    assert keys_of(dynamodb(url)) == {*acknowledged, "after"}
