"""The console process as `make run` starts it: one sandbox, a login URL, a clean stop."""
from __future__ import annotations

import http.cookiejar
import http.server
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import boto3

from tests.helpers import SERVER_POLL_SECONDS, free_port
from tests.running_console import (REPO_ROOT, RunningConsole, console_environment,
                                   running_console, stop)

REGION = "ap-northeast-2"


def sandbox_processes(port: str) -> list[int]:
    """Pids of sandbox processes listening on `port`, from /proc."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"webapp.sandbox" in arguments and port.encode() in arguments:
            found.append(int(cmdline.parent.name))
    return found


def port_is_closed(port: str, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", int(port))) != 0:
                return True
        time.sleep(0.1)
    return False


def test_console_starts_the_sandbox_and_prints_a_working_login_url(tmp_path: Path) -> None:
    with running_console(tmp_path / "console.log") as console:
        sandbox_port = console.sandbox_url.rsplit(":", 1)[1]
        sts = boto3.client("sts", endpoint_url=console.sandbox_url, region_name=REGION,
                           aws_access_key_id="any", aws_secret_access_key="any")
        assert sts.get_caller_identity()["Account"] == "123456789012"
        assert console.output().count("Serverless Console: open") == 1
        assert "sandbox state is in memory only (SANDBOX_PERSIST=0)" in console.output()
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(console.login_url()) as reply:
            assert reply.url == f"{console.base_url}/"
            assert "123456789012" in reply.read().decode()
        assert len(sandbox_processes(sandbox_port)) == 1
        stop(console.process)
        assert port_is_closed(sandbox_port), "the sandbox outlived the console"


def test_a_console_killed_hard_leaves_no_sandbox_behind(tmp_path: Path) -> None:
    with running_console(tmp_path / "console.log", CONSOLE_PASSWORD="pw") as console:
        sandbox_port = console.sandbox_url.rsplit(":", 1)[1]
        console.process.send_signal(signal.SIGKILL)
        console.process.wait()
        assert port_is_closed(sandbox_port)


def test_reloader_starts_one_sandbox(tmp_path: Path) -> None:
    with running_console(tmp_path / "console.log", CONSOLE_PASSWORD="pw",
                         CONSOLE_DEBUG="1") as console:
        sandbox_port = console.sandbox_url.rsplit(":", 1)[1]
        time.sleep(1)  # give a second sandbox, if the reloader's child started one, time to appear
        assert len(sandbox_processes(sandbox_port)) == 1
        assert console.output().count("Serverless Console: open") == 1


def test_busy_sandbox_port_gives_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy_port = str(holder.getsockname()[1])
        result = subprocess.run(
            [sys.executable, "-m", "webapp"], cwd=REPO_ROOT, capture_output=True, text=True,
            timeout=60, env=console_environment(SANDBOX_PORT=busy_port, CONSOLE_PASSWORD="pw",
                                                FLASK_RUN_PORT=str(free_port())))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert busy_port in lines[0] and "SANDBOX_PORT" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def sandboxes_started_by(console_pid: int) -> list[int]:
    """Pids of sandbox processes a console started: each has `--parent-pid <its pid>`."""
    return sandbox_processes(str(console_pid))


def signed_in_dashboard(console: RunningConsole) -> str:
    """The dashboard as a browser sees it after following the console's login URL."""
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(console.login_url()) as reply:
        return reply.read().decode()


def test_a_second_console_on_the_same_port_uses_the_sandbox_there(tmp_path: Path) -> None:
    with running_console(tmp_path / "first.log") as first:
        sandbox_port = first.sandbox_url.rsplit(":", 1)[1]
        [sandbox] = sandbox_processes(sandbox_port)
        with running_console(tmp_path / "second.log", SANDBOX_PORT=sandbox_port) as second:
            assert second.output().count(
                f"using the sandbox another console started at {first.sandbox_url}") == 1
            assert "123456789012" in signed_in_dashboard(second)
            assert sandboxes_started_by(second.process.pid) == []
            assert "starting it again" not in second.output()
        assert sandbox_processes(sandbox_port) == [sandbox], "the second console stopped it"
        assert "123456789012" in signed_in_dashboard(first)


