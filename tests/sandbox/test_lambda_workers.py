"""Execution environments: warm reuse, cold starts, concurrency, timeouts, crashes, memory, idle."""
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from webapp.sandbox.awslambda.pool import MAX_IDLE_WORKERS
from webapp.sandbox.lifecycle import process_exists

from .lambda_support import (Invoked, create_role, deploy, function_status, invoke,
                             lambda_client, log_events, messages_of, package, wait_for)
from .processes import REGION, ClientFactory, SandboxLauncher, clean_env, free_port, health

# Handlers name their worker by a random id: under bwrap, os.getpid() is the same in every worker
# (each has a pid namespace of its own); the sandbox's status gives the pid the host sees.
COUNTER = """
    import os
    import time

    WORKER = int.from_bytes(os.urandom(8), "big")
    calls = 0

    def handler(event, context):
        global calls
        calls += 1
        time.sleep(event.get("sleep", 0))
        return {"worker": WORKER, "calls": calls, "version": "VERSION"}
"""
CRASHING = """
    import os
    import time

    WORKER = int.from_bytes(os.urandom(8), "big")

    def handler(event, context):
        if "exit" in event:
            print("about to exit")
            os._exit(event["exit"])
        if "allocate_mb" in event:
            block = bytearray(event["allocate_mb"] * 1024 * 1024)
            return len(block)
        if "sleep" in event:
            print("going to sleep")
            time.sleep(event["sleep"])
        if "segfault" in event:
            import ctypes
            print("about to crash")
            ctypes.string_at(0)
        if "abort" in event:
            os.abort()
        if "spin" in event:
            while True:  # a loop that never waits: only the timeout ends it
                pass
        return WORKER
"""
TIMEOUT_PAYLOAD = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z %s Task timed out after 1\.00 seconds"
SECRET = "canary-7f3d0e1b"


@pytest.fixture(scope="module")
def client(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


@pytest.fixture(scope="module")
def role_arn(aws_client: ClientFactory) -> str:
    return create_role(aws_client("iam"))


def counter(version: str) -> str:
    return COUNTER.replace("VERSION", version)


def worker_pid(sandbox_url: str, name: str) -> int:
    """The process id of the function's one warm worker."""
    [pid] = function_status(sandbox_url, name)["WarmWorkers"]
    return pid


def in_parallel(calls: list[Callable[[], Invoked]]) -> list[Invoked]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_first_call_is_cold_then_warm_until_the_code_or_configuration_changes(
        client: Any, role_arn: str, sandbox_url: str) -> None:
    function = deploy(client, role_arn, counter("v1"))
    first = invoke(client, function.name, {}, LogType="Tail")
    first_pid = worker_pid(sandbox_url, function.name)
    second = invoke(client, function.name, {}, LogType="Tail")
    assert second.payload["worker"] == first.payload["worker"]
    assert (first.payload["calls"], second.payload["calls"]) == (1, 2)
    assert "Init Duration: " in first.log and "Init Duration: " not in second.log

    client.update_function_code(FunctionName=function.name,
                                ZipFile=package({"app.py": counter("v2")}))
    updated = invoke(client, function.name, {}, LogType="Tail")
    assert updated.payload["version"] == "v2"
    assert updated.payload["worker"] != first.payload["worker"]
    assert updated.payload["calls"] == 1 and "Init Duration: " in updated.log
    # The old version's worker is stopped.
    wait_for(lambda: not process_exists(first_pid), seconds=5)

    client.update_function_configuration(FunctionName=function.name,
                                         Environment={"Variables": {"MODE": "new"}})
    reconfigured = invoke(client, function.name, {})
    assert reconfigured.payload["worker"] != updated.payload["worker"]
    assert reconfigured.payload["calls"] == 1


def test_invocations_run_concurrently_up_to_reserved_concurrency(
        client: Any, role_arn: str, sandbox_url: str) -> None:
    function = deploy(client, role_arn, counter("v1"))
    client.put_function_concurrency(FunctionName=function.name, ReservedConcurrentExecutions=2)
    started = time.monotonic()
    slow = [lambda: invoke(client, function.name, {"sleep": 1.0})] * 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        running = [pool.submit(call) for call in slow]
        wait_for(lambda: function_status(sandbox_url, function.name)["InFlight"] == 2)
        with pytest.raises(client.exceptions.TooManyRequestsException) as throttled:
            client.invoke(FunctionName=function.name)
        results = [future.result() for future in running]
    assert time.monotonic() - started < 1.9  # the two ran side by side
    assert len({result.payload["worker"] for result in results}) == 2
    error = throttled.value.response
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    # Both workers are warm now and serve the next pair.
    again = in_parallel([lambda: invoke(client, function.name, {"sleep": 0.3})] * 2)
    assert {result.payload["worker"] for result in again} == {
        result.payload["worker"] for result in results}


def test_timeout_stops_the_worker_and_answers_awss_timeout_error(
        client: Any, role_arn: str, aws_client: ClientFactory, sandbox_url: str) -> None:
    sleeper = deploy(client, role_arn, CRASHING, Timeout=1)
    other = deploy(client, role_arn, CRASHING)
    worker = invoke(client, sleeper.name, {}).payload
    pid = worker_pid(sandbox_url, sleeper.name)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(invoke, client, sleeper.name, {"sleep": 5})
        # Meanwhile another function answers at once.
        assert isinstance(invoke(client, other.name, {}).payload, int)
        timed_out = pending.result()
    assert 1.0 <= time.monotonic() - started < 2.5
    assert timed_out.status == 200
    assert timed_out.function_error == "Unhandled"
    assert set(timed_out.payload) == {"errorMessage"}
    assert re.fullmatch(TIMEOUT_PAYLOAD % timed_out.request_id, timed_out.payload["errorMessage"])
    wait_for(lambda: not process_exists(pid), seconds=5)
    lines = messages_of(aws_client("logs"), sleeper.name, timed_out.request_id)
    assert "going to sleep\n" in lines
    assert re.fullmatch(r"REPORT RequestId: \S+\tDuration: 10\d\d\.\d\d ms\t.*\n", lines[-1])
    assert invoke(client, sleeper.name, {}).payload != worker  # a new worker takes over


def test_worker_that_exits_ends_only_its_invocation(client: Any, role_arn: str,
                                                    aws_client: ClientFactory,
                                                    sandbox_url: str) -> None:
    function = deploy(client, role_arn, CRASHING)
    invoke(client, function.name, {})
    pid = worker_pid(sandbox_url, function.name)
    crashed = invoke(client, function.name, {"exit": 3})
    assert crashed.function_error == "Unhandled"
    assert crashed.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {crashed.request_id} Error: Runtime exited with error: "
                        "exit status 3"}
    lines = messages_of(aws_client("logs"), function.name, crashed.request_id)
    assert "about to exit\n" in lines
    wait_for(lambda: not process_exists(pid), seconds=5)
    assert isinstance(invoke(client, function.name, {}).payload, int)


