r"""A Python handler's unhandled error names its code at /var/task, as on AWS, whether or not the
sandbox runs handlers in bubblewrap.

AWS documents the answer in "AWS Lambda function errors in Python"
(https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html): Invoke answers 200 with
X-Amz-Function-Error "Unhandled" (FunctionError in the SDKs) and the error document
  {"errorMessage": "name 'x' is not defined", "errorType": "NameError", "requestId": "…",
   "stackTrace": ["  File \"/var/task/lambda_function.py\", line 2, in lambda_handler\n
                  return x + 10\n"]}
listing the handler's own frames only (not the runtime's), and the function's log gets the same
error as "[ERROR] NameError: name 'x' is not defined" followed by "Traceback (most recent call
last):" and those frames. /var/task is where the function's code lives: LAMBDA_TASK_ROOT, "The
path to your Lambda function code", /var/task in "Defined runtime environment variables"
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).

Without bubblewrap the code runs from a scratch folder of the sandbox, which a trace must not
name (it is a path on the user's machine); LAMBDA_TASK_ROOT names that folder there, the one
place the code can be read from. Cases needing bwrap skip without it unless REQUIRE_BWRAP=1.
"""
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox.lambda_support import (create_role, invoke, lambda_client, messages_of,
                                          package, unique, wait_for)
from tests.sandbox.processes import health
from tests.sandbox.test_lambda_isolation import Launched, launched, require_bwrap

TASK_ROOT = "/var/task"
# The sandbox's scratch folders, which no trace may name (filesystem.py's SCRATCH_PREFIX).
SCRATCH_PREFIX = "sandbox-lambda-"
RAISES = """\
    def lambda_handler(event, context):
        raise ValueError("no such order: " + event["id"])
"""
CALLS_A_MODULE = """\
    from orders import lookup


    def lambda_handler(event, context):
        return lookup.find(event["id"])
"""
LOOKUP = """\
    ORDERS = {}


    def find(order_id):
        return ORDERS[order_id]
"""
IMPORTS_A_FAILING_MODULE = """\
    import settings


    def lambda_handler(event, context):
        return settings.REGION
"""
FAILS_AT_IMPORT = """\
    DEFAULTS = {}

    REGION = DEFAULTS["region"]
"""
UNCLOSED = """\
    def lambda_handler(event, context):
        return (
"""
# What the handler itself sees of its files and its own tracebacks.
INSPECTS = """\
    import os
    import traceback


    def lambda_handler(event, context):
        try:
            raise RuntimeError("caught")
        except RuntimeError:
            caught = traceback.format_exc()
        return {"task_root": os.environ["LAMBDA_TASK_ROOT"], "file": __file__,
                "caught": caught, "cwd": os.getcwd(),
                "listed": sorted(os.listdir(os.environ["LAMBDA_TASK_ROOT"]))}
"""
RAISES_TRACE = ['  File "/var/task/lambda_function.py", line 2, in lambda_handler\n'
                '    raise ValueError("no such order: " + event["id"])\n']
NESTED_TRACE = ['  File "/var/task/lambda_function.py", line 5, in lambda_handler\n'
                '    return lookup.find(event["id"])\n',
                '  File "/var/task/orders/lookup.py", line 5, in find\n'
                '    return ORDERS[order_id]\n']


@pytest.fixture(scope="module", params=["unisolated", "isolated"])
def sandbox(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launched]:
    """A sandbox running handlers without bubblewrap, then one running them in it."""
    settings = {"SANDBOX_ISOLATION": "0"} if request.param == "unisolated" else {}
    if request.param == "isolated":
        require_bwrap()
    with launched(tmp_path_factory.mktemp(request.param) / "data", **settings) as sandbox:
        yield sandbox


def create(sandbox: Launched, files: dict[str, str]) -> str:
    """A python3.12 function of `files`, handler lambda_function.lambda_handler."""
    name = unique("traces")
    lambda_client(sandbox.url).create_function(
        FunctionName=name, Runtime="python3.12", Role=create_role(sandbox.client("iam")),
        Handler="lambda_function.lambda_handler", Code={"ZipFile": package(files)})
    return name


def nbsp_indented(line: str) -> str:
    """A trace line as the Python runtime logs it, indented with no-break spaces (U+00A0)."""
    text = line.lstrip(" ")
    return "\u00a0" * (len(line) - len(text)) + text


def error_event(sandbox: Launched, name: str, request_id: str) -> str:
    """The invocation's "[ERROR] …" log event, once it is in the function's log."""
    logs = sandbox.client("logs")
    return wait_for(lambda: next((message for message in messages_of(logs, name, request_id)
                                  if message.startswith("[ERROR]")), None))


