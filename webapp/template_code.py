"""Compiled templates kept in memory for every app this process builds.

Flask gives each app its own Jinja environment, and compiling the console's templates (lexing,
parsing, generating and compiling Python) is most of what a page costs the first time an app
renders it. The console builds one app, but the tests build one per test: sharing the compiled
code spares each of them that work. Jinja checks every entry against its template's source, so
an edited template is compiled again.
"""
from __future__ import annotations

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class TemplateCode(BytecodeCache):
    """Jinja's bytecode cache in a dict; entries are keyed by template and checked by source."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


SHARED = TemplateCode()
