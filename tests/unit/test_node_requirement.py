"""Node.js tests skip on a machine without node, but never in CI (REQUIRE_NODE=1), where a
missing node or SDK must fail them."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import helpers


@pytest.mark.parametrize(("required", "skipped"), [(False, True), (True, False)])
def test_without_node_tests_skip_unless_node_is_required(
        monkeypatch: pytest.MonkeyPatch, required: bool, skipped: bool) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(helpers, "NODE_REQUIRED", required)
    assert helpers.needs_node().args[0] is skipped


@pytest.mark.parametrize(("required", "skipped"), [(False, True), (True, False)])
def test_without_the_sdk_tests_skip_unless_node_is_required(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, required: bool, skipped: bool) -> None:
    monkeypatch.setattr(helpers, "NODE_REQUIRED", required)
    assert helpers.needs_node_sdk(tmp_path).args[0] is skipped
