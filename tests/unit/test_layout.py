"""Import directions: views → aws → boto3, sandbox → moto, and never the other way."""
from __future__ import annotations

import re
import subprocess
import sys

from webapp.config import PROJECT_ROOT

BOTO_IMPORT = re.compile(r"^\s*(import|from)\s+(boto3|botocore)\b", re.M)
FLASK_IMPORT = re.compile(r"^\s*(import|from)\s+flask", re.M)
CONSOLE_IMPORT = re.compile(r"^\s*from\s+(webapp\.(views|aws|app|config)|\.\.(views|aws|app|config))\b", re.M)


def sources(folder: str) -> dict[str, str]:
    return {str(path.relative_to(PROJECT_ROOT)): path.read_text()
            for path in (PROJECT_ROOT / folder).rglob("*.py")}


def test_only_the_service_layer_and_the_sandbox_import_boto3() -> None:
    offenders = [path for path, text in sources("webapp").items()
                 if BOTO_IMPORT.search(text) and not path.startswith(("webapp/aws/", "webapp/sandbox/"))]
    assert offenders == []


def test_the_service_layer_never_imports_flask() -> None:
    assert [path for path, text in sources("webapp/aws").items() if FLASK_IMPORT.search(text)] == []


def test_the_sandbox_never_imports_the_console() -> None:
    assert [path for path, text in sources("webapp/sandbox").items() if CONSOLE_IMPORT.search(text)] == []


def test_starting_the_sandbox_loads_none_of_the_console() -> None:
    probe = ("import sys, webapp.sandbox.server, webapp.sandbox.__main__; "
             "print(sorted(m for m in sys.modules if m.startswith('webapp.') "
             "and not m.startswith('webapp.sandbox')))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=True, timeout=60).stdout.strip()
    assert loaded == "[]"
