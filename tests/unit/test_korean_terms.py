"""Korean uses AWS Korea's console words, and no two buttons read the same in Korean.

A learner follows the AWS tutorial in Korean ("정책 - 정책 생성"), so a button must say what
AWS Korea's console says, and two different English buttons must not collapse into one Korean
label: "Create policy" and "Generate the policy" both reading "정책 생성" leave the learner
guessing which one makes the policy.
"""
from __future__ import annotations

import re
from collections import defaultdict

from webapp.config import PROJECT_ROOT

from .test_i18n import korean_catalogue

TEMPLATES = PROJECT_ROOT / "templates"
# What a person presses: <button>…</button>, <a class="button…">…</a> and submit inputs.
BUTTON = re.compile(r"<button\b[^>]*>(.*?)</button>", re.S)
LINK_BUTTON = re.compile(r"""<a\b[^>]*\bclass=["'][^"']*\bbutton\b[^"']*["'][^>]*>(.*?)</a>""", re.S)
SUBMIT_INPUT = re.compile(r"""<input\b[^>]*\btype=["']submit["'][^>]*>""", re.S)
MESSAGE = re.compile(r"""\b(?:_|gettext)\(\s*(?:"([^"]+)"|'([^']+)')""")
# English labels that truly are one action in Korean, with why.
SAME_IN_KOREAN: list[frozenset[str]] = [
    # Attach: the role page's button and the wizard's button for the policy it made.
    frozenset({"Attach policy", "Attach the policy"}),
    # Do the failed thing once more: a wizard step and the tear down.
    frozenset({"Retry", "Try again"}),
]
# Forms AWS Korea does not use, and what it writes instead.
OLD_WORDS = {"스냅숏": "스냅샷", "내려받": "다운로드"}


def button_labels() -> dict[str, set[str]]:
    """Every msgid shown on a button in the templates, with the templates it appears in."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        pieces = BUTTON.findall(text) + LINK_BUTTON.findall(text) + SUBMIT_INPUT.findall(text)
        for piece in pieces:
            for double, single in MESSAGE.findall(piece):
                found[double or single].add(str(path.relative_to(TEMPLATES)))
    return found


def korean_strings() -> dict[str, str]:
    return {entry.id: entry.string for entry in korean_catalogue()
            if isinstance(entry.id, str) and entry.id and entry.string}


def test_the_templates_have_buttons_to_check() -> None:
    labels = button_labels()
    assert {"Create policy", "Generate the policy", "Create table", "Sign out"} <= set(labels)


def test_no_two_english_buttons_share_a_korean_label() -> None:
    korean = korean_strings()
    by_korean: dict[str, set[str]] = defaultdict(set)
    for label in button_labels():
        if label in korean:
            by_korean[korean[label]].add(label)
    shared = {text: sorted(labels) for text, labels in by_korean.items()
              if len(labels) > 1 and frozenset(labels) not in SAME_IN_KOREAN}
    assert shared == {}


def test_policy_buttons_use_aws_koreas_words() -> None:
    korean = korean_strings()
    assert korean["Create policy"] == "정책 생성"
    assert korean["Generate the policy"] != korean["Create policy"]
    assert korean["Build a policy"] not in {korean["Create policy"], korean["Generate the policy"]}


def test_the_catalogue_uses_snapshot_and_download_as_aws_korea_writes_them() -> None:
    old = sorted((word, entry.id) for entry in korean_catalogue() for word in OLD_WORDS
                 for form in (entry.string if isinstance(entry.string, tuple) else (entry.string,))
                 if word in (form or ""))
    assert old == []
