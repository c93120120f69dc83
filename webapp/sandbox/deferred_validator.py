"""openapi-spec-validator imported when first called, not at every sandbox start.

moto's API Gateway imports it at the top of `moto.apigateway.models` for ImportRestApi and
PutRestApi, which the sandbox answers itself (apigateway/openapi_import.py), so the sandbox
never calls it; importing it (with the pydantic, jsonschema and referencing it brings) was about
0.2 s of the 1.1 s of CPU a sandbox spent starting, measured on a 2-core machine.

`install()` puts a stand-in in its place before moto is imported: the two names moto takes,
`validate` and `OpenAPIValidationError`. A call to the stand-in's `validate` imports the real
package and validates with it, its refusal raised as the stand-in's `OpenAPIValidationError`,
which is the class moto's `except` names. Any other name asked of the stand-in loads the real
package and answers from it. Where the real package is already imported, nothing changes.
"""
import importlib
import sys
import types
from typing import Any

PACKAGE = "openapi_spec_validator"
EXCEPTIONS = f"{PACKAGE}.validation.exceptions"
STAND_IN_MODULES = (PACKAGE, f"{PACKAGE}.validation", EXCEPTIONS)


class OpenAPIValidationError(Exception):
    """The real validator's refusal, as moto's `except OpenAPIValidationError` catches it."""


def install() -> bool:
    """Put the stand-in in place unless the real package is imported; True if it was put."""
    if PACKAGE in sys.modules:
        return False
    package = _StandIn(PACKAGE)
    package.validate = validate
    package.validate_spec = validate
    validation = _StandIn(f"{PACKAGE}.validation")
    exceptions = _StandIn(EXCEPTIONS)
    exceptions.OpenAPIValidationError = OpenAPIValidationError
    package.validation = validation
    validation.exceptions = exceptions
    sys.modules.update({PACKAGE: package, validation.__name__: validation, EXCEPTIONS: exceptions})
    return True


def is_stand_in() -> bool:
    """True while the stand-in is what `import openapi_spec_validator` gives."""
    return isinstance(sys.modules.get(PACKAGE), _StandIn)


def validate(spec: Any, *args: Any, **kwargs: Any) -> None:
    """The real `validate`, its refusal raised as this module's OpenAPIValidationError."""
    real = _real_package()
    refusal = importlib.import_module(EXCEPTIONS).OpenAPIValidationError
    try:
        real.validate(spec, *args, **kwargs)
    except refusal as err:
        raise OpenAPIValidationError(str(err)) from err


def _real_package() -> types.ModuleType:
    """Import the real package in place of the stand-in (once), and give it back."""
    if is_stand_in():
        for name in STAND_IN_MODULES:
            sys.modules.pop(name, None)
    return importlib.import_module(PACKAGE)


class _StandIn(types.ModuleType):
    """A module whose other names come from the real package, imported on first use."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        real = _real_package()
        module = real if self.__name__ == PACKAGE else importlib.import_module(self.__name__)
        return getattr(module, name)
