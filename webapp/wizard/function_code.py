"""Which code the wizard's function runs, by the runtime the user chose.

The tutorial writes its function in JavaScript; the console also has it in Python. Each language
has its own folder of lambda_code/ and its own handler, so the runtime decides both, in the step
that makes the function and in the exports alike. A runtime of another language needs other code,
which is why changing Python for Node.js (or back) also replaces the function's code.
"""
from __future__ import annotations

from webapp.aws.functions.code_packages import CodeTemplate, find_template
from webapp.aws.functions.runtimes import NODE, PYTHON, language_of

# The Node.js runtime listed first: the version Debian's `node` has (every nodejs*.x runs on it).
FIRST_NODE_RUNTIME = "nodejs20.x"


# Each language's items API in lambda_code/: the Python one, and the tutorial's JavaScript as an
# ES module importing the SDK v3 the runtime provides (nothing to bundle).
PYTHON_ITEMS, NODE_ITEMS = "items", "items-nodejs"


def is_node(runtime: str) -> bool:
    """Whether the runtime is one of AWS's Node.js runtimes."""
    return language_of(runtime) is NODE


def code_for(runtime: str) -> CodeTemplate:
    """The code a function of this runtime runs: its template's folder, file and handler."""
    return find_template(NODE_ITEMS if is_node(runtime) else PYTHON_ITEMS)


def wizard_runtimes() -> dict[str, tuple[str, ...]]:
    """The runtimes the function step offers, by language, Node.js (the tutorial's) first."""
    node = (FIRST_NODE_RUNTIME, *(runtime for runtime in NODE.runtimes
                                  if runtime != FIRST_NODE_RUNTIME))
    return {NODE.label: node, PYTHON.label: PYTHON.runtimes}
