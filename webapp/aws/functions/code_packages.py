"""Lambda deployment packages: templates from lambda_code/, inline sources and checked uploads."""
from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from webapp.aws.errors import N_, InvalidInput
from webapp.aws.functions.runtimes import LANGUAGES, Language
from webapp.config import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "lambda_code"
# AWS's limits for a directly uploaded package and its unzipped contents.
MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
# Files of a template that are not part of the deployed code.
_NOT_DEPLOYED = {"__pycache__", "README.md", "tests"}
# The templates' summaries (the first lines of their module docstrings or leading /** */
# comments), marked so the create page can show them translated; a summary edited in
# lambda_code/ shows as written until it is marked here.
_SUMMARIES = (
    N_("Hello world: answers with a greeting and echoes the event it got"),
    N_("Items API: CRUD over a DynamoDB table for API Gateway's Lambda proxy integration "
       "(payload 1.0)"),
    N_("Hello world (Node.js): answers with a greeting and echoes the event it got"),
    N_("Items API (Node.js): CRUD over a DynamoDB table for API Gateway's Lambda proxy "
       "integration (payload 1.0)"),
)
# How a module's summary opens, by file extension: a Python docstring, a JSDoc comment.
_SUMMARY_OPENERS = {".py": '"""', ".js": "/**", ".mjs": "/**", ".cjs": "/**"}


@dataclass(frozen=True, slots=True)
class CodeTemplate:
    """A folder of lambda_code/ offered when creating a function, for runtimes of one language."""

    name: str
    summary: str
    language: Language
    handler_file: str

    @property
    def handler(self) -> str:
        """The handler a function made from the template is created with."""
        return self.language.default_handler


def list_templates() -> list[CodeTemplate]:
    """The templates in lambda_code/: each folder holding its language's default handler file
    (lambda_function.py, or index.js/.mjs/.cjs), with the first line of that file's summary."""
    found = []
    for folder in sorted(TEMPLATES_DIR.iterdir()):
        if folder.is_dir():
            template = _read_template(folder)
            if template is not None:
                found.append(template)
    return found


def _read_template(folder: Path) -> CodeTemplate | None:
    for language in LANGUAGES:
        for filename in language.handler_candidates(language.default_handler):
            entry = folder / filename
            if entry.is_file():
                summary = _first_summary_line(entry.read_text(), _SUMMARY_OPENERS[entry.suffix])
                return CodeTemplate(folder.name, summary, language, filename)
    return None


def _first_summary_line(source: str, opener: str) -> str:
    stripped = source.lstrip()
    if not stripped.startswith(opener):
        return ""
    lines = (line.strip().lstrip("*").strip() for line in stripped[len(opener):].splitlines())
    return next((line for line in lines if line), "").rstrip('". ')


def find_template(name: str) -> CodeTemplate:
    """The template called `name`, refused beside the template field when there is none."""
    for template in list_templates():
        if template.name == name:
            return template
    raise InvalidInput(N_("There is no code template called %(name)s."), field="template",
                       name=name)


def template_zip(name: str) -> bytes:
    """The deployment package of one template."""
    folder = TEMPLATES_DIR / find_template(name).name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not _NOT_DEPLOYED.intersection(relative.parts):
                archive.write(path, relative.as_posix())
    return buffer.getvalue()


def inline_zip(source: str, filename: str) -> bytes:
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
