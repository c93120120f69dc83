"""The runtimes the console offers, by language, and what each language's code looks like there.

Lambda names a function's handler `file.function` in both languages, but finds the file by
each language's own rules: Python's `lambda_function.lambda_handler` is lambda_function.py, while
Node.js's `index.handler` is index.js, index.mjs or index.cjs, tried in that order by AWS's
runtime interface client (a .mjs or .js file with package.json "type": "module" is an ES module).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from webapp.lambda_runtimes import NODE_RUNTIMES


def python_module(handler: str) -> str:
    """app.main.handler → app/main: every dot but the last separates packages."""
    return handler.rsplit(".", 1)[0].replace(".", "/")


def node_module(handler: str) -> str:
    """src/index.handler → src/index, index.nested.handler → index: the part of the last path
    segment before its first dot, as AWS's Node.js runtime reads it."""
    folder, slash, name = handler.rpartition("/")
    return folder + slash + name.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Language:
    """One language's runtimes (AWS's identifiers, newest first) and its code's conventions."""

    label: str
    runtimes: tuple[str, ...]
    default_handler: str
    # The file the inline editor writes: the AWS console's default for the language.
    inline_filename: str
    # The handler module's file extensions, in the order the runtime looks for them.
    source_suffixes: tuple[str, ...]
    handler_module: Callable[[str], str]

    def handler_candidates(self, handler: str) -> list[str]:
        """The files that may hold `handler`, in the order the runtime tries them."""
        module = self.handler_module(handler)
        return [module + suffix for suffix in self.source_suffixes]


NODE = Language("Node.js", NODE_RUNTIMES, "index.handler",
                "index.mjs", (".js", ".mjs", ".cjs"), node_module)
PYTHON = Language("Python", ("python3.13", "python3.12", "python3.11", "python3.10", "python3.9"),
                  "lambda_function.lambda_handler", "lambda_function.py", (".py",), python_module)
# In the order the runtime list shows them, as the AWS console lists Node.js first.
LANGUAGES = (NODE, PYTHON)
DEFAULT_RUNTIME = "python3.12"


def language_of(runtime: str) -> Language:
    """The language of an offered runtime, or of any other by its name (nodejs16.x is Node.js);
    Python for names that are neither, as the console's editor always assumed."""
    return NODE if runtime.startswith("nodejs") else PYTHON


def is_offered(runtime: str) -> bool:
    """Whether the create form offers `runtime`."""
    return any(runtime in language.runtimes for language in LANGUAGES)