def test_an_unhandled_error_names_the_handler_at_var_task(sandbox: Launched) -> None:
    """The document's stackTrace: '  File "/var/task/lambda_function.py", line 2, in
    lambda_handler\\n    return x + 10\\n', the handler's frame only; X-Amz-Function-Error:
    Unhandled, status 200."""
    name = create(sandbox, {"lambda_function.py": RAISES})

    answer = invoke(lambda_client(sandbox.url), name, {"id": "o-1"})

    assert answer.status == 200
    assert answer.headers["x-amz-function-error"] == "Unhandled"
    assert answer.payload == {"errorMessage": "no such order: o-1", "errorType": "ValueError",
                              "requestId": answer.request_id, "stackTrace": RAISES_TRACE}


def test_each_frame_of_a_nested_module_names_var_task(sandbox: Launched) -> None:
    """One stackTrace entry per frame, each '  File "/var/task/<path>", line N, in <name>\\n
    <source line>\\n', a package's module by its path under /var/task."""
    name = create(sandbox, {"lambda_function.py": CALLS_A_MODULE, "orders/__init__.py": "",
                            "orders/lookup.py": LOOKUP})

    answer = invoke(lambda_client(sandbox.url), name, {"id": "o-2"})

    assert answer.function_error == "Unhandled"
    assert answer.payload["errorType"] == "KeyError"
    assert answer.payload["stackTrace"] == NESTED_TRACE


def test_an_error_at_import_ends_in_the_modules_frames_at_var_task(sandbox: Launched) -> None:
    """The init phase's error (posted to the Runtime API's /runtime/init/error, returned by
    Invoke with X-Amz-Function-Error Unhandled) carries the same error document; its stackTrace
    ends in the function's modules, each at /var/task."""
    name = create(sandbox, {"lambda_function.py": IMPORTS_A_FAILING_MODULE,
                            "settings.py": FAILS_AT_IMPORT})

    answer = invoke(lambda_client(sandbox.url), name, {})

    assert answer.function_error == "Unhandled"
    assert answer.payload["errorType"] == "KeyError"
    assert answer.payload["stackTrace"][-2:] == [
        '  File "/var/task/lambda_function.py", line 1, in <module>\n    import settings\n',
        '  File "/var/task/settings.py", line 3, in <module>\n'
        '    REGION = DEFAULTS["region"]\n']
    assert SCRATCH_PREFIX not in str(answer.payload)


def test_a_syntax_error_names_the_file_at_var_task(sandbox: Launched) -> None:
    """The Python runtime's Runtime.UserCodeSyntaxError, "Syntax error in module '<module>':
    <error> (<file name>, line N)", its one stackTrace entry naming the file at /var/task."""
    name = create(sandbox, {"lambda_function.py": UNCLOSED})

    answer = invoke(lambda_client(sandbox.url), name, {})

    assert answer.function_error == "Unhandled"
    assert answer.payload["errorType"] == "Runtime.UserCodeSyntaxError"
    assert answer.payload["errorMessage"] == ("Syntax error in module 'lambda_function': '(' was "
                                              "never closed (lambda_function.py, line 2)")
    assert answer.payload["stackTrace"] == [
        '  File "/var/task/lambda_function.py" Line 2\n        return (\n']


def test_the_log_names_the_same_frames_at_var_task(sandbox: Launched) -> None:
    """The log's error event: "[ERROR] <type>: <message>", "Traceback (most recent call last):",
    then the stackTrace's lines (the runtime indents them with no-break spaces, so CloudWatch
    keeps the indentation)."""
    name = create(sandbox, {"lambda_function.py": CALLS_A_MODULE, "orders/__init__.py": "",
                            "orders/lookup.py": LOOKUP})

    answer = invoke(lambda_client(sandbox.url), name, {"id": "o-3"}, LogType="Tail")

    expected = ["[ERROR] KeyError: 'o-3'", "Traceback (most recent call last):",
                *map(nbsp_indented, "".join(NESTED_TRACE).splitlines())]
    assert error_event(sandbox, name, answer.request_id).splitlines() == expected
    assert f"File \"{TASK_ROOT}/orders/lookup.py\", line 5" in answer.log


def test_the_handlers_own_traces_name_var_task_and_its_files_stay_readable(
        sandbox: Launched) -> None:
    """A trace the handler formats itself names /var/task too; its files are read where
    LAMBDA_TASK_ROOT says: /var/task on AWS and in bubblewrap, the sandbox's folder without."""
    name = create(sandbox, {"lambda_function.py": INSPECTS, "data.json": "{}"})

    seen = invoke(lambda_client(sandbox.url), name, {}).payload

    assert f'File "{TASK_ROOT}/lambda_function.py", line 7, in lambda_handler' in seen["caught"]
    assert {"data.json", "lambda_function.py"} <= set(seen["listed"])
    assert Path(seen["file"]) == Path(seen["task_root"]) / "lambda_function.py"
    assert seen["cwd"] == seen["task_root"]
    assert (seen["task_root"] == TASK_ROOT) == isolated(sandbox)


def isolated(sandbox: Launched) -> bool:
    """Whether the sandbox runs handlers in bubblewrap."""
    answer = health(sandbox.url)
    assert answer is not None
    return bool(answer["isolation"]["bwrap"])
