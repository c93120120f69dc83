"""`$context.responseOverride`: what an integration response template says of the method response.

AWS (Developer Guide, "Override your API's request and response parameters and status codes"):
a response mapping template may set `$context.responseOverride.status` and
`$context.responseOverride.header.<name>`, which replace the method response's status code and
header once the template has rendered. "Overrides are final. An override may only be applied to
each parameter once. If you try to override the same parameter multiple times, API Gateway
returns a 5XX response", so a second assignment fails the template (500, "Unable to transform
response"). A null is not assigned, as Velocity does not #set one; a status that is no HTTP
status code fails the template too.

Templates reach these objects only through vtl_members' exposed entries and assigner.
"""
from typing import Any

from webapp.sandbox.apigateway import vtl_members
from webapp.sandbox.apigateway.vtl_budget import TemplateError

STATUS = "status"
HEADER = "header"
LOWEST_STATUS = 100
HIGHEST_STATUS = 599


class Overrides:
    """Values a template may set once each, by name; `fixed` entries are read-only."""

    def __init__(self, fixed: dict[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = {}
        self._fixed = fixed or {}

    def entry(self, name: Any) -> Any:
        """`$overrides.name`."""
        if type(name) is not str:
            return None
        return self._fixed[name] if name in self._fixed else self.values.get(name)

    def assign(self, name: Any, value: Any) -> None:
        """`#set($overrides.name = value)`, the first time only."""
        if type(name) is not str or name in self._fixed or value is None:
            return
        if name in self.values:
            raise TemplateError(f"{name} is overridden more than once")
        self.values[name] = value


def response_overrides() -> Overrides:
    """A fresh `$context.responseOverride`, with its `header` table."""
    return Overrides({HEADER: Overrides()})


def overridden_status(overrides: Overrides, status: int) -> int:
    """The method response's status: the template's, if it set one."""
    value = overrides.values.get(STATUS)
    if value is None:
        return status
    text = vtl_members.to_text(value)
    if not text.isdigit() or not LOWEST_STATUS <= int(text) <= HIGHEST_STATUS:
        raise TemplateError(f"responseOverride.status {text!r} is no HTTP status code")
    return int(text)


def overridden_headers(overrides: Overrides,
                       headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The method response's headers, those the template set replacing any of the same name."""
    header = overrides.entry(HEADER)
    assert isinstance(header, Overrides)
    if not header.values:
        return headers
    replaced = {name.lower() for name in header.values}
    kept = [(name, value) for name, value in headers if name.lower() not in replaced]
    return kept + [(name, vtl_members.to_text(value)) for name, value in header.values.items()]


vtl_members.expose(Overrides, entries=Overrides.entry, assigner=Overrides.assign)
