"""Import directions: views → aws → boto3, sandbox → moto, and never the other way.

What both sides share is pure rules of AWS: webapp.iam_grammar (IAM's policy grammar) and
webapp.lambda_environment (Lambda's rules for environment variables) and webapp.lambda_runtimes
(the Node.js runtimes both offer and run). Both sides import them;
they import neither.
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
SHARED = ("webapp.iam_grammar", "webapp.lambda_environment", "webapp.lambda_runtimes")


def shared(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in SHARED)

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


def test_the_stack_map_imports_neither_flask_nor_boto3() -> None:
    """It composes webapp.aws functions into a picture: no requests, no AWS calls of its own."""
    found = sources("webapp/stack_map")
    assert found, "webapp/stack_map has no modules"
    assert [path for path, text in found.items()
            if FLASK_IMPORT.search(text) or BOTO_IMPORT.search(text)] == []


def test_the_service_layer_never_imports_flask() -> None:
    assert [path for path, text in sources("webapp/aws").items() if FLASK_IMPORT.search(text)] == []


def test_the_sandbox_never_imports_the_console() -> None:
    assert [path for path, text in sources("webapp/sandbox").items() if CONSOLE_IMPORT.search(text)] == []


def test_the_sandbox_imports_of_webapp_only_itself_and_the_shared_rules() -> None:
    outside = {(path, module) for path, text in sources("webapp/sandbox").items()
               for module in WEBAPP_IMPORT.findall(text)
               if not (module == "webapp.sandbox" or module.startswith("webapp.sandbox.")
                       or shared(module))}
    assert outside == set()


def shared_sources() -> dict[str, str]:
    found = sources("webapp/iam_grammar")
    assert found, "webapp/iam_grammar has no modules"
    modules = [PROJECT_ROOT / "webapp" / name for name in ("lambda_environment.py",
                                                           "lambda_runtimes.py")]
    return found | {str(module.relative_to(PROJECT_ROOT)): module.read_text() for module in modules}


def test_the_shared_rules_import_neither_the_console_nor_the_sandbox() -> None:
    rules = shared_sources()
    assert [path for path, text in rules.items() if CONSOLE_OR_SDK_IMPORT.search(text)] == []
    assert {module for text in rules.values() for module in WEBAPP_IMPORT.findall(text)
            if not shared(module)} == set()


def test_starting_the_sandbox_loads_none_of_the_console() -> None:
    probe = ("import sys, webapp.sandbox.server, webapp.sandbox.__main__; "
             "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('webapp.') "
             "and not m.startswith('webapp.sandbox'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=True, timeout=60).stdout.split()
    assert set(SHARED) <= set(loaded)  # authorisation reads policies, CreateFunction checks variables
    assert [module for module in loaded if not shared(module)] == []


# A boto3 client asked for by name: `client("iam")`, `clients.client(...)`, or the accessor imported.
CLIENT_CALL = re.compile(r"(?<![\w.])(?:clients\.)?client\(")
CLIENT_IMPORT = re.compile(r"^\s*from\s+webapp\.aws\.clients\s+import\s+[^\n]*\bclient\b", re.M)


def test_only_the_service_layer_asks_aws() -> None:
    """The wizard, the views and the stack map compose functions of webapp.aws; none asks boto3
    itself (they may say which clients and region serve a request, or count the calls made,
    never make a call with them)."""
    offenders = [path for folder in ("webapp/wizard", "webapp/views", "webapp/stack_map")
                 for path, text in sources(folder).items()
                 if CLIENT_CALL.search(text) or CLIENT_IMPORT.search(text)]
    assert offenders == []
