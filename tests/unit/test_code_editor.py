"""The code on a function's page: which packages are editable, and the zip rebuilt from edits."""
from __future__ import annotations

import io
import zipfile

import pytest

from webapp.aws.errors import InvalidInput
from webapp.aws.functions import code_editor
from webapp.aws.functions.code_editor import ReadOnlyReason

HANDLER = "lambda_function.lambda_handler"
RUNTIME = "python3.12"
HELLO = b"def lambda_handler(event, context):\n    return 'hello'\n"


def make_zip(entries: dict[str, bytes], link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "lambda_function.py")
    return buffer.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {info.filename: archive.read(info) for info in archive.infolist()}


def test_every_file_is_shown_with_the_handlers_first() -> None:
    package = code_editor.read_package(
        make_zip({"a_helpers.py": b"X = 1\n", "lambda_function.py": HELLO, "z.json": b"{}"}), HANDLER, RUNTIME)
    assert [source.name for source in package.files] == ["lambda_function.py", "a_helpers.py", "z.json"]
    assert package.files[0].text == HELLO.decode()
    assert package.is_editable and package.hidden_count == 0


def test_a_handler_in_a_module_path_names_its_file() -> None:
    assert code_editor.handler_file("app.main.handler", RUNTIME) == "app/main.py"


@pytest.mark.parametrize(("entries", "reason", "subject"), [
    ({"lambda_function.py": HELLO, "lib/util.py": b"Y = 2\n"}, ReadOnlyReason.FOLDERS, "lib/"),
    ({"lambda_function.py": HELLO, "logo.png": b"\x89PNG\r\n\x1a\n\0\0"}, ReadOnlyReason.BINARY_FILE,
     "logo.png"),
    ({"lambda_function.py": HELLO,
      "big.py": b"#" * (code_editor.MAX_SHOWN_FILE_BYTES + 1)}, ReadOnlyReason.LARGE_FILE, "big.py"),
])
def test_a_package_that_cannot_be_written_back_whole_is_read_only(
        entries: dict[str, bytes], reason: ReadOnlyReason, subject: str) -> None:
    package = code_editor.read_package(make_zip(entries), HANDLER, RUNTIME)
    assert not package.is_editable
    assert (package.read_only_reason, package.reason_subject) == (reason, subject)
    assert package.files[0].text == HELLO.decode()


def test_a_large_file_is_shown_in_part() -> None:
    package = code_editor.read_package(
        make_zip({"big.py": "é".encode() * code_editor.MAX_SHOWN_FILE_BYTES}), HANDLER, RUNTIME)
    shown = package.files[0]
    assert shown.is_truncated and shown.text is not None
    assert len(shown.text.encode()) <= code_editor.MAX_SHOWN_FILE_BYTES


def test_a_symbolic_link_makes_the_package_read_only() -> None:
    package = code_editor.read_package(make_zip({"lambda_function.py": HELLO}, link="alias.py"),
                                       HANDLER, RUNTIME)
    assert (package.read_only_reason, package.reason_subject) == (ReadOnlyReason.LINK, "alias.py")


def test_too_many_files_are_shown_in_part_and_read_only() -> None:
    count = code_editor.MAX_SHOWN_FILES + 2
    package = code_editor.read_package(make_zip({f"m{n:02}.py": b"" for n in range(count)}), HANDLER, RUNTIME)
    assert len(package.files) == code_editor.MAX_SHOWN_FILES and package.hidden_count == 2
    assert package.read_only_reason is ReadOnlyReason.TOO_MANY_FILES


def test_a_package_over_the_console_editors_3_mb_is_not_opened() -> None:
    # Lambda's quota: "Deployment package size for the console editor", 3 MB.
    assert code_editor.MAX_EDITABLE_PACKAGE_BYTES == 3 * 1024 * 1024
    package = code_editor.read_package(b"PK" + b"\0" * code_editor.MAX_EDITABLE_PACKAGE_BYTES, HANDLER, RUNTIME)
    assert package.read_only_reason is ReadOnlyReason.TOO_LARGE and package.files == []


def test_what_is_not_a_zip_is_read_only() -> None:
    assert code_editor.read_package(b"not a zip", HANDLER, RUNTIME).read_only_reason is ReadOnlyReason.NOT_A_ZIP


def test_the_rebuilt_zip_has_the_edits_and_keeps_every_other_file_byte_for_byte() -> None:
    original = make_zip({"lambda_function.py": HELLO, "data.txt": b"line\r\nkept as it was\r\n"})
    rebuilt = code_editor.edited_zip(original, HANDLER, RUNTIME, {
        "lambda_function.py": "def lambda_handler(event, context):\r\n    return 'bye'\r\n",
        "data.txt": "line\r\nkept as it was\r\n"})
    assert members(rebuilt) == {
        "lambda_function.py": b"def lambda_handler(event, context):\n    return 'bye'\n",
        "data.txt": b"line\r\nkept as it was\r\n"}


@pytest.mark.parametrize("name", ["../evil.py", "other.py", "/etc/passwd", "lambda_function.py/x"])
def test_the_rebuilt_zip_refuses_a_file_the_editor_did_not_show(name: str) -> None:
    original = make_zip({"lambda_function.py": HELLO})
    with pytest.raises(InvalidInput) as refused:
        code_editor.edited_zip(original, HANDLER, RUNTIME, {"lambda_function.py": "x = 1\n", name: "boom"})
    assert refused.value.params["name"] == name


def test_a_read_only_package_is_never_rebuilt() -> None:
    original = make_zip({"lambda_function.py": HELLO, "lib/util.py": b""})
    with pytest.raises(InvalidInput):
        code_editor.edited_zip(original, HANDLER, RUNTIME, {"lambda_function.py": "x = 1\n"})


def test_an_edit_that_grows_the_package_past_the_editors_3_mb_is_refused() -> None:
    original = make_zip({"lambda_function.py": HELLO})
    # Random-looking text barely compresses: the rebuilt .zip would be well over 3 MB.
    noise = "".join(f"{n * 2654435761 % 4294967296:08x}" for n in range(500_000))
    with pytest.raises(InvalidInput) as refused:
        code_editor.edited_zip(original, HANDLER, RUNTIME, {"lambda_function.py": noise})
    assert refused.value.template == code_editor.PACKAGE_TOO_LARGE
