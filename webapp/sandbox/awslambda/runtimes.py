"""Which Lambda runtimes the sandbox runs, and on which interpreter it really runs them.

Every python3.x function runs on the sandbox's own interpreter (sys.executable), whatever minor
version it asks for: the sandbox ships one Python, not AWS's images. The console shows both, e.g.
"python3.9 requested, runs on Python 3.11.7", so a version mismatch is never a surprise.
"""
import platform
import re
import sys

# AWS's Python runtime identifiers: "python3.12", "python3.9", ...
PYTHON_RUNTIME = re.compile(r"python3\.\d+")
SUPPORTED_RUNTIMES_TEXT = "python3.x (python3.8 … python3.14)"


def is_supported(runtime: str | None) -> bool:
    """Whether functions of this runtime can run here."""
    return runtime is not None and PYTHON_RUNTIME.fullmatch(runtime) is not None


def effective_runtime(runtime: str | None) -> str | None:
    """The interpreter that really runs a function of `runtime` ("Python 3.11.7"), or None."""
    if not is_supported(runtime):
        return None
    return f"Python {platform.python_version()}"


def interpreter() -> str:
    """The executable workers run on."""
    return sys.executable


def unsupported_message(runtime: str | None) -> str:
    """Why a function of `runtime` cannot be invoked here, and what would work."""
    requested = runtime or "(none: a container image function)"
    return (f"The sandbox cannot run runtime {requested}: it runs only Python functions, "
            f"runtimes {SUPPORTED_RUNTIMES_TEXT}, on Python {platform.python_version()}. "
            "Change the function's runtime to a python3.x one, or invoke it on AWS.")
