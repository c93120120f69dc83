"""The code on a function's page: which files of a package are shown and may be edited there,
and the package rebuilt from the edited files.

The AWS console edits a package in place only while it is under 3 MB. This console also keeps to
packages it can show whole and write back unchanged apart from the edits: one folder of UTF-8
text files. Anything else is shown read-only with the reason, and replaced by uploading a .zip.
"""
from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from webapp.aws.errors import N_, InvalidInput
from webapp.aws.functions.runtimes import language_of

# Lambda's quota "Deployment package size for the console editor": 3 MB.
MAX_EDITABLE_PACKAGE_BYTES = 3 * 1024 * 1024
# What one page shows of a package; a file or a package past these is shown in part, read-only.
MAX_SHOWN_FILE_BYTES = 256 * 1024
MAX_SHOWN_FILES = 30

NOT_EDITABLE = N_("This package's code cannot be edited here; upload a .zip to replace it.")
UNKNOWN_FILE = N_("The package has no file %(name)s the editor showed; reload the page and edit "
                  "again.")
PACKAGE_TOO_LARGE = N_("With these edits the package would be %(size)s MB; the code editor takes "
                       "packages up to 3 MB. Edit it on your machine and upload a .zip.")


class ReadOnlyReason(StrEnum):
    """Why a package is shown but not editable."""

    TOO_LARGE = "too_large"
    NOT_A_ZIP = "not_a_zip"
    FOLDERS = "folders"
    TOO_MANY_FILES = "too_many_files"
    BINARY_FILE = "binary_file"
    LINK = "link"
    LARGE_FILE = "large_file"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file as the page shows it: its text (None for a binary file), cut at the cap."""

    name: str
    size: int
    text: str | None
    is_truncated: bool = False


@dataclass(frozen=True, slots=True)
class PackageFiles:
    """The files shown, the handler's first; why they cannot be edited, and which file says so."""

    files: list[SourceFile]
    hidden_count: int = 0
    read_only_reason: ReadOnlyReason | None = None
    reason_subject: str = ""

    @property
    def is_editable(self) -> bool:
        """True when every file is shown whole and may be written back."""
        return self.read_only_reason is None


def handler_file(handler: str, runtime: str, file_names: Collection[str] = ()) -> str:
    """The file holding the handler: of the files its runtime would try (lambda_function.py for
    lambda_function.lambda_handler; index.js, index.mjs, index.cjs for index.handler), the first
    that `file_names` has, else the first the runtime tries."""
    candidates = language_of(runtime).handler_candidates(handler)
    return next((name for name in candidates if name in file_names), candidates[0])


def read_package(data: bytes, handler: str, runtime: str) -> PackageFiles:
    """The package's files for the page, and whether the editor may change them."""
    if len(data) > MAX_EDITABLE_PACKAGE_BYTES:
        return PackageFiles([], read_only_reason=ReadOnlyReason.TOO_LARGE)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        return PackageFiles([], read_only_reason=ReadOnlyReason.NOT_A_ZIP)
    first = handler_file(handler, runtime, [info.filename for info in members])
    members.sort(key=lambda info: (info.filename != first, info.filename))
    shown = members[:MAX_SHOWN_FILES]
    files = [_read_member(archive, info) for info in shown]
    reason, subject = _read_only_reason(archive.infolist(), shown, files)
    return PackageFiles(files, len(members) - len(shown), reason, subject)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> SourceFile:
    if _is_link(info):
        return SourceFile(info.filename, info.file_size, None)
    with archive.open(info) as member:
        # Read no more than is shown: a declared size could be far from the real one.
        head = member.read(MAX_SHOWN_FILE_BYTES + 1)
    is_truncated = len(head) > MAX_SHOWN_FILE_BYTES
    head = head[:MAX_SHOWN_FILE_BYTES]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        # A cut may fall inside a character; only an error before the cut means binary.
        if not is_truncated or err.start < len(head) - 3:
            return SourceFile(info.filename, info.file_size, None)
        text = head[:err.start].decode("utf-8")
    if "\0" in text:
        return SourceFile(info.filename, info.file_size, None)
    return SourceFile(info.filename, info.file_size, text, is_truncated)


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _read_only_reason(entries: list[zipfile.ZipInfo], shown: list[zipfile.ZipInfo],
                      files: list[SourceFile]) -> tuple[ReadOnlyReason | None, str]:
    for entry in entries:
        name = entry.filename.replace("\\", "/")
        if entry.is_dir() or "/" in name or name in (".", ".."):
            return ReadOnlyReason.FOLDERS, name.split("/", 1)[0] + "/"
    if len(shown) < sum(1 for entry in entries if not entry.is_dir()):
        return ReadOnlyReason.TOO_MANY_FILES, ""
    for info, source in zip(shown, files):
        if _is_link(info):
            return ReadOnlyReason.LINK, source.name
        if source.text is None:
            return ReadOnlyReason.BINARY_FILE, source.name
        if source.is_truncated:
            return ReadOnlyReason.LARGE_FILE, source.name
    return None, ""


def edited_zip(data: bytes, handler: str, runtime: str, edits: Mapping[str, str]) -> bytes:
    """The package with the edited files' new text; every other file kept byte for byte.

    Only files the editor showed may be written: a name the package lacks is refused, so no
    edit can add a file or reach outside the function's folder.
    """
    package = read_package(data, handler, runtime)
    if not package.is_editable:
        raise InvalidInput(NOT_EDITABLE, field="form")
    shown = {source.name: source for source in package.files}
    for name in edits:
        if name not in shown:
            raise InvalidInput(UNKNOWN_FILE, field="form", name=name)
    source_archive = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source_archive.infolist():
            original = source_archive.read(info)
            text = edits.get(info.filename)
            if text is not None:
                text = normalise_newlines(text)
            if text is None or text == normalise_newlines(shown[info.filename].text or ""):
                archive.writestr(info, original)
            else:
                archive.writestr(info, text.encode("utf-8"))
    if buffer.tell() > MAX_EDITABLE_PACKAGE_BYTES:
        raise InvalidInput(PACKAGE_TOO_LARGE, field="form",
                           size=f"{buffer.tell() / 1024 / 1024:.1f}")
    return buffer.getvalue()


def normalise_newlines(text: str) -> str:
    """A browser sends a textarea's lines ending in CR LF; source files keep LF."""
    return text.replace("\r\n", "\n")
