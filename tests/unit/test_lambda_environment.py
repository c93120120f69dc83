"""Lambda's environment-variable rules, read the same way by the console's form and the sandbox."""
from __future__ import annotations

import pytest

from webapp import lambda_environment
from webapp.sandbox.awslambda.environment_checks import check_environment
from webapp.sandbox.awslambda.exceptions import InvalidParameterValueException
from webapp.views.functions.forms import parse_environment


def form_error(text: str) -> str | None:
    errors: dict[str, str] = {}
    parse_environment(text, errors)
    return errors.get("environment")


@pytest.mark.parametrize("key", sorted(lambda_environment.RESERVED_KEYS))
def test_a_reserved_key_is_refused_by_the_form_and_by_the_sandbox(key: str) -> None:
    assert form_error(f"{key}=x") is not None
    with pytest.raises(InvalidParameterValueException, match=f"Reserved keys used in this request: {key}$"):
        check_environment({"Variables": {key: "x"}})


@pytest.mark.parametrize("key", ["TZ", "LANG", "PATH", "PYTHONPATH", "LD_LIBRARY_PATH", "TABLE_NAME"])
def test_lambdas_extendable_variables_and_the_functions_own_are_taken(key: str) -> None:
    assert form_error(f"{key}=x") is None
    check_environment({"Variables": {key: "x"}})


def test_the_size_is_the_compact_json_in_utf8_bytes() -> None:
    variables = {"A1": "한 b"}
    assert lambda_environment.stored_form(variables) == '{"A1":"한 b"}'
    assert lambda_environment.measured_bytes(variables) == len('{"A1":"'.encode()) + 3 + 2 + 2


def test_the_form_and_the_sandbox_draw_the_4kb_line_at_the_same_byte() -> None:
    envelope = len('{"A1":""}')
    fits = {"A1": "x" * (lambda_environment.MAX_BYTES - envelope)}
    over = {"A1": "x" * (lambda_environment.MAX_BYTES - envelope + 1)}
    assert form_error(f"A1={fits['A1']}") is None
    check_environment({"Variables": fits})
    assert form_error(f"A1={over['A1']}") is not None
    with pytest.raises(InvalidParameterValueException, match="exceeded the 4KB limit"):
        check_environment({"Variables": over})


@pytest.mark.parametrize(("key", "valid"), [("A1", True), ("a_b", True), ("A", False), ("1A", False),
                                            ("_A", False), ("A-B", False)])
def test_a_key_is_a_letter_then_at_least_one_letter_digit_or_underscore(key: str, valid: bool) -> None:
    assert bool(lambda_environment.KEY.fullmatch(key)) is valid
    assert (form_error(f"{key}=x") is None) is valid
