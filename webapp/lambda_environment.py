"""Lambda's rules for a function's environment variables, shared by the console and the sandbox.

Pure standard library: the console's form checks what the user typed against these before it
calls Lambda, and the sandbox refuses what AWS refuses with them. Sources: the Lambda Developer
Guide's "Defined runtime environment variables" (the reserved keys) and "Working with Lambda
environment variables" (the 4 KB limit, measured as the variables object "stored in the
function's configuration … without white space", in bytes — AWS's refusal quotes it as "String
measured: {…}").
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping

# The service model's pattern for a key: a letter, then at least one letter, digit or underscore.
KEY = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")
# Keys Lambda sets itself and refuses as the function's own. TZ, LANG, PATH, PYTHONPATH and
# LD_LIBRARY_PATH are Lambda's too but "aren't reserved and can be extended".
RESERVED_KEYS = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
MAX_BYTES = 4096


def stored_form(variables: Mapping[str, object]) -> str:
    """The variables as Lambda measures them: JSON without white space, characters unescaped."""
    return json.dumps(dict(variables), separators=(",", ":"), ensure_ascii=False)


def measured_bytes(variables: Mapping[str, object]) -> int:
    """How many bytes of the 4 KB the variables take (lone surrogates counted, not refused)."""
    return len(stored_form(variables).encode("utf-8", "surrogatepass"))
