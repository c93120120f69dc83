"""Which code the wizard's function runs, by the runtime the user chose.

The tutorial writes its function in JavaScript; the console also has it in Python. Each language
has its own folder of lambda_code/ and its own handler, so the runtime decides both, in the step
that makes the function and in the exports alike. A runtime of another language needs other code,
which is why changing Python for Node.js (or back) also replaces the function's code.
"""
from __future__ import annotations

from dataclasses import dataclass

from webapp.aws.functions.runtimes import NODE, PYTHON, language_of

# The Node.js runtime listed first: the version Debian's `node` has (every nodejs*.x runs on it).
FIRST_NODE_RUNTIME = "nodejs20.x"


@dataclass(frozen=True, slots=True)
class FunctionCode:
    """A language's items API: its lambda_code/ folder, the file holding it, and its handler."""

    language: str     # as AWS names it ("Python", "Node.js"); not translated
    template: str     # folder under lambda_code/
    source_file: str  # the one file of that folder the function runs
    handler: str


PYTHON_CODE = FunctionCode(PYTHON.label, "items", "lambda_function.py", PYTHON.default_handler)
# An ES module, as the AWS console's Node.js functions start; it imports the SDK v3 the runtime
# provides, so there is nothing to bundle.
NODE_CODE = FunctionCode(NODE.label, "items-nodejs", "index.mjs", NODE.default_handler)


def is_node(runtime: str) -> bool:
    """Whether the runtime is one of AWS's Node.js runtimes."""
    return language_of(runtime) is NODE


def code_for(runtime: str) -> FunctionCode:
    """The code a function of this runtime runs."""
    return NODE_CODE if is_node(runtime) else PYTHON_CODE


def wizard_runtimes() -> dict[str, tuple[str, ...]]:
    """The runtimes the function step offers, by language, Node.js (the tutorial's) first."""
    node = (FIRST_NODE_RUNTIME, *(runtime for runtime in NODE.runtimes
                                  if runtime != FIRST_NODE_RUNTIME))
    return {NODE.label: node, PYTHON.label: PYTHON.runtimes}
