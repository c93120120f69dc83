"""The console makes itself non-dumpable, so the user's other processes cannot read its environ."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")

# Prints whether the process is dumpable (PR_GET_DUMPABLE), after `forbid_inspection()` if asked.
REPORT_DUMPABLE = """
import ctypes, ctypes.util, sys
from webapp.process_hardening import forbid_inspection
if sys.argv[1] == "harden":
    print(forbid_inspection())
PR_GET_DUMPABLE = 3
print(ctypes.CDLL(ctypes.util.find_library("c")).prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
"""


def dumpable_report(mode: str) -> list[str]:
    """What REPORT_DUMPABLE prints in a fresh interpreter (the test process stays as it is)."""
    finished = subprocess.run([sys.executable, "-c", REPORT_DUMPABLE, mode], cwd=REPO_ROOT,
                              capture_output=True, text=True, check=True)
    return finished.stdout.split()


def test_a_process_is_dumpable_until_it_forbids_inspection() -> None:
    assert dumpable_report("as-is") == ["1"]
    assert dumpable_report("harden") == ["True", "0"]
