"""Static files under URLs that name their content, so a browser keeps them until they change.

Every page loads the stylesheet, htmx and console.js. Served plainly, each navigation asked the
console again for all three (answered "not modified", but a request each). `url_for("static")`
now adds `v=`, the first hex digits of the file's SHA-256, and a request carrying the current
version is answered with a year's max-age, as the AWS console does for its assets; any other
(no version, or an old one) gets Flask's default, `no-cache`. A file edited while the console
runs gets a new version on the next page.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, request

VERSION_ARG = "v"
CACHED_SECONDS = 365 * 24 * 3600
DIGEST_CHARACTERS = 12


class StaticVersions:
    """The content version of each file in a folder, worked out again when the file changes."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder.resolve()
        self._known: dict[str, tuple[int, int, str]] = {}

    def version(self, filename: str) -> str | None:
        """The file's version, or None for a name outside the folder or no file at all.

        Every page asks for a few of these: a file already known costs one stat."""
        path = self._folder / filename
        try:
            stat = path.stat()
            known = self._known.get(filename)
            if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
                return known[2]
            if not path.resolve().is_relative_to(self._folder):
                return None
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_CHARACTERS]
        except OSError:
            return None
        self._known[filename] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest


def install(app: Flask) -> None:
    """Version the app's static URLs and let browsers cache the current versions."""
    if app.static_folder is None:
        return
    versions = StaticVersions(Path(app.static_folder))

    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and VERSION_ARG not in values and "filename" in values:
            version = versions.version(values["filename"])
            if version is not None:
                values[VERSION_ARG] = version

    def max_age(filename: str | None) -> int | None:
        asked = request.args.get(VERSION_ARG)
        if filename is not None and asked is not None and asked == versions.version(filename):
            return CACHED_SECONDS
        return None

    app.url_defaults(add_version)
    app.get_send_file_max_age = max_age  # type: ignore[method-assign]
