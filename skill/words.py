"""The small words sentences are built from (prompts/words.yaml): lists, plurals, numbers, titles, offers.

Handlers and the offline runner join, count and name things through a `Words` object, so that no
English sits in Python. Number names and CLDR plural categories come from unicode-rbnf (already
here through hassil). List joining is written here: CLDR's list patterns are the data, but no
library in KindWell's dependencies applies them, and English CLDR's "or" list has a serial comma
("three, five, or ten") that KindWell's speech does not, so the patterns live in words.yaml.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .prompt_files import YamlFile
from .text import number_words, plural_category

#: CLDR's plural categories; a word form in words.yaml is keyed by one of these.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
#: List kinds the skill joins with, and the parts of each pattern.
LIST_KINDS = ("and", "or")
LIST_PARTS = ("two", "start", "middle", "end")
#: Words the skill counts with (words.yaml `plurals:`).
PLURAL_WORDS = ("practice", "day", "minute")
#: Titles the skill shows, and the placeholders it fills in each.
TITLES: Mapping[str, frozenset[str]] = {
    "affirmation_card": frozenset(),
    "audio": frozenset({"title"}),
    "audio_subtitle": frozenset({"minutes", "minute_word"}),
}


def placeholders(template: str) -> set[str]:
    """The {names} a str.format template uses; ValueError for a malformed one ("{title" or "{}")."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    if "" in names:
        raise ValueError("an empty {} placeholder")
    return names


@dataclass(frozen=True)
class ListPattern:
    """A CLDR list pattern: how two items are joined, and the start, middle and end of longer lists."""

    two: str
    start: str
    middle: str
    end: str

    def join(self, items: Sequence[str]) -> str:
        """The items as one phrase ("a, b, and c")."""
        if len(items) <= 1:
            return "".join(items)
        if len(items) == 2:
            return self.two.format(*items)
        phrase = self.end.format(items[-2], items[-1])
        for item in reversed(items[1:-2]):
            phrase = self.middle.format(item, phrase)
        return self.start.format(items[0], phrase)


@dataclass(frozen=True)
class Offers:
    """What KindWell offers when the listener has not said."""

    minutes: int
    """The length offered with the practice a check-in suggests, in minutes."""
    meditation: str
    """The practice id for "a five minute meditation", when no practice is named."""
    suggested: tuple[str, ...]
    """Practice ids named when KindWell asks which practice to start."""


@dataclass(frozen=True)
class Words:
    """prompts/words.yaml: joining, counting and naming, titles, offers, and the runner's own words."""

    language: str
    """CLDR language of number names and plural rules."""
    lists: Mapping[str, ListPattern]
    plurals: Mapping[str, Mapping[str, str]]
    """Word -> CLDR plural category -> form."""
    practice_in_list: str
    titles: Mapping[str, str]
    offers: Offers
    wake_phrases: tuple[str, ...]
    """Phrases that open a session in the offline runner."""
    barge_in: Mapping[str, str] = field(default_factory=dict)
    """Word heard during playback -> the intent it sends (offline runner)."""

    def join(self, items: Iterable[str], kind: str = "and") -> str:
        """Items joined as one phrase with the `and` or `or` pattern."""
        return self.lists[kind].join(list(items))

    def plural(self, count: float, word: str) -> str:
        """The form of word for count ("day" for 1, "days" for 3)."""
        forms = self.plurals[word]
        return forms.get(plural_category(count, self.language)) or forms["other"]

    def number(self, value: int) -> str:
        """A whole number as spoken words ("twenty five")."""
        return number_words(value, self.language)

    @cached_property
    def digit_names(self) -> tuple[str, ...]:
        """The names of the digits 0-9, for reading a number digit by digit."""
        return tuple(self.number(digit) for digit in range(10))

    def spell(self, text: str) -> str:
        """Digits named one by one, other characters kept, spaces dropped ("988" -> "nine eight eight")."""
        return spell(text, self.digit_names)

    def practice_list(self, titles: Iterable[str]) -> str:
        """Practice titles as one spoken list ("the mindful pause, the soothing breath, and the ...")."""
        return self.join(self.practice_in_list.format(title=title) for title in titles)

    def lengths(self, minutes: Iterable[int]) -> str:
        """Offered lengths as spoken ("three, five or ten")."""
        return self.join((self.number(m) for m in minutes), "or")

    def title(self, key: str, **values: object) -> str:
        """A screen title by key, its placeholders filled."""
        return self.titles[key].format(**values)


def spell(text: str, digit_names: Sequence[str]) -> str:
    """Digits named one by one with digit_names (zero to nine), other characters kept, spaces dropped."""
    return " ".join(digit_names[int(c)] if c.isdecimal() else c for c in text if not c.isspace())


