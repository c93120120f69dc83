"""The function form's environment variables, measured as Lambda measures them.

Lambda: "The total size of the set does not exceed 4 KB", measured as the variables' compact JSON
in UTF-8 bytes (the sandbox's awslambda/environment_checks.py and AWS's refusal quote that
string: `String measured: {"KEY":"value"}`). The form refused some sets Lambda takes: it measured
`json.dumps` with spaces and non-ASCII text escaped (`한` as six bytes, not three).
"""
from __future__ import annotations

from flask import Flask

from webapp.lambda_environment import MAX_BYTES as MAX_ENVIRONMENT_BYTES
from webapp.views.functions.forms import parse_environment

KEY = "NOTE"
ENVELOPE = len('{"NOTE":""}')


def errors_for(app: Flask, text: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    with app.test_request_context():
        parse_environment(text, errors)
    return errors


def test_exactly_4_kb_of_compact_json_is_taken(app: Flask) -> None:
    value = "x" * (MAX_ENVIRONMENT_BYTES - ENVELOPE)
    assert errors_for(app, f"{KEY}={value}") == {}


def test_one_byte_more_is_refused(app: Flask) -> None:
    value = "x" * (MAX_ENVIRONMENT_BYTES - ENVELOPE + 1)
    assert "environment" in errors_for(app, f"{KEY}={value}")


def test_text_beyond_ascii_counts_its_utf_8_bytes(app: Flask) -> None:
    fits = "한" * ((MAX_ENVIRONMENT_BYTES - ENVELOPE) // 3)  # 3 bytes each in UTF-8
    assert errors_for(app, f"{KEY}={fits}") == {}
    assert "environment" in errors_for(app, f"{KEY}={fits}한")


def test_several_variables_count_their_separators(app: Flask) -> None:
    # {"A1":"…","B1":"…"}: 2 braces, 4 keys' quotes and names, 2 colons, 1 comma, values' quotes
    overhead = len('{"A1":"","B1":""}')
    half = (MAX_ENVIRONMENT_BYTES - overhead) // 2
    assert errors_for(app, f"A1={'x' * half}\nB1={'x' * half}") == {}
    rest = MAX_ENVIRONMENT_BYTES - overhead - half  # the two values fill 4 KB exactly
    assert errors_for(app, f"A1={'x' * half}\nB1={'x' * rest}") == {}
    assert "environment" in errors_for(app, f"A1={'x' * half}\nB1={'x' * (rest + 1)}")
