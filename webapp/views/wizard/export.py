"""Take the wizard's backend away: the SAM template, the AWS CLI script, or both in a .zip.

Each is made from the session's Plan (webapp.wizard.export), so the names are the ones the user
chose; nothing is read from AWS. Downloads are never cached.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue

from webapp.aws import clients
from webapp.wizard import export
from webapp.views.wizard.pages import load_state

bp = Blueprint("export", __name__)

YAML_MIMETYPE = "text/yaml"
SHELL_MIMETYPE = "text/x-shellscript"


def _download(body: bytes | str, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "inline" if inline else "attachment",
                         filename=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export/sam.zip")
def export_sam_zip() -> ResponseReturnValue:
    """template.yaml, src/, deploy-with-cli.sh and README.md in one .zip."""
    plan, _made, _done = load_state()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", plan.api_name).strip("-.") or "wizard"
    return _download(export.export_zip(plan, clients.current_region()), "application/zip",
                     f"{stem[:100]}-sam.zip")


@bp.get("/export/template.yaml")
def export_template() -> ResponseReturnValue:
    """The AWS SAM template, shown in the browser."""
    plan, _made, _done = load_state()
    return _download(export.sam_template(plan), YAML_MIMETYPE, export.TEMPLATE_FILE, inline=True)


@bp.get("/export/deploy.sh")
def export_script() -> ResponseReturnValue:
    """The AWS CLI script on its own (it expects the function's code in src/ beside it)."""
    plan, _made, _done = load_state()
    return _download(export.cli_script(plan, clients.current_region()), SHELL_MIMETYPE,
                     export.SCRIPT_FILE)