def load_words(file: YamlFile, practice_ids: Iterable[str], lengths: Sequence[int]) -> Words:
    """prompts/words.yaml, checked: every pattern, form and title the skill uses, and the practices it names."""
    language = str(file.get("language") or "")
    if not language.replace("_", "").replace("-", "").isalnum():
        raise file.error("`language:` must be a CLDR language code such as en.", "language")
    return Words(
        language=language,
        lists=_lists(file),
        plurals=_plurals(file),
        practice_in_list=_template(file, ("practice_in_list",), {"title"}),
        titles={key: _template(file, ("titles", key), names) for key, names in TITLES.items()},
        offers=_offers(file, set(practice_ids), lengths),
        wake_phrases=file.strings("wake_phrases", what="wake phrases", empty=False),
        barge_in=_barge_in(file),
    )


def _template(file: YamlFile, keys: tuple[str, ...], allowed: Iterable[str]) -> str:
    raw = file.get(*keys)
    if not isinstance(raw, str) or not raw.strip():
        raise file.error(f"`{keys[-1]}:` is missing; KindWell uses it, so write it as text.", *keys)
    check_placeholders(file, raw, set(allowed), *keys)
    return " ".join(raw.split())


def check_placeholders(file: YamlFile, template: str, allowed: set[str], *keys: Any) -> None:
    """A ContentError naming file and line when a template is malformed or uses a placeholder not in allowed."""
    try:
        used = placeholders(template)
    except ValueError as err:
        raise file.error(f"{template!r} has a malformed placeholder ({err}); write each as {{name}}.", *keys) from err
    unknown = sorted(used - allowed)
    if unknown:
        offered = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
        raise file.error(
            f"{template!r} uses {{{unknown[0]}}}, which KindWell does not fill there (it fills: {offered}); "
            "remove it or use one of those.",
            *keys,
        )


def _lists(file: YamlFile) -> dict[str, ListPattern]:
    patterns: dict[str, ListPattern] = {}
    for kind in LIST_KINDS:
        parts = [_template(file, ("lists", kind, part), {"0", "1"}) for part in LIST_PARTS]
        for part, pattern in zip(LIST_PARTS, parts, strict=True):
            if placeholders(pattern) != {"0", "1"}:
                raise file.error(f"the {kind} list's `{part}:` must hold both {{0}} and {{1}}.", "lists", kind, part)
        patterns[kind] = ListPattern(*parts)
    return patterns


def _plurals(file: YamlFile) -> dict[str, dict[str, str]]:
    plurals: dict[str, dict[str, str]] = {}
    table = file.mapping("plurals", what="words to their forms by CLDR plural category")
    for word in PLURAL_WORDS:
        forms = table.get(word)
        if not isinstance(forms, dict) or not isinstance(forms.get("other"), str):
            raise file.error(f"`{word}:` needs its forms, at least `other:`; KindWell counts with it.", "plurals", word)
        for category in forms:
            if category not in PLURAL_CATEGORIES:
                raise file.error(
                    f"{category!r} is not a CLDR plural category; use {', '.join(PLURAL_CATEGORIES)}.",
                    "plurals",
                    word,
                    category,
                )
        plurals[word] = {str(category): " ".join(str(form).split()) for category, form in forms.items()}
    return plurals


def _offers(file: YamlFile, practice_ids: set[str], lengths: Sequence[int]) -> Offers:
    minutes = file.get("offers", "minutes")
    if minutes not in lengths or isinstance(minutes, bool):
        offered = ", ".join(str(m) for m in lengths)
        raise file.error(f"`minutes:` must be one of the offered lengths ({offered}).", "offers", "minutes")
    named: dict[str, tuple[str, ...]] = {
        "meditation": (str(file.get("offers", "meditation") or ""),),
        "suggested": file.strings("offers", "suggested", what="practice ids", empty=False),
    }
    for key, ids in named.items():
        for index, practice_id in enumerate(ids):
            if practice_id not in practice_ids:
                where = ("offers", key, index) if key == "suggested" else ("offers", key)
                raise file.error(
                    f"{practice_id!r} has no file in prompts/practices/; use one of its file names.", *where
                )
    return Offers(int(minutes), named["meditation"][0], named["suggested"])


def _barge_in(file: YamlFile) -> dict[str, str]:
    table = file.mapping("barge_in", what="command words to the intent each sends")
    if not table:
        raise file.error("`barge_in:` needs at least one word, such as `stop: AMAZON.StopIntent`.", "barge_in")
    commands: dict[str, str] = {}
    for word, intent in table.items():
        if not isinstance(intent, str) or not intent:
            raise file.error(f"{word!r} must name the intent it sends.", "barge_in", word)
        commands[" ".join(str(word).split())] = intent
    return commands
