"""Lambda deployment packages: templates from lambda_code/, inline sources and checked uploads."""
from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from webapp.aws.errors import N_, InvalidInput
from webapp.config import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "lambda_code"
# AWS's limits for a directly uploaded package and its unzipped contents.
MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
INLINE_FILENAME = "lambda_function.py"
# Files of a template that are not part of the deployed code.
_NOT_DEPLOYED = {"__pycache__", "README.md", "tests"}
# The templates' summaries (their docstrings' first lines), marked so the create page can show
# them translated; a summary edited in lambda_code/ shows as written until it is marked here.
_SUMMARIES = (
    N_("Hello world: answers with a greeting and echoes the event it got"),
    N_("Items API: CRUD over a DynamoDB table for API Gateway's Lambda proxy integration "
       "(payload 1.0)"),
)


@dataclass(frozen=True, slots=True)
class CodeTemplate:
    """A folder of lambda_code/ offered when creating a function."""

    name: str
    summary: str


def list_templates() -> list[CodeTemplate]:
    """The templates in lambda_code/, each with the first line of its module docstring."""
    found = []
    for folder in sorted(TEMPLATES_DIR.iterdir()):
        entry = folder / INLINE_FILENAME
        if folder.is_dir() and entry.exists():
            found.append(CodeTemplate(folder.name, _first_docstring_line(entry.read_text())))
    return found


def _first_docstring_line(source: str) -> str:
    stripped = source.lstrip()
    if not stripped.startswith('"""'):
        return ""
    return stripped[3:].split("\n", 1)[0].rstrip('". ')


def template_zip(name: str) -> bytes:
    """The deployment package of one template."""
    folder = TEMPLATES_DIR / name
    if name not in {template.name for template in list_templates()}:
        raise InvalidInput(N_("There is no code template called %(name)s."), field="template",
                           name=name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not _NOT_DEPLOYED.intersection(relative.parts):
                archive.write(path, relative.as_posix())
    return buffer.getvalue()


def inline_zip(source: str, filename: str = INLINE_FILENAME) -> bytes:
    """A package holding one source file, as the inline editor saves it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(filename, date_time=(2024, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, source)
    return buffer.getvalue()


def check_upload(data: bytes) -> bytes:
    """Refuse a package AWS would refuse, or that could write outside its folder when unzipped."""
    if len(data) > MAX_ZIPPED_BYTES:
        raise InvalidInput(
            N_("The .zip is %(size)s MB; Lambda takes at most 50 MB uploaded directly."),
            field="code", size=f"{len(data) / 1024 / 1024:.1f}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as err:
        raise InvalidInput(N_("That file is not a .zip archive."), field="code") from err
    unzipped = 0
    for member in members:
        _check_member_path(member)
        unzipped += member.file_size
    if unzipped > MAX_UNZIPPED_BYTES:
        raise InvalidInput(
            N_("Unzipped, the package is %(size)s MB; Lambda allows at most 250 MB."),
            field="code", size=f"{unzipped / 1024 / 1024:.1f}")
    return data


def _check_member_path(member: zipfile.ZipInfo) -> None:
    path = PurePosixPath(member.filename.replace("\\", "/"))
    is_symlink = stat.S_ISLNK(member.external_attr >> 16)
    if path.is_absolute() or ".." in path.parts or is_symlink or ":" in path.parts[0]:
        raise InvalidInput(
            N_("The .zip holds %(path)s, which would unpack outside the function's folder. "
               "Rebuild the package with relative paths only."),
            field="code", path=member.filename)
