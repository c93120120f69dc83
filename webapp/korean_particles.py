"""Korean particles fitted to the name they follow: "Table을", "items를", "fn-1로".

A Korean particle has two forms, chosen by whether the word before it ends in a final consonant
(받침) as it is read aloud. A translation cannot know the name it will hold, so the catalogue
writes both forms ("%(name)s을(를)") and `with_particles` picks one from the value substituted
there. AWS names are mostly Latin letters and digits, so the reading is judged the way a Korean
reader says them:

* A Hangul syllable: (code - 0xAC00) % 28 is its final consonant, 0 for none, 8 for ㄹ.
* A digit, by its Sino-Korean name: 0 영, 1 일, 3 삼, 6 육, 7 칠, 8 팔 end in a consonant (ㄹ for
  1, 7, 8); 2 이, 4 사, 5 오, 9 구 do not. A round number (10 십, 100 백, 1000 천) ends in 0 and
  in a consonant other than ㄹ either way.
* Capitals read letter by letter (a run of two or more at the end, "API", "myURL", or one letter
  alone, "table-B"), by the letter's name: L 엘 and R 알 end in ㄹ, M 엠 and N 엔 in another
  consonant, every other letter in a vowel.
* Any other Latin word, by how English loanwords are written in Hangul (an approximation):
  -l and -le (table 테이블, role 롤) end in ㄹ; -m, -n, -ng, -me, -ne (name 네임, zone 존) and
  -ck, -ic (stack 스택, public 퍼블릭) end in a consonant, as does b, p, t or k after a single
  vowel letter (web 웹, group 그룹, bucket 버킷); everything else (items 아이템스, order 오더,
  log 로그, policy 폴리시, code 코드) ends in a vowel.

Punctuation at the end of a name ("table/Orders/*", "v1)") is skipped. A name that ends in
anything else (another script, nothing readable) keeps both forms, which is still correct
Korean.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum


class Ending(Enum):
    """How a word ends when read aloud, which is all a particle looks at."""

    VOWEL = "vowel"
    CONSONANT = "consonant"
    RIEUL = "rieul"  # ㄹ: a consonant, but (으)로 takes 로 after it as after a vowel


# Each marker as the catalogue writes it, and its form after a consonant, a vowel and ㄹ.
PARTICLES: dict[str, dict[Ending, str]] = {
    "을(를)": {Ending.CONSONANT: "을", Ending.VOWEL: "를", Ending.RIEUL: "을"},
    "이(가)": {Ending.CONSONANT: "이", Ending.VOWEL: "가", Ending.RIEUL: "이"},
    "은(는)": {Ending.CONSONANT: "은", Ending.VOWEL: "는", Ending.RIEUL: "은"},
    "과(와)": {Ending.CONSONANT: "과", Ending.VOWEL: "와", Ending.RIEUL: "과"},
    "와(과)": {Ending.CONSONANT: "과", Ending.VOWEL: "와", Ending.RIEUL: "과"},
    "(으)로": {Ending.CONSONANT: "으로", Ending.VOWEL: "로", Ending.RIEUL: "로"},
    "(이)": {Ending.CONSONANT: "이", Ending.VOWEL: "", Ending.RIEUL: "이"},  # (이)라는, (이)며
}
# A %-placeholder followed at once by a marker: the value substituted there decides its form.
MARKED_PLACEHOLDER = re.compile(
    r"(%\((\w+)\)[sd])(" + "|".join(re.escape(marker) for marker in PARTICLES) + ")")

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
FINALS_PER_SYLLABLE = 28
RIEUL_FINAL = 8
DIGIT_ENDINGS = {
    "0": Ending.CONSONANT, "1": Ending.RIEUL, "2": Ending.VOWEL, "3": Ending.CONSONANT,
    "4": Ending.VOWEL, "5": Ending.VOWEL, "6": Ending.CONSONANT, "7": Ending.RIEUL,
    "8": Ending.RIEUL, "9": Ending.VOWEL,
}
LETTER_NAME_ENDINGS = {"L": Ending.RIEUL, "R": Ending.RIEUL, "M": Ending.CONSONANT,
                       "N": Ending.CONSONANT}
VOWEL_LETTERS = frozenset("aeiou")
LAST_READABLE = re.compile(r"([A-Za-z]+|[0-9]|[\uac00-\ud7a3])[^0-9A-Za-z\uac00-\ud7a3]*\Z")
TRAILING_CAPITALS = re.compile(r"[A-Z]+\Z")


def hangul_ending(syllable: str) -> Ending:
    """The ending of one Hangul syllable, from its final consonant."""
    final = (ord(syllable) - HANGUL_FIRST) % FINALS_PER_SYLLABLE
    if final == 0:
        return Ending.VOWEL
    return Ending.RIEUL if final == RIEUL_FINAL else Ending.CONSONANT


def spelled_ending(capitals: str) -> Ending:
    """The ending of capitals read letter by letter: the last letter's name."""
    return LETTER_NAME_ENDINGS.get(capitals[-1], Ending.VOWEL)


def word_ending(word: str) -> Ending:
    """The ending of a Latin word as Korean writes it (see the module's rules)."""
    word = word.lower()
    if word.endswith(("l", "le")):
        return Ending.RIEUL
    if word.endswith(("m", "n", "ng", "me", "ne", "ck", "ic")):
        return Ending.CONSONANT
    if (len(word) >= 2 and word[-1] in "bptk" and word[-2] in VOWEL_LETTERS
            and (len(word) == 2 or word[-3] not in VOWEL_LETTERS)):
        return Ending.CONSONANT
    return Ending.VOWEL


def latin_ending(letters: str) -> Ending:
    """The ending of a run of Latin letters: spelled out if it ends in capitals, else a word."""
    capitals = TRAILING_CAPITALS.search(letters)
    if len(letters) == 1 or (capitals and len(capitals.group()) >= 2):
        return spelled_ending(letters.upper())
    return word_ending(letters)


def spoken_ending(name: str) -> Ending | None:
    """How `name` ends when read aloud in Korean; None when it cannot be told."""
    last = LAST_READABLE.search(name)
    if last is None:
        return None
    token = last.group(1)
    if token in DIGIT_ENDINGS:
        return DIGIT_ENDINGS[token]
    if HANGUL_FIRST <= ord(token[-1]) <= HANGUL_LAST:
        return hangul_ending(token)
    return latin_ending(token)


def particle(marker: str, name: str) -> str:
    """The form of `marker` ("을(를)") that follows `name`; the marker itself if unknown."""
    ending = spoken_ending(name)
    return PARTICLES[marker][ending] if ending else marker


def with_particles(text: str, values: Mapping[str, object]) -> str:
    """`text` with each marker right after a placeholder fitted to the value that fills it."""
    def fitted(match: re.Match[str]) -> str:
        placeholder, key, marker = match.groups()
        if key not in values:
            return match.group()
        return placeholder + particle(marker, str(values[key]))

    return MARKED_PLACEHOLDER.sub(fitted, text)
