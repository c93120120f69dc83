"""openapi-spec-validator waits until called in the sandbox (webapp/sandbox/deferred_validator.py).

Each case runs in a fresh interpreter: the stand-in only means something before moto is imported.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from webapp.config import PROJECT_ROOT

VALID = {"openapi": "3.0.1", "info": {"title": "items", "version": "1"}, "paths": {}}
INVALID = {"openapi": "3.0.1", "info": {"title": "items"}, "paths": {}}  # no info.version


def run_fresh(code: str) -> dict[str, object]:
    """Run `code` in a new interpreter at the project root; it prints one JSON object."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_moto_imports_without_loading_the_validator_and_a_call_validates_for_real() -> None:
    seen = run_fresh(f"""
        import json, sys
        from webapp.sandbox import deferred_validator
        put = deferred_validator.install()
        import moto.apigateway.models as models
        import webapp.sandbox.server
        before = sorted(name for name in ("pydantic", "jsonschema", "referencing")
                        if name in sys.modules)
        models.validate({json.dumps(VALID)!s})
        loaded = "pydantic" in sys.modules and not deferred_validator.is_stand_in()
        try:
            models.validate({json.dumps(INVALID)!s})
            refused = None
        except models.OpenAPIValidationError as err:
            refused = str(err)
        print(json.dumps({{"put": put, "before": before, "loaded": loaded, "refused": refused}}))
    """)
    assert seen["put"] is True
    assert seen["before"] == [], "importing the sandbox loaded the validator's dependencies"
    assert seen["loaded"] is True, "a call did not load the real validator"
    assert seen["refused"] and "version" in str(seen["refused"])


def test_other_names_come_from_the_real_package() -> None:
    seen = run_fresh("""
        import json
        from webapp.sandbox import deferred_validator
        deferred_validator.install()
        import openapi_spec_validator
        reader = openapi_spec_validator.validate_spec_url  # not one the stand-in holds
        from openapi_spec_validator.validation import exceptions
        print(json.dumps({"callable": callable(reader),
                          "stand_in": deferred_validator.is_stand_in(),
                          "exceptions": exceptions.__name__}))
    """)
    assert seen == {"callable": True, "stand_in": False,
                    "exceptions": "openapi_spec_validator.validation.exceptions"}


def test_nothing_changes_once_the_real_package_is_imported() -> None:
    seen = run_fresh("""
        import json
        import openapi_spec_validator
        from webapp.sandbox import deferred_validator
        print(json.dumps({"put": deferred_validator.install(),
                          "stand_in": deferred_validator.is_stand_in()}))
    """)
    assert seen == {"put": False, "stand_in": False}
