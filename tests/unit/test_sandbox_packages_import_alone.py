"""Each of the sandbox's service packages imports on its own, in a fresh interpreter.

The packages call each other (Lambda writes its logs through logs.delivery, a Logs subscription
invokes Lambda), so an import at load time in both directions works only in one order. The
server happens to import them in a working order; a test or tool importing one package first
must not meet a half-initialised module.
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(path.parent.name for path in (ROOT / "webapp" / "sandbox").glob("*/__init__.py"))


def test_the_packages_are_found() -> None:
    assert {"apigateway", "awslambda", "dynamodb", "iam", "logs"} <= set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_first(package: str) -> None:
    result = subprocess.run([sys.executable, "-c", f"import webapp.sandbox.{package}"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
