"""Static files: URLs that name their content, cached by the browser until the content changes."""
from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import Path

from flask.testing import FlaskClient

from webapp.static_versions import CACHED_SECONDS, StaticVersions

ASSET = re.compile(r'(?:src|href)="(/static/[^"?]+)\?v=([0-9a-f]{12})"')


def test_every_page_asset_names_its_version_and_is_cached_for_a_year(
        signed_in: FlaskClient) -> None:
    assets = dict(ASSET.findall(signed_in.get("/").text))
    assert {"/static/css/console.css", "/static/js/console.js"} <= set(assets)
    assert any(path.endswith("/htmx.min.js") for path in assets)
    for path, version in assets.items():
        reply = signed_in.get(f"{path}?v={version}")
        assert reply.status_code == HTTPStatus.OK
        assert reply.headers["Cache-Control"] == f"public, max-age={CACHED_SECONDS}"


def test_an_asset_asked_without_its_current_version_is_checked_every_time(
        client: FlaskClient) -> None:
    for query in ("", "?v=000000000000", "?v="):
        reply = client.get(f"/static/css/console.css{query}")
        assert reply.status_code == HTTPStatus.OK
        assert reply.headers["Cache-Control"] == "no-cache"


def test_an_edited_file_gets_a_new_version(tmp_path: Path) -> None:
    (tmp_path / "app.css").write_text("body { color: black; }")
    versions = StaticVersions(tmp_path)
    first = versions.version("app.css")
    assert first is not None and re.fullmatch(r"[0-9a-f]{12}", first)
    assert versions.version("app.css") == first
    (tmp_path / "app.css").write_text("body { color: navy; }")
    assert versions.version("app.css") not in (None, first)


def test_no_version_for_a_missing_file_or_a_name_outside_the_folder(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "secret.txt").write_text("not served")
    versions = StaticVersions(tmp_path / "static")
    assert versions.version("missing.js") is None
    assert versions.version("../secret.txt") is None
