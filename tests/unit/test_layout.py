"""Import directions: views → aws → boto3, sandbox → moto, and never the other way.

webapp.iam_grammar, IAM's policy grammar, is shared: both sides import it, it imports neither.
"""
from __future__ import annotations

import re
import subprocess
import sys

from webapp.config import PROJECT_ROOT

BOTO_IMPORT = re.compile(r"^\s*(import|from)\s+(boto3|botocore)\b", re.M)
FLASK_IMPORT = re.compile(r"^\s*(import|from)\s+flask", re.M)
CONSOLE_IMPORT = re.compile(r"^\s*from\s+(webapp\.(views|aws|app|config)|\.\.(views|aws|app|config))\b", re.M)
# Anything of webapp outside the sandbox and the shared grammar, imported either way.
WEBAPP_IMPORT = re.compile(r"^\s*(?:from|import)\s+(webapp(?:\.\w+)*)", re.M)
SHARED_GRAMMAR = "webapp.iam_grammar"
CONSOLE_OR_SDK_IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(webapp\.(?:views|aws|app|config|sandbox|wizard)|flask|boto3|botocore)\b",
    re.M)


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


def test_the_sandbox_imports_of_webapp_only_itself_and_the_iam_grammar() -> None:
    outside = {(path, module) for path, text in sources("webapp/sandbox").items()
               for module in WEBAPP_IMPORT.findall(text)
               if not any(module == inside or module.startswith(inside + ".")
                          for inside in ("webapp.sandbox", SHARED_GRAMMAR))}
    assert outside == set()


def test_the_iam_grammar_imports_neither_the_console_nor_the_sandbox() -> None:
    grammar = sources("webapp/iam_grammar")
    assert grammar, "webapp/iam_grammar has no modules"
    assert [path for path, text in grammar.items() if CONSOLE_OR_SDK_IMPORT.search(text)] == []
    assert {module for text in grammar.values() for module in WEBAPP_IMPORT.findall(text)
            if not module.startswith(SHARED_GRAMMAR)} == set()


def test_starting_the_sandbox_loads_none_of_the_console() -> None:
    probe = ("import sys, webapp.sandbox.server, webapp.sandbox.__main__; "
             "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('webapp.') "
             "and not m.startswith('webapp.sandbox'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=True, timeout=60).stdout.split()
    assert SHARED_GRAMMAR in loaded  # the sandbox's authorisation reads policies with it
    assert [module for module in loaded
            if module != SHARED_GRAMMAR and not module.startswith(SHARED_GRAMMAR + ".")] == []
