"""The sandbox's limit checks on their own: unpacking stops at Lambda's unzipped quota whatever
the zip declares, and filter pattern regexes answer in linear time."""
from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest
from werkzeug.wrappers import Request

from webapp.sandbox.awslambda import package_limits
from webapp.sandbox.awslambda.filesystem import unzip
from webapp.sandbox.dispatch import AwsOperation
from webapp.sandbox.logs.filter_pattern import FilterPatternError, compile_pattern

SMALL_LIMIT = 1000
CENTRAL_HEADER = b"PK\x01\x02"
CENTRAL_UNCOMPRESSED_SIZE_OFFSET = 24


def zipped(files: dict[str, bytes], mode: int = 0o644) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def understated(code: bytes, declared: int) -> bytes:
    """`code` with every central directory record claiming `declared` bytes unzipped."""
    data = bytearray(code)
    for at in range(len(data)):
        if data.startswith(CENTRAL_HEADER, at):
            struct.pack_into("<I", data, at + CENTRAL_UNCOMPRESSED_SIZE_OFFSET, declared)
    return bytes(data)


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(package_limits, "UNZIPPED_SIZE_LIMIT", SMALL_LIMIT)


def test_unzip_stops_when_the_bytes_written_reach_the_limit(tmp_path: Path,
                                                            small_limit: None) -> None:
    code = zipped({"app.py": b"x" * 600, "lib/data.bin": bytes(600)})
    assert package_limits.declared_unzipped_size(code) == 1200
    with pytest.raises(zipfile.BadZipFile, match="Unzipped size must be smaller than"):
        unzip(code, tmp_path / "task")
    assert list(tmp_path.iterdir()) == []  # neither the root nor its staging copy is left


def test_unzip_stops_a_zip_whose_headers_understate_its_size(tmp_path: Path,
                                                             small_limit: None) -> None:
    code = understated(zipped({"bomb.bin": bytes(50_000)}), declared=10)
    assert package_limits.declared_unzipped_size(code) == 10
    with pytest.raises(zipfile.BadZipFile):
        unzip(code, tmp_path / "task")
    assert list(tmp_path.iterdir()) == []


def test_unzip_under_the_limit_keeps_files_modes_and_the_root(tmp_path: Path,
                                                             small_limit: None) -> None:
    code = zipped({"../../escape.py": b"e", "/abs/app.py": b"a", "pkg/": b"",
                   "pkg/run.sh": b"#!/bin/sh\n"}, mode=0o755)
    unzip(code, tmp_path / "task")
    root = tmp_path / "task"
    assert sorted(str(path.relative_to(root)) for path in root.rglob("*")) == [
        "abs", "abs/app.py", "escape.py", "pkg", "pkg/run.sh"]
    assert stat.S_IMODE((root / "pkg" / "run.sh").stat().st_mode) == 0o755


def test_a_request_just_under_the_upload_limit_goes_on_to_moto() -> None:
    operation = AwsOperation(service="lambda", name="UpdateFunctionCode",
                             region="ap-northeast-2", access_key_id="testing")
    under = Request.from_values(method="PUT", data=b" " * (package_limits.REQUEST_SIZE_LIMIT - 1))
    assert package_limits.check_package(under, operation) is None
    at = Request.from_values(method="PUT", data=b" " * package_limits.REQUEST_SIZE_LIMIT)
    refusal = package_limits.check_package(at, operation)
    assert refusal is not None and refusal.status_code == 413
    assert refusal.headers["X-Amzn-ErrorType"] == "RequestEntityTooLargeException"


@pytest.mark.parametrize(("pattern", "message", "expected"), [
    # Backtracking engines take longer than anyone waits for these; RE2 answers at once.
    ("%a*a*a*a*a*a*a*b%", "a" * 100_000, False),
    ("%a*a*a*a*a*a*a*b%", "a" * 100_000 + "b", True),
    ('{ $.x = "*a*a*a*a*a*a*a*b" }', '{"x": "' + "a" * 100_000 + '"}', False),
    ("[f = %(x+x+)+y%]", "x", None),  # parentheses: refused before any engine runs
    # Python's `$` also matched before a final newline, as Lambda's lines end: still so.
    ("%ERROR$%", "[x] ERROR\n", True),
    ("%ERROR$%", "[x] ERROR happened\n", False),
    ('{ $.level = "WARN*" }', '{"level": "WARNING\\n"}', True),
    ('{ $.level = "WARN" }', '{"level": "WARN\\n"}', False),
])
def test_regexes_answer_in_linear_time(pattern: str, message: str, expected: bool | None) -> None:
    if expected is None:
        with pytest.raises(FilterPatternError):
            compile_pattern(pattern)
        return
    assert compile_pattern(pattern)(message) is expected


def test_at_most_two_regexes_per_pattern() -> None:
    assert compile_pattern('%a% "100%" %b%')("a 100% b")  # a % in a quoted phrase is no regex
    assert compile_pattern("{ $.a = %x% || $.b = %y% }")('{"a": "x"}')
    for pattern in ("%a% %b% %c%", "{ $.a = %x% || $.b = %y% || $.c = %z% }",
                    "[a = %x%, b = %y%, c = %z%]"):
        with pytest.raises(FilterPatternError, match="Too many regexes"):
            compile_pattern(pattern)


@pytest.mark.parametrize("names", [["a" * 300 + ".py"], ["x/", "x"], ["x", "x/y.py"],
                                   ["/".join(["d" * 200] * 30) + "/f.py"]])
def test_paths_the_file_system_cannot_hold_are_a_bad_zip(tmp_path: Path,
                                                         names: list[str]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(e, c): return 1\n")
        for name in names:
            archive.writestr(name, "" if name.endswith("/") else "data")
    with pytest.raises(zipfile.BadZipFile, match="cannot unpack") as refused:
        unzip(buffer.getvalue(), tmp_path / "task")
    assert str(tmp_path) not in str(refused.value)  # the entry's name, not the sandbox's paths
    assert list(tmp_path.iterdir()) == []  # nothing kept, not even the staging folder