def test_a_second_console_takes_over_when_the_first_ones_sandbox_goes(tmp_path: Path) -> None:
    with running_console(tmp_path / "first.log") as first:
        sandbox_port = first.sandbox_url.rsplit(":", 1)[1]
        with running_console(tmp_path / "second.log", SANDBOX_PORT=sandbox_port) as second:
            stop(first.process)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if "123456789012" in signed_in_dashboard(second):
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            else:
                raise AssertionError("no recovery: " + second.output()[-2000:])
            assert "stopped answering; starting one here" in second.output()
            assert len(sandboxes_started_by(second.process.pid)) == 1
            stop(second.process)
            assert port_is_closed(sandbox_port), "the sandbox it took over outlived it"


def test_a_port_held_by_another_server_gives_one_line_and_no_sandbox(tmp_path: Path) -> None:
    class NotASandbox(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotASandbox) as server:
        threading.Thread(target=server.serve_forever,
                         kwargs={"poll_interval": SERVER_POLL_SECONDS}, daemon=True).start()
        busy_port = str(server.server_address[1])
        result = subprocess.run(
            [sys.executable, "-m", "webapp"], cwd=REPO_ROOT, capture_output=True, text=True,
            timeout=60, env=console_environment(SANDBOX_PORT=busy_port, CONSOLE_PASSWORD="pw",
                                                FLASK_RUN_PORT=str(free_port())))
        server.shutdown()
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [f"console: port {busy_port} is in use by something that does not answer "
                     "as a sandbox (/_sandbox/health); stop what holds it or set SANDBOX_PORT "
                     "to a free port"], result.stderr
    assert "Serverless Console: open" not in result.stdout


def test_the_consoles_environment_never_reaches_a_function(tmp_path: Path) -> None:
    source = "import os, json\ndef lambda_handler(e, c):\n    return json.dumps(dict(os.environ))\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", source)
    with running_console(tmp_path / "console.log", CONSOLE_PASSWORD="console-secret-pw",
                         MY_DEPLOY_TOKEN="token-that-must-not-leak") as console:
        connection = {"endpoint_url": console.sandbox_url, "region_name": REGION,
                      "aws_access_key_id": "any", "aws_secret_access_key": "any"}
        role = boto3.client("iam", **connection).create_role(
            RoleName="env-probe", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}))["Role"]
        lam = boto3.client("lambda", **connection)
        lam.create_function(FunctionName="env-probe", Runtime="python3.12", Role=role["Arn"],
                            Handler="lambda_function.lambda_handler", Code={"ZipFile": buffer.getvalue()})
        payload = lam.invoke(FunctionName="env-probe")["Payload"].read().decode()
    environment = json.loads(json.loads(payload))
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == "env-probe"
    values = set(environment.values())
    assert "console-secret-pw" not in values and "token-that-must-not-leak" not in values
    assert not any(key.startswith(("CONSOLE_", "FLASK_", "_CONSOLE", "MY_")) for key in environment)


def test_a_sandbox_that_dies_is_started_again_and_the_console_recovers(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_console(tmp_path / "console.log", SANDBOX_PERSIST="1",
                         SANDBOX_DATA_DIR=str(data_dir)) as console:
        sandbox_port = console.sandbox_url.rsplit(":", 1)[1]
        assert f"sandbox state is kept in {data_dir}" in console.output()
        dynamodb = boto3.client("dynamodb", endpoint_url=console.sandbox_url, region_name=REGION,
                                aws_access_key_id="any", aws_secret_access_key="any")
        dynamodb.create_table(TableName="kept", BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(console.login_url()) as reply:
            assert "123456789012" in reply.read().decode()
        [first] = sandbox_processes(sandbox_port)
        os.kill(first, signal.SIGKILL)  # as a crash or the OOM killer would
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            others = [pid for pid in sandbox_processes(sandbox_port) if pid != first]
            if others:
                try:
                    with browser.open(f"{console.base_url}/") as reply:
                        if "123456789012" in reply.read().decode():
                            break
                except OSError:
                    pass
            time.sleep(0.2)
        else:
            raise AssertionError("the console did not recover: " + console.output()[-2000:])
        assert "starting it again" in console.output()
        assert dynamodb.list_tables()["TableNames"] == ["kept"]  # the journal brought it back
        stop(console.process)
        assert port_is_closed(sandbox_port), "the restarted sandbox outlived the console"
