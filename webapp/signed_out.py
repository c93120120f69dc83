"""Sessions that signed out, kept on the server so that their cookie can never sign in again.

The console's session is a signed cookie, which the browser keeps whatever the server does:
clearing it at sign-out is undone when a response to a request made before the sign-out (the
dashboard's map, say, still reading the region) arrives afterwards with the old cookie, and a
copied cookie stays good until it expires. So each sign-in gets a random id, and signing out
records that id here until the session could have lived no longer; a session whose id is here
is signed out.

The record is a file of JSON lines (`{"id": …, "until": epoch seconds}`), appended and flushed
to disk before the sign-out is answered, so it holds across restarts; lines past their `until`
are dropped when the file is read at start. A line that cannot be read is skipped.
"""
from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path


class SignedOutSessions:
    """The ids of signed-out sessions, with how long each must stay refused."""

    def __init__(self, path: Path, now: Callable[[], float] = time.time) -> None:
        self.path = path
        self._now = now
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}
        self._load()

    def __contains__(self, session_id: object) -> bool:
        with self._lock:
            until = self._until.get(session_id) if isinstance(session_id, str) else None
            return until is not None and until > self._now()

    def add(self, session_id: str, until: float) -> None:
        """Refuse `session_id` until `until` (epoch seconds); on disk when this returns."""
        line = json.dumps({"id": session_id, "until": until}) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as record:
                record.write(line)
                record.flush()
                os.fsync(record.fileno())
            self._until[session_id] = until

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        now = self._now()
        for line in lines:
            try:
                entry = json.loads(line)
                session_id, until = entry["id"], float(entry["until"])
            except (ValueError, TypeError, KeyError):
                continue
            if isinstance(session_id, str) and until > now:
                self._until[session_id] = until
        if len(self._until) < len(lines):
            self._rewrite()

    def _rewrite(self) -> None:
        """Keep only the live lines: written beside the file, then renamed over it."""
        draft = self.path.with_name(f"{self.path.name}.{os.getpid()}")
        with open(draft, "w", encoding="utf-8") as record:
            for session_id, until in self._until.items():
                record.write(json.dumps({"id": session_id, "until": until}) + "\n")
            record.flush()
            os.fsync(record.fileno())
        os.replace(draft, self.path)
