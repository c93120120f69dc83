"""The Korean catalogue is complete: every UI message has a Korean translation."""
from __future__ import annotations

import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from webapp.config import PROJECT_ROOT

KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted_messages() -> set[str]:
    with open(PROJECT_ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(PROJECT_ROOT, method_map, options_map, KEYWORDS):
        found.update(message if isinstance(message, tuple) else (message,))
    return {message for message in found if message}


def korean_catalogue():  # type: ignore[no-untyped-def]
    with open(PROJECT_ROOT / "webapp/translations/ko/LC_MESSAGES/messages.po", "rb") as po:
        return read_po(po, locale="ko")


def test_extraction_finds_the_ui_strings() -> None:
    messages = extracted_messages()
    assert {"Dashboard", "Sign in", "Setup wizard"} <= messages
    assert any(message.startswith("Cannot reach the AWS endpoint") for message in messages)


def translated_messages() -> set[str]:
    """Every msgid with a finished Korean translation; both forms of a plural entry count."""
    done: set[str] = set()
    for entry in korean_catalogue():
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.id and all(forms) and not entry.fuzzy:
            done.update(entry.id if isinstance(entry.id, tuple) else (entry.id,))
    return done


def test_every_message_has_a_korean_translation() -> None:
    missing = sorted(extracted_messages() - translated_messages())
    assert missing == [], "untranslated in ko (run `make extract-messages`, then translate):"


def test_korean_translations_keep_every_placeholder() -> None:
    for entry in korean_catalogue():
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set().union(*(PLACEHOLDER.findall(text) for text in ids))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == expected, entry.id
