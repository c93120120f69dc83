"""The record of signed-out sessions (webapp/signed_out.py): durable, bounded, tolerant."""
from __future__ import annotations

import json
from pathlib import Path

from webapp.signed_out import SignedOutSessions

NOW = 1_000_000.0


def test_an_id_is_refused_until_its_time_and_read_back_by_a_new_record(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "signed-out.jsonl"
    record = SignedOutSessions(path, now=lambda: NOW)
    record.add("abc", NOW + 60)
    assert "abc" in record and "other" not in record and None not in record
    assert "abc" in SignedOutSessions(path, now=lambda: NOW + 59)
    assert "abc" not in SignedOutSessions(path, now=lambda: NOW + 61)


def test_lines_past_their_time_and_unreadable_lines_are_dropped_at_start(tmp_path: Path) -> None:
    path = tmp_path / "signed-out.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "old", "until": NOW - 1}),
        "not json",
        json.dumps({"id": 7, "until": NOW + 10}),
        json.dumps({"until": NOW + 10}),
        json.dumps({"id": "live", "until": NOW + 10}),
    ]) + "\n")
    record = SignedOutSessions(path, now=lambda: NOW)
    assert "live" in record and "old" not in record
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["live"]
