"""Which Lambda runtimes the sandbox runs, and on which interpreter it really runs them.

Every python3.x function runs on the sandbox's own interpreter (sys.executable), whatever minor
version it asks for: the sandbox ships one Python, not AWS's images. Every nodejs18.x, 20.x and
22.x function runs likewise on the machine's one `node` (the package manager's nodejs), found on
the sandbox's PATH; without it Node functions cannot run, and saying how to install it is the
answer to their invoke. The console shows both, e.g. "python3.9 requested, runs on Python
3.11.7" or "nodejs22.x requested, runs on Node.js v20.20.2", so a version mismatch is never a
surprise.
"""
import functools
import platform
import re
import shutil
import subprocess
import sys

from webapp.lambda_runtimes import NODE_RUNTIMES

# AWS's Python runtime identifiers: "python3.12", "python3.9", ...
PYTHON_RUNTIME = re.compile(r"python3\.\d+")
SUPPORTED_RUNTIMES_TEXT = f"python3.x (python3.8 … python3.14), {', '.join(NODE_RUNTIMES)}"
NODE = "node"
NODE_INSTALL_HINT = "install Node.js (apt-get install nodejs) and restart the sandbox"
VERSION_SECONDS = 10.0


def is_python(runtime: str | None) -> bool:
    """Whether `runtime` is one of AWS's python3.x runtimes."""
    return runtime is not None and PYTHON_RUNTIME.fullmatch(runtime) is not None


def is_node(runtime: str | None) -> bool:
    """Whether `runtime` is one of the Node.js runtimes the sandbox knows (AWS's that ship the
    SDK for JavaScript v3, as the sandbox provides it)."""
    return runtime in NODE_RUNTIMES


def node_major(runtime: str) -> str:
    """The Node.js major version a nodejsNN.x runtime names ("20")."""
    return runtime.removeprefix("nodejs").removesuffix(".x")


def is_supported(runtime: str | None) -> bool:
    """Whether functions of this runtime can run here."""
    return is_python(runtime) or (is_node(runtime) and node_executable() is not None)


def effective_runtime(runtime: str | None) -> str | None:
    """The interpreter that really runs a function of `runtime` ("Python 3.11.7",
    "Node.js v20.20.2"), or None."""
    if is_python(runtime):
        return f"Python {platform.python_version()}"
    if is_supported(runtime):
        return f"Node.js {node_version()}"
    return None


def interpreter(runtime: str | None = None) -> str:
    """The executable workers of `runtime` run on (Python's when not a Node runtime)."""
    if is_node(runtime):
        node = node_executable()
        if node is None:
            raise RuntimeError(f"node not found: {NODE_INSTALL_HINT}")
        return node
    return sys.executable


@functools.cache
def node_executable() -> str | None:
    """Where `node` is on the sandbox's PATH (workers' own PATH is AWS's, not the user's)."""
    return shutil.which(NODE)


@functools.cache
def node_version() -> str:
    """`node --version` ("v20.20.2"), asked once."""
    node = node_executable()
    if node is None:
        return "(not installed)"
    try:
        finished = subprocess.run([node, "--version"], stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=VERSION_SECONDS,
                                  check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "(unknown version)"
    return finished.stdout.strip() or "(unknown version)"


def unsupported_message(runtime: str | None) -> str:
    """Why a function of `runtime` cannot be invoked here, and what would work."""
    if is_node(runtime):
        return (f"The sandbox cannot run runtime {runtime}: Node.js is not installed on this "
                f"machine (no `{NODE}` on the sandbox's PATH). To run Node.js functions, "
                f"{NODE_INSTALL_HINT}, or invoke the function on AWS.")
    requested = runtime or "(none: a container image function)"
    return (f"The sandbox cannot run runtime {requested}: it runs only Python functions, "
            f"on Python {platform.python_version()}, and Node.js functions, on the machine's "
            f"node; runtimes {SUPPORTED_RUNTIMES_TEXT}. Change the function's runtime to one "
            "of these, or invoke it on AWS.")
