"""The moto code the sandbox patches is the code its patches were written for."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from webapp.sandbox import moto_patches
from webapp.sandbox.moto_patches import PATCHES, Patch

SANDBOX = Path(moto_patches.__file__).parent
REPO_ROOT = SANDBOX.parents[1]


def test_the_installed_moto_is_the_one_the_patches_were_checked_against() -> None:
    # A fresh interpreter: this one may already run the patches in place of moto's code.
    done = subprocess.run(
        [sys.executable, "-c", "import json; from webapp.sandbox.moto_patches import changed; "
                               "print(json.dumps(changed()))"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == [], "\n".join(json.loads(done.stdout))


def test_a_changed_patch_target_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_patches, "PATCHES", (
        Patch("moto.core.utils:unix_time", "nowhere.py", "a test", "000000000000"),
        Patch("moto.core.utils:gone_in_this_version", "nowhere.py", "a test", "000000000000")))
    lines = moto_patches.changed()
    assert any(line.startswith("moto.core.utils:unix_time (nowhere.py: a test) changed: "
                               "000000000000 -> ") for line in lines)
    assert any(line.endswith("-> missing") for line in lines)


@pytest.mark.parametrize("patch", PATCHES, ids=lambda patch: patch.target)
def test_each_patch_is_where_the_list_says(patch: Patch) -> None:
    name = patch.target.rpartition(":")[2].rpartition(".")[2] or patch.target.rpartition(".")[2]
    assert name in (SANDBOX / patch.by).read_text(), f"{patch.by} does not mention {name}"
