"""The recognizer's grammar, compiled from the same templates as the Alexa model and the matcher.

Vosk takes a list of phrases and lets any sequence of them through (a loop of phrases), so the
templates are cut into their fixed fragments plus the values of their lists; that keeps the grammar
to a few thousand phrases where the fully expanded templates would be tens of millions of
sentences. What Vosk hears is then snapped (rapidfuzz) to the nearest template sentence, with the
list values it heard put back in, before the matcher sees it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process

from skill.language import PLACEHOLDER
from skill.prompts import Prompts, default_prompts
from skill.text import normalize

#: Lists whose values are cut out of a transcript before snapping, longest phrase first.
SLOT_LISTS = ("duration", "practice", "bells", "feeling", "minutes")
_MINUTE_WORDS = ("minute", "minutes", "min")
#: The example file whose crisis sentences are grammar phrases: the plainly worded core set. The other
#: files' indirect phrasings teach the classifier and are heard through the open recognizer.
GRAMMAR_EXAMPLES = "safety_examples.yaml"


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


def template_grammar(prompts: Prompts | None = None, wake_phrases: Iterable[str] | None = None) -> CommandGrammar:
    """The command grammar from the Prompts (default: prompts_dir()'s): templates, the one table of slot
    fillers, crisis examples, alarm phrases and wake phrases (words.yaml's unless given), with the words of
    every safety example for the vocabulary check."""
    prompts = prompts or default_prompts()
    language = prompts.language
    sentences: set[str] = set()
    for name in language.intents.intents:
        sentences.update(normalize_template(s) for s in language.expand(name, expand_lists=False))
    values = prompts.fillers.for_grammar()
    # PLACEHOLDER.split alternates text and captured list names: keep the text only.
    fragments = {part.strip() for s in sentences for part in PLACEHOLDER.split(s)[::2] if part.strip()}
    wake = prompts.words.wake_phrases if wake_phrases is None else tuple(wake_phrases)
    alarms = prompts.safety.spoken_alarms
    crisis = prompts.safety_examples.by_file.get(GRAMMAR_EXAMPLES, {}).get("crisis", ())
    phrases = (
        fragments
        | {v for vs in values.values() for v in vs}
        | {normalize(p) for p in wake}
        | {normalize(example) for example in crisis}
        | set(alarms)
    )
    return CommandGrammar(
        phrases=tuple(sorted(p for p in phrases if p)),
        sentences=tuple(sorted(sentences)),
        values={name: values[name] for name in SLOT_LISTS if name in values},
        alarms=alarms,
        safety_words=frozenset(safety_example_words(prompts)) | {w for alarm in alarms for w in alarm.split()},
    )


def spoken_alarms(prompts: Prompts | None = None) -> tuple[str, ...]:
    """The alarm phrases of prompts/safety.yaml (`spoken_alarm`), normalised, longest first."""
    return (prompts or default_prompts()).safety.spoken_alarms


def safety_example_words(prompts: Prompts | None = None) -> set[str]:
    """Every word of every example in prompts/safety_examples*.yaml, normalised (read through the Prompts)."""
    return (prompts or default_prompts()).safety_examples.words()


def normalize_template(sentence: str) -> str:
    """A template sentence normalised like a transcript, its {placeholders} kept."""
    parts = PLACEHOLDER.split(sentence)
    # split() alternates text and captured names: rebuild with names in braces.
    rebuilt = [normalize(part) if i % 2 == 0 else "{" + part + "}" for i, part in enumerate(parts)]
    return " ".join(" ".join(rebuilt).split())