def test_a_handler_stuck_in_a_busy_loop_is_stopped_at_its_timeout_and_replaced(
        client: Any, role_arn: str, sandbox_url: str) -> None:
    spinner = deploy(client, role_arn, CRASHING, Timeout=1)
    other = deploy(client, role_arn, CRASHING)
    worker = invoke(client, spinner.name, {}).payload
    pid = worker_pid(sandbox_url, spinner.name)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(invoke, client, spinner.name, {"spin": True})
        # Meanwhile another function answers.
        assert isinstance(invoke(client, other.name, {}).payload, int)
        stuck = pending.result()
    assert stuck.function_error == "Unhandled"
    assert re.fullmatch(TIMEOUT_PAYLOAD % stuck.request_id, stuck.payload["errorMessage"])
    wait_for(lambda: not process_exists(pid), seconds=5)
    assert invoke(client, spinner.name, {}).payload != worker  # a new worker takes over
    assert isinstance(invoke(client, other.name, {}).payload, int)


@pytest.mark.parametrize(("event", "reason"), [({"segfault": True}, "signal: segmentation fault"),
                                               ({"abort": True}, "signal: aborted")])
def test_a_crashing_interpreter_ends_only_its_invocation(client: Any, role_arn: str,
                                                         aws_client: ClientFactory,
                                                         sandbox_url: str,
                                                         event: dict, reason: str) -> None:
    function = deploy(client, role_arn, CRASHING)
    other = deploy(client, role_arn, CRASHING)
    worker = invoke(client, function.name, {}).payload
    pid = worker_pid(sandbox_url, function.name)
    crashed = invoke(client, function.name, event)
    assert crashed.function_error == "Unhandled"
    assert crashed.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {crashed.request_id} Error: Runtime exited with error: {reason}"}
    messages = [event["message"] for event in log_events(aws_client("logs"), function.name)]
    assert f"RequestId: {crashed.request_id} Error: Runtime exited with error: {reason}\n" \
        "Runtime.ExitError\n" in messages  # after REPORT, as AWS writes it
    wait_for(lambda: not process_exists(pid), seconds=5)
    # The next call of the same function gets a fresh worker; another function never noticed.
    assert invoke(client, function.name, {}).payload not in (worker, None)
    assert isinstance(invoke(client, other.name, {}).payload, int)


