"""The recognizer's grammar, compiled from the same templates as the Alexa model and the matcher.

Vosk takes a list of phrases and lets any sequence of them through (a loop of phrases), so the
templates are cut into their fixed fragments plus the values of their lists; that keeps the grammar
to a few thousand phrases where the fully expanded templates would be tens of millions of
sentences. What Vosk hears is then snapped (rapidfuzz) to the nearest template sentence, with the
list values it heard put back in, before the matcher sees it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from rapidfuzz import fuzz, process

from skill.content import load_yaml, prompts_dir
from skill.errors import ContentError
from skill.language import PLACEHOLDER, Language, default_language
from skill.safety_model import example_files
from skill.text import normalize, number_words

from .settings import WAKE_PHRASES

#: Lists whose values are cut out of a transcript before snapping, longest phrase first.
SLOT_LISTS = ("duration", "practice", "bells", "feeling", "minutes")
_MINUTE_WORDS = ("minute", "minutes", "min")


@dataclass(frozen=True)
class VocabularyReport:
    """Which grammar words the recognizer's model knows."""

    words: frozenset[str]
    """Every word checked: the grammar's, and those of every safety example and alarm phrase."""
    missing: tuple[str, ...]
    safety_missing: tuple[str, ...] = ()
    """The missing words that safety examples or alarm phrases use: crisis language with them cannot be heard."""

    @property
    def complete(self) -> bool:
        """True when every word can be heard."""
        return not self.missing

    def summary(self) -> str:
        """One line for the user, naming what cannot be heard."""
        if self.complete:
            return f"All {len(self.words)} words KindWell listens for are in the model's vocabulary."
        line = (
            f"{len(self.missing)} of {len(self.words)} words KindWell listens for are not in the model's "
            f"vocabulary and cannot be heard: {_shown(self.missing)}."
        )
        if self.safety_missing:
            line += (
                f" {len(self.safety_missing)} of them are in crisis examples or alarm phrases, so crisis "
                "language that uses them cannot be recognised offline; pass --model PATH to a larger model."
            )
        return line


def _shown(words: tuple[str, ...], limit: int = 12) -> str:
    more = f" and {len(words) - limit} more" if len(words) > limit else ""
    return ", ".join(words[:limit]) + more


@dataclass(frozen=True)
class CommandGrammar:
    """Phrases for the recognizer, and the sentences and list values to snap its text to."""

    phrases: tuple[str, ...]
    """Grammar entries handed to Vosk (fragments, list values, wake phrases, crisis examples)."""
    sentences: tuple[str, ...]
    """Template sentences with {list} placeholders: what transcripts are snapped to."""
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """List name -> spoken values, as they fill the placeholders."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Spoken phrase -> the text the matcher receives (a phrasebook for another language's model)."""
    alarms: tuple[str, ...] = ()
    """Phrases that mean crisis when heard while KindWell speaks or plays (also grammar phrases)."""
    safety_words: frozenset[str] = frozenset()
    """Every word of every safety example and alarm phrase. The open recognizer hears crisis language
    only in words its model knows, so the vocabulary check covers these as well as the grammar's."""

    def vocabulary(self) -> frozenset[str]:
        """Every word the grammar can produce."""
        return frozenset(word for phrase in self.phrases for word in phrase.split())

    def check(self, is_known: Callable[[str], bool]) -> VocabularyReport:
        """Check every word against a model's vocabulary up front (Vosk drops unknown words silently)."""
        words = self.vocabulary() | self.safety_words
        missing = tuple(sorted(w for w in words if not is_known(w)))
        return VocabularyReport(words, missing, tuple(w for w in missing if w in self.safety_words))

    def restricted_to(self, is_known: Callable[[str], bool]) -> CommandGrammar:
        """The grammar without phrases holding words the model cannot hear."""
        kept = tuple(p for p in self.phrases if all(is_known(w) for w in p.split()))
        alarms = tuple(p for p in self.alarms if all(is_known(w) for w in p.split()))
        return replace(self, phrases=kept, alarms=alarms)

    def vosk_phrases(self, unknown_word: str | None) -> list[str]:
        """The JSON list Vosk takes, with the unknown-word symbol so other speech is rejected."""
        return [*self.phrases, unknown_word] if unknown_word else list(self.phrases)

    def snap(self, text: str, min_score: float) -> str:
        """The nearest template sentence to what was heard, its list values kept; text when none is near."""
        clean = normalize(strip_unknown(text))
        if clean in self.aliases:
            return self.aliases[clean]
        if not clean or not self.sentences:
            return clean
        abstract, heard = abstract_values(clean, self.values)
        best = process.extractOne(abstract, self.sentences, scorer=fuzz.ratio, score_cutoff=min_score)
        if best is None:
            return clean
        filled = fill_values(str(best[0]), heard)
        # Placeholders hide differences inside list values: check the filled sentence too.
        if filled is None or fuzz.ratio(clean, filled) < min_score:
            return clean
        return self.aliases.get(filled, filled)


