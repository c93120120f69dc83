"""`make test` keeps each test file whole on one worker: a file's module-scoped sandbox, console
or browser is started once, and a file's tests may build on what its earlier tests left."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections import defaultdict

from webapp.config import PROJECT_ROOT

# Two quick files of many tests each: dealt out test by test, both would land on both workers.
FILES = ("tests/unit/test_iam_grammar.py", "tests/unit/test_lambda_environment.py")
RAN_ON = re.compile(r"^\[(gw\d+)\] .*?PASSED (tests/\S+?)::", re.M)


def make_test_command() -> list[str]:
    """The pytest command line `make test` runs, as make prints it without running it."""
    printed = subprocess.run(["make", "--no-print-directory", "-n", "test"], cwd=PROJECT_ROOT,
                             capture_output=True, text=True, check=True, timeout=60).stdout
    line = next(line for line in printed.splitlines() if " -m pytest " in line)
    return [sys.executable, *shlex.split(line)[1:]]


def test_make_test_runs_each_file_on_one_worker() -> None:
    command = make_test_command()
    assert "-n" in command
    ran = subprocess.run([*command, "-v", "-p", "no:cacheprovider", *FILES], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    workers: dict[str, set[str]] = defaultdict(set)
    for worker, path in RAN_ON.findall(ran.stdout):
        workers[path].add(worker)
    assert set(workers) == set(FILES), ran.stdout
    assert all(len(used) == 1 for used in workers.values()), dict(workers)
