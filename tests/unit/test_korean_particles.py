"""Korean particles follow the name as it is read: "Table을", "items를", "fn-1로"."""
from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from flask_babel import gettext, lazy_gettext, ngettext

from webapp.korean_particles import particle, with_particles

# name, 을(를), (으)로: the table a Korean reader would write by ear.
READINGS = [
    ("주문", "을", "으로"),       # 문: final ㄴ
    ("테이블", "을", "로"),       # 블: final ㄹ
    ("사과", "를", "로"),         # no final consonant
    ("items", "를", "로"),        # 아이템스
    ("Orders", "를", "로"),       # 오더스
    ("Table", "을", "로"),        # 테이블
    ("OrdersTable", "을", "로"),  # the last word is read
    ("role", "을", "로"),         # 롤
    ("stream", "을", "으로"),     # 스트림
    ("hello-function", "을", "으로"),
    ("log", "를", "로"),          # 로그
    ("policy", "를", "로"),       # 폴리시
    ("bucket", "을", "으로"),     # 버킷
    ("web", "을", "으로"),        # 웹
    ("root", "를", "로"),         # 루트: a long vowel before t
    ("fn-1", "을", "로"),         # 일
    ("v2", "를", "로"),           # 이
    ("Orders3", "을", "으로"),    # 삼
    ("6", "을", "으로"),          # 육
    ("7", "을", "로"),            # 칠
    ("9", "를", "로"),            # 구
    ("10", "을", "으로"),         # 십
    ("API", "를", "로"),          # 에이피아이
    ("myURL", "을", "로"),        # 유알엘
    ("IAM", "을", "으로"),        # 아이에이엠
    ("table-B", "를", "로"),      # 비
    ("arn:aws:dynamodb:ap-northeast-2:123456789012:table/Orders/*", "를", "로"),
    ("v1)", "을", "로"),          # punctuation at the end is skipped
]


@pytest.mark.parametrize(("name", "object_particle", "direction"), READINGS)
def test_particles_follow_the_reading_of_the_name(name: str, object_particle: str,
                                                  direction: str) -> None:
    assert particle("을(를)", name) == object_particle
    assert particle("(으)로", name) == direction


@pytest.mark.parametrize(("marker", "after_consonant", "after_vowel"), [
    ("이(가)", "Table이", "items가"), ("은(는)", "Table은", "items는"),
    ("와(과)", "Table과", "items와"), ("과(와)", "Table과", "items와"),
    ("(이)", "Table이", "items"),
])
def test_every_marker_has_its_two_forms(marker: str, after_consonant: str, after_vowel: str) -> None:
    text = "%(name)s" + marker
    assert with_particles(text, {"name": "Table"}) % {"name": "Table"} == after_consonant
    assert with_particles(text, {"name": "items"}) % {"name": "items"} == after_vowel


def test_a_name_that_cannot_be_read_keeps_both_forms() -> None:
    assert particle("을(를)", "テーブル") == "을(를)"
    assert particle("을(를)", "---") == "을(를)"


def test_only_a_marker_right_after_a_placeholder_is_fitted() -> None:
    text = "%(first)s와(과) %(second)s을(를) 보고 정책(을)를"
    assert (with_particles(text, {"first": "A", "second": "fn-1"})
            == "%(first)s와 %(second)s을 보고 정책(을)를")


@pytest.fixture
def korean(app: Flask):  # type: ignore[no-untyped-def]
    with app.test_request_context(headers={"Accept-Language": "ko"}):
        yield


@pytest.fixture
def english(app: Flask):  # type: ignore[no-untyped-def]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.mark.usefixtures("korean")
def test_python_gettext_fits_the_particle_to_the_name() -> None:
    assert gettext("Created the policy %(policy_name)s.", policy_name="items-read") == (
        "정책 items-read를 만들었습니다.")
    assert gettext("Created the policy %(policy_name)s.", policy_name="TablePolicy2") == (
        "정책 TablePolicy2를 만들었습니다.")
    assert str(lazy_gettext("Created the policy %(policy_name)s.", policy_name="Table")) == (
        "정책 Table을 만들었습니다.")


@pytest.mark.usefixtures("korean")
def test_templates_fit_the_particle_and_still_escape_the_name() -> None:
    rendered = render_template_string(
        '{{ _("Delete the saved event %(name)s?", name=name) }}|'
        '{{ gettext("Delete the saved event %(name)s?", name="fn-1") }}',
        name="<role>")
    assert rendered == "저장된 이벤트 &lt;role&gt;을 삭제할까요?|저장된 이벤트 fn-1을 삭제할까요?"


@pytest.mark.usefixtures("korean")
def test_ngettext_fits_particles_in_python_and_templates() -> None:
    singular, plural = ("Created the role %(role_name)s and attached %(num)d policy: %(policies)s.",
                        "Created the role %(role_name)s and attached %(num)d policies: %(policies)s.")
    expected = "역할 lambda-role을 생성하고 정책 2개를 연결했습니다: a, b."
    assert ngettext(singular, plural, 2, role_name="lambda-role", policies="a, b") == expected
    assert render_template_string("{{ ngettext(singular, plural, 2, role_name='lambda-role', "
                                  "policies='a, b') }}", singular=singular, plural=plural) == expected


@pytest.mark.usefixtures("english")
def test_english_comes_out_untouched() -> None:
    assert gettext("Created the policy %(policy_name)s.", policy_name="Table") == (
        "Created the policy Table.")
    assert render_template_string(
        '{{ _("Delete the policy %(policy_name)s?", policy_name="items") }}') == (
        "Delete the policy items?")