def strip_unknown(text: str) -> str:
    """Text without unknown-word symbols ("[unk]", "<unk>")."""
    return " ".join(w for w in text.split() if not (w.startswith(("[", "<")) and w.endswith(("]", ">"))))


def abstract_values(text: str, values: Mapping[str, tuple[str, ...]]) -> tuple[str, dict[str, list[str]]]:
    """Text with list values replaced by {list}, and the values heard per list in order."""
    candidates = sorted(
        ((phrase, name) for name in SLOT_LISTS for phrase in values.get(name, ())),
        key=lambda item: -len(item[0].split()),
    )
    tokens = text.split()
    out: list[str] = []
    heard: dict[str, list[str]] = {}
    index = 0
    while index < len(tokens):
        for phrase, name in candidates:
            words = phrase.split()
            if tokens[index : index + len(words)] != words:
                continue
            following = tokens[index + len(words)] if index + len(words) < len(tokens) else ""
            # A bare "one" is a word ("next one"), a number only when minutes follow it.
            if name == "minutes" and phrase == "one" and following not in _MINUTE_WORDS:
                continue
            out.append("{" + name + "}")
            heard.setdefault(name, []).append(phrase)
            index += len(words)
            break
        else:
            out.append(tokens[index])
            index += 1
    return " ".join(out), heard


def fill_values(sentence: str, heard: Mapping[str, list[str]]) -> str | None:
    """Put heard values back into a template sentence's placeholders (None if one is missing)."""
    used: dict[str, int] = {}
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        position = used.get(name, 0)
        options = heard.get(name) or []
        if position >= len(options):
            missing = True
            return ""
        used[name] = position + 1
        return options[position]

    filled = PLACEHOLDER.sub(value, sentence)
    return None if missing else " ".join(filled.split())


def template_grammar(
    language: Language | None = None,
    prompts: Path | None = None,
    wake_phrases: Iterable[str] = WAKE_PHRASES,
) -> CommandGrammar:
    """The English command grammar from prompts/: templates, lists, feelings, crisis examples, alarm
    phrases and wake phrases, with the words of every safety example for the vocabulary check."""
    language = language or default_language()
    root = prompts or prompts_dir()
    sentences: set[str] = set()
    for name in language.intents.intents:
        sentences.update(normalize_template(s) for s in language.expand(name, expand_lists=False))
    checkin = load_yaml(root / "checkin.yaml")
    feelings = sorted({normalize(str(w)) for theme in checkin["themes"].values() for w in theme["words"]})
    values: dict[str, tuple[str, ...]] = {
        "practice": tuple(sorted({normalize(p) for p, _ in language.list_values("practice")})),
        "duration": tuple(sorted({normalize(p) for p, _ in language.list_values("duration")})),
        "bells": tuple(sorted({normalize(p) for p, _ in language.list_values("bells")})),
        "minutes": tuple(number_words(n) for n in range(1, 61)),
        "feeling": tuple(feelings),
    }
    # PLACEHOLDER.split alternates text and captured list names: keep the text only.
    fragments = {part.strip() for s in sentences for part in PLACEHOLDER.split(s)[::2] if part.strip()}
    crisis = load_yaml(root / "safety_examples.yaml").get("crisis", [])
    alarms = spoken_alarms(root)
    phrases = (
        fragments
        | {v for vs in values.values() for v in vs}
        | {normalize(p) for p in wake_phrases}
        | {normalize(str(example)) for example in crisis}
        | set(alarms)
    )
    return CommandGrammar(
        phrases=tuple(sorted(p for p in phrases if p)),
        sentences=tuple(sorted(sentences)),
        values=values,
        alarms=alarms,
        safety_words=frozenset(safety_example_words(root)) | {w for alarm in alarms for w in alarm.split()},
    )


def spoken_alarms(root: Path | None = None) -> tuple[str, ...]:
    """The alarm phrases of prompts/safety.yaml (`spoken_alarm`), normalised, longest first."""
    path = (root or prompts_dir()) / "safety.yaml"
    raw = load_yaml(path).get("spoken_alarm") or []
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ContentError(f"{path}: spoken_alarm must be a list of phrases; write each as a `- phrase` line.")
    phrases = {normalize(item) for item in raw} - {""}
    return tuple(sorted(phrases, key=lambda p: (-len(p.split()), p)))


def safety_example_words(root: Path | None = None) -> set[str]:
    """Every word of every item under every key of prompts/safety_examples*.yaml, normalised."""
    words: set[str] = set()
    for path in example_files(root or prompts_dir()):
        for text in _texts(load_yaml(path)):
            words.update(normalize(text).split())
    return words


def _texts(value: object) -> Iterator[str]:
    """The strings anywhere in a YAML value (lists and mappings of examples, however nested)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def normalize_template(sentence: str) -> str:
    """A template sentence normalised like a transcript, its {placeholders} kept."""
    parts = PLACEHOLDER.split(sentence)
    # split() alternates text and captured names: rebuild with names in braces.
    rebuilt = [normalize(part) if i % 2 == 0 else "{" + part + "}" for i, part in enumerate(parts)]
    return " ".join(" ".join(rebuilt).split())
