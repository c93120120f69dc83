"""Named test events saved per function, kept in one JSON file beside the console.

Keyed by function ARN, so the same name in another region, account or backend is another
function. Writes replace the file atomically; a lock keeps concurrent requests from losing one.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from pathlib import Path

EVENT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,25}$")
MAX_EVENTS_PER_FUNCTION = 10
_lock = threading.Lock()


class TestEventStore:
    """Saved test events in a JSON file: {function_arn: {event_name: event_json_text}}."""

    __test__ = False  # not a pytest test class, whatever its name says

    def __init__(self, path: Path) -> None:
        self._path = path

    def list(self, function_arn: str) -> dict[str, str]:
        """The function's saved events by name, in name order."""
        return dict(sorted(self._read().get(function_arn, {}).items()))

    def save(self, function_arn: str, event_name: str, event_text: str) -> None:
        """Create or replace one saved event."""
        with _lock:
            everything = self._read()
            events = everything.setdefault(function_arn, {})
            if event_name not in events and len(events) >= MAX_EVENTS_PER_FUNCTION:
                raise ValueError("too many saved events")
            events[event_name] = event_text
            self._write(everything)

    def delete(self, function_arn: str, event_name: str) -> bool:
        """Forget one saved event; False when there was none by that name."""
        with _lock:
            everything = self._read()
            events = everything.get(function_arn, {})
            if event_name not in events:
                return False
            del events[event_name]
            if not events:
                everything.pop(function_arn, None)
            self._write(everything)
            return True

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            loaded = json.loads(self._path.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _write(self, everything: dict[str, dict[str, str]]) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, draft = tempfile.mkstemp(dir=self._path.parent, prefix=".test-events-")
        with os.fdopen(descriptor, "w") as handle:
            json.dump(everything, handle, indent=1, sort_keys=True)
        os.replace(draft, self._path)
