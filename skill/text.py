"""Small text tools shared by the matcher, the check-in and safety: normalising, stems, numbers."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from typing import Any

_PUNCTUATION = re.compile(r"[^\w\s']+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
# snowballstemmer's stemmers keep the word being stemmed in instance fields, so one stemmer shared
# by the endpoint's threads returns other threads' stems and raises IndexError: one per thread.
# It is imported on first use: a launch needs no stemming.
_LOCAL = threading.local()


def _stemmer() -> Any:
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return stemmer


def normalize(text: str) -> str:
    """Lower-case, straight apostrophes, punctuation removed, single spaces."""
    text = text.translate(_APOSTROPHES).lower().replace("-", " ")
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def stems(text: str) -> list[str]:
    """Word stems of normalised text ("breathing" -> "breath")."""
    return list(_stemmer().stemWords(normalize(text).split()))


def contains_phrase(haystack: Sequence[str], phrase: Sequence[str]) -> bool:
    """True when the stem sequence phrase occurs contiguously in haystack."""
    size = len(phrase)
    if not size:
        return False
    return any(list(haystack[i : i + size]) == list(phrase) for i in range(len(haystack) - size + 1))


@cache
def _rbnf(language: str) -> Any:
    """unicode-rbnf's number speller for a CLDR language (the library hassil uses); slow to build, so kept."""
    from unicode_rbnf import RbnfEngine

    return RbnfEngine.for_language(language)


@lru_cache(maxsize=1024)
def number_words(value: int, language: str = "en") -> str:
    """A whole number as spoken words in a CLDR language ("twenty five"), from unicode-rbnf."""
    return normalize(_rbnf(language).format_number(value).text)


def plural_category(count: float, language: str = "en") -> str:
    """The CLDR plural category of a count in a language ("one", "other", ...), from unicode-rbnf."""
    from unicode_rbnf.plural_rules import get_plural_category

    return str(get_plural_category(language, count))


@cache
def _number_words() -> dict[str, int]:
    """Spoken English numbers one to ninety-nine -> value, for reading lengths out of free text."""
    words = {number_words(value): value for value in range(1, 100)}
    words["a"] = 1
    words["an"] = 1
    return words


_MINUTE_WORDS = ("minute", "minutes", "min", "mins")
_DURATION_PHRASES: tuple[tuple[str, int], ...] = (
    ("an hour and a half", 90),
    ("half an hour", 30),
    ("a half hour", 30),
    ("half hour", 30),
    ("quarter of an hour", 15),
    ("quarter hour", 15),
    ("an hour", 60),
    ("one hour", 60),
)


def parse_minutes(text: str) -> int | None:
    """Minutes stated in text ("ten minutes", "5 min", "half an hour"), or None."""
    clean = normalize(text)
    for phrase, minutes in _DURATION_PHRASES:
        if re.search(rf"\b{phrase}\b", clean):
            return minutes
    tokens = clean.split()
    numbers = _number_words()
    for index, token in enumerate(tokens):
        if token not in _MINUTE_WORDS or index == 0:
            continue
        previous = tokens[index - 1]
        if previous.isdigit():
            return int(previous)
        # Two-word numbers ("twenty five") first, then single words.
        if index >= 2 and f"{tokens[index - 2]} {previous}" in numbers:
            return numbers[f"{tokens[index - 2]} {previous}"]
        if previous in numbers:
            return numbers[previous]
    return None


@lru_cache(maxsize=4096)
def phrase_stems(phrase: str) -> tuple[str, ...]:
    """Stems of a cue phrase; cue lists are fixed content, so each is stemmed once."""
    return tuple(stems(phrase))


def best_phrase_match(text: str, cues: Mapping[str, Iterable[str]]) -> str | None:
    """The key whose cue phrases match text best (longest total stem match), or None."""
    return scored_phrase_match(text, cues)[0]


def scored_phrase_match(text: str, cues: Mapping[str, Iterable[str]]) -> tuple[str | None, int]:
    """(best_phrase_match's key, its score): the sum of the squared stem lengths of its phrases found in
    text, so one one-word cue scores 1 and a two-word phrase 4; (None, 0) when nothing matches."""
    text_stems = stems(text)
    best_key, best_score = None, 0
    for key, phrases in cues.items():
        score = sum(len(s) ** 2 for s in map(phrase_stems, phrases) if contains_phrase(text_stems, s))
        if score > best_score:
            best_key, best_score = key, score
    return best_key, best_score