def test_exceeding_memory_size_ends_the_invocation_like_an_oom_kill(client: Any,
                                                                      role_arn: str,
                                                                      sandbox_url: str) -> None:
    function = deploy(client, role_arn, CRASHING, MemorySize=128)
    assert invoke(client, function.name, {"allocate_mb": 32}).payload == 32 * 1024 * 1024
    pid = worker_pid(sandbox_url, function.name)
    for allocate_mb in (200, 4096):  # over MemorySize; over the address-space cap
        killed = invoke(client, function.name, {"allocate_mb": allocate_mb}, LogType="Tail")
        assert killed.function_error == "Unhandled"
        assert killed.payload["errorType"] == "Runtime.ExitError"
        assert killed.payload["errorMessage"].endswith("Runtime exited with error: signal: killed")
        assert "Memory Size: 128 MB\tMax Memory Used: " in killed.log
    wait_for(lambda: not process_exists(pid), seconds=5)
    assert invoke(client, function.name, {"allocate_mb": 1}).payload == 1024 * 1024


def test_idle_workers_stop_and_the_sandbox_stops_its_workers(
        launch_sandbox: SandboxLauncher) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sandbox = launch_sandbox("--port", str(port), "--lambda-idle-seconds", "1",
                             env=clean_env(SANDBOX_CANARY=SECRET, CONSOLE_PASSWORD=SECRET))
    wait_for(lambda: health(url) is not None, seconds=30)
    iam = boto3.client("iam", endpoint_url=url, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    client = lambda_client(url)
    function = deploy(client, create_role(iam), """
        import os

        def handler(event, context):
            return {"environ": dict(os.environ)}
    """)
    first = invoke(client, function.name, {}).payload
    first_pid = worker_pid(url, function.name)
    # Nothing of the sandbox's own environment reaches the function.
    assert SECRET not in json.dumps(first["environ"])
    wait_for(lambda: not process_exists(first_pid), seconds=5)
    invoke(client, function.name, {})
    second_pid = worker_pid(url, function.name)
    assert second_pid != first_pid
    sandbox.terminate()
    sandbox.wait(timeout=10)
    wait_for(lambda: not process_exists(second_pid), seconds=5)


def test_broken_code_answers_its_init_error_every_time_without_hanging(client: Any,
                                                                       role_arn: str) -> None:
    broken = deploy(client, role_arn, """
    def handler(event, context)
        return 1
""")
    failing_init = deploy(client, role_arn, """
    raise RuntimeError("config missing")
""")
    healthy = deploy(client, role_arn, CRASHING)
    for _ in range(3):  # each call answers; nothing retries the init forever
        syntax = invoke(client, broken.name, {})
        assert syntax.function_error == "Unhandled"
        assert syntax.payload["errorType"] == "Runtime.UserCodeSyntaxError"
        raised = invoke(client, failing_init.name, {})
        assert (raised.payload["errorType"], raised.payload["errorMessage"]) == (
            "RuntimeError", "config missing")
    assert isinstance(invoke(client, healthy.name, {}).payload, int)


@pytest.mark.parametrize("named_by", ["name", "arn"])
def test_a_deleted_functions_workers_stop_at_once(client: Any, role_arn: str, sandbox_url: str,
                                                  named_by: str) -> None:
    function = deploy(client, role_arn, counter("v1"))
    invoke(client, function.name, {})
    pid = worker_pid(sandbox_url, function.name)
    assert not process_ended(pid)
    client.delete_function(FunctionName=function.name if named_by == "name" else function.arn)
    # The idle timeout is minutes: only the deletion can stop it this soon.
    wait_for(lambda: process_ended(pid))


def test_past_the_warm_limit_the_worker_idle_longest_stops(client: Any, role_arn: str,
                                                           sandbox_url: str) -> None:
    functions = [deploy(client, role_arn, counter("v1")) for _ in range(MAX_IDLE_WORKERS + 1)]
    pids = {}
    for function in functions:
        invoke(client, function.name, {})
        pids[function.name] = worker_pid(sandbox_url, function.name)
    oldest, *recent = functions
    wait_for(lambda: process_ended(pids[oldest.name]))
    assert function_status(sandbox_url, oldest.name)["WarmWorkers"] == []
    assert [worker_pid(sandbox_url, function.name) for function in recent] == [
        pids[function.name] for function in recent]
    # Its next call starts a worker again (a cold start), which puts out the next oldest.
    assert invoke(client, oldest.name, {}).payload["calls"] == 1
    wait_for(lambda: process_ended(pids[recent[0].name]))
    assert worker_pid(sandbox_url, recent[-1].name) == pids[recent[-1].name]


def process_ended(pid: int) -> bool:
    try:
        return "(zombie)" in Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):  # gone before, or while, it was read
        return True
