"""Deployment packages: templates, inline code, and uploads checked as Lambda checks them."""
from __future__ import annotations

import io
import zipfile

import pytest

from webapp.aws.functions import code_editor, code_packages
from webapp.aws.errors import ConsoleError


def make_zip(entries: dict[str, bytes], symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def test_templates_are_listed_with_their_summaries() -> None:
    templates = {template.name: template.summary for template in code_packages.list_templates()}
    assert set(templates) >= {"hello", "items"}
    assert templates["items"].startswith("Items API")


def test_a_template_package_holds_its_code_but_not_its_readme_or_caches() -> None:
    names = zipfile.ZipFile(io.BytesIO(code_packages.template_zip("items"))).namelist()
    assert names == ["lambda_function.py"]


def test_unknown_template_is_refused() -> None:
    with pytest.raises(ConsoleError, match="no code template called ../etc"):
        code_packages.template_zip("../etc")


def test_inline_code_round_trips_for_editing() -> None:
    package = code_packages.inline_zip("def lambda_handler(e, c):\n    return 1\n", "lambda_function.py")
    shown = code_editor.read_package(package, "lambda_function.lambda_handler", "python3.12")
    assert shown.is_editable
    assert [(source.name, source.text) for source in shown.files] == [
        ("lambda_function.py", "def lambda_handler(e, c):\n    return 1\n")]
    bigger = make_zip({"lambda_function.py": b"x", "lib/util.py": b"y"})
    assert not code_editor.read_package(bigger, "lambda_function.lambda_handler", "python3.12").is_editable


def test_a_good_upload_passes() -> None:
    package = make_zip({"lambda_function.py": b"print(1)", "pkg/__init__.py": b""})
    assert code_packages.check_upload(package) == package


@pytest.mark.parametrize("name", ["../evil.py", "/etc/cron.d/evil", "a/../../evil.py", "..\\evil.py",
                                  "C:/evil.py"])
def test_zip_slip_is_refused(name: str) -> None:
    with pytest.raises(ConsoleError) as caught:
        code_packages.check_upload(make_zip({name: b"x"}))
    assert caught.value.field == "code"
    assert "outside the function's folder" in caught.value.message


def test_symlinks_are_refused() -> None:
    with pytest.raises(ConsoleError, match="outside the function's folder"):
        code_packages.check_upload(make_zip({"ok.py": b""}, symlink="link"))


def test_not_a_zip_is_refused() -> None:
    with pytest.raises(ConsoleError, match="not a .zip archive"):
        code_packages.check_upload(b"PK but not really")


def test_zipped_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(code_packages, "MAX_ZIPPED_BYTES", 100)
    with pytest.raises(ConsoleError, match="Lambda takes at most 50 MB"):
        code_packages.check_upload(make_zip({"a.py": b"x" * 1000}) + b"\0" * 100)


def test_unzipped_size_limit_catches_a_zip_bomb() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.bin", b"\0" * (251 * 1024 * 1024))
    assert len(buffer.getvalue()) < code_packages.MAX_ZIPPED_BYTES
    with pytest.raises(ConsoleError, match="Unzipped, the package is 251.0 MB"):
        code_packages.check_upload(buffer.getvalue())
