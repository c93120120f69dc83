"""How much one mapping template may do: AWS's quotas, and the sandbox's own guards.

A template runs on every request to its stage, unauthenticated, inside the one sandbox process
that serves every other API and the console. AWS's REST API quotas: a `#foreach … #end` runs
at most 1000 times (the loop stops there, as Velocity's `directive.foreach.maxloops` does) and a
payload is at most 10 MB. AWS documents no other limit (its own engine runs under a timeout),
so the sandbox adds its guards: a render takes at most STEP_LIMIT steps, builds at most
TEXT_LIMIT characters in all, no single text grows past the payload quota, and templates nest
at most NESTING_LIMIT deep, macro calls at most MACRO_DEPTH_LIMIT deep (Velocity's own
`velocimacro.max.depth`). Past any of them the template fails with TemplateError, which
API Gateway answers as 500 Internal server error.

The budget of the render under way is kept in a context variable, so the members that build
text (`$util.escapeJavaScript`, a list printed as text) charge the same render wherever they run.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

FOREACH_LIMIT = 1000
PAYLOAD_LIMIT = 10 * 1024 * 1024
PAYLOAD_QUOTA = "10 MB"
STEP_LIMIT = 1_000_000
# A step reads this many characters: a method of a long text costs in proportion to it.
SCAN_CHARS = 1024
TEXT_LIMIT = 8 * PAYLOAD_LIMIT
NESTING_LIMIT = 32
MACRO_DEPTH_LIMIT = 20
# Java's long: VTL arithmetic beyond it fails rather than growing without bound.
INTEGER_LIMIT = 2 ** 63


class TemplateError(ValueError):
    """A template that cannot be read, or that failed or ran out of budget while rendering."""


class Budget:
    """What one render has spent."""

    def __init__(self) -> None:
        self.steps = 0
        self.text = 0
        self.macro_depth = 0

    def step(self, count: int = 1) -> None:
        """Spend steps: a node run, a member read or call, an item compared or printed."""
        self.steps += count
        if self.steps > STEP_LIMIT:
            raise TemplateError(f"the template took more than {STEP_LIMIT} steps")

    def scan(self, length: int, weight: int = 1) -> None:
        """Spend the steps of reading a text `length` characters long, `weight` times slower
        than a step reads SCAN_CHARS."""
        self.step(1 + weight * length // SCAN_CHARS)

    def build(self, length: int) -> None:
        """Spend text about to be built, `length` characters long."""
        check_text(length)
        self.text += length
        if self.text > TEXT_LIMIT:
            raise TemplateError(f"the template built more than {TEXT_LIMIT} characters")


    @contextmanager
    def macro(self) -> Iterator[None]:
        """One macro call deeper while it runs."""
        self.macro_depth += 1
        if self.macro_depth > MACRO_DEPTH_LIMIT:
            raise TemplateError(f"macro calls nest more than {MACRO_DEPTH_LIMIT} deep")
        try:
            yield
        finally:
            self.macro_depth -= 1


_CURRENT: ContextVar[Budget | None] = ContextVar("vtl_budget", default=None)


@contextmanager
def metered() -> Iterator[Budget]:
    """A fresh budget for one render, current until it ends."""
    budget = Budget()
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def current() -> Budget:
    """The budget of the render under way (a fresh one outside any render)."""
    return _CURRENT.get() or Budget()


def check_text(length: int) -> None:
    """No text a template builds may be longer than a payload could be."""
    if length > PAYLOAD_LIMIT:
        raise TemplateError(f"a text of the template would exceed {PAYLOAD_QUOTA}")


def check_output(length: int) -> None:
    """A rendered body may be no longer than API Gateway's payload quota."""
    if length > PAYLOAD_LIMIT:
        raise TemplateError(f"the mapped body would exceed {PAYLOAD_QUOTA}")
