"""The one source of language: hassil templates in prompts/language/, loaded once.

From these templates come the Alexa interaction model, the offline matcher and the offline
recognizer's vocabulary, so a sentence added here is understood everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hassil import Intents, RangeSlotList, TextSlotList
from hassil.expression import Sentence
from hassil.sample import sample_sentence

from .content import load_yaml, prompts_dir
from .errors import ContentError
from .template_check import parse_intents

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class SlotSpec:
    """How a template list appears in the Alexa model."""

    list_name: str
    slot_name: str
    alexa_type: str
    custom: bool
    """True when the type is a custom slot type built from the list's values."""


@dataclass(frozen=True)
class Language:
    """Templates, lists and the Alexa mapping for one language."""

    intents: Intents
    alexa: Mapping[str, Any]
    slots: Mapping[str, SlotSpec]
    path: Path

    @property
    def custom_intents(self) -> tuple[str, ...]:
        """Custom intent names, in model order."""
        return tuple(self.alexa["custom_intents"])

    @property
    def builtin_intents(self) -> tuple[str, ...]:
        """Built-in AMAZON.* intent names declared in the model."""
        return tuple(self.alexa["builtin_intents"])

    def templates(self, intent_name: str) -> list[Sentence]:
        """Parsed sentence templates of one intent."""
        intent = self.intents.intents.get(intent_name)
        if intent is None:
            return []
        return [sentence for data in intent.data for sentence in data.sentences]

    def expand(self, intent_name: str, *, expand_lists: bool) -> Iterator[str]:
        """Every sentence an intent's templates produce, lists expanded or left as {list}."""
        for sentence in self.templates(intent_name):
            yield from self.expand_sentence(sentence, expand_lists=expand_lists)

    def expand_sentence(self, sentence: Sentence, *, expand_lists: bool = False) -> Iterator[str]:
        """Every text one template produces, lists expanded or left as {list}."""
        for text in sample_sentence(
            sentence,
            self.intents.slot_lists,
            self.intents.expansion_rules,
            expand_lists=expand_lists,
            expand_ranges=True,
            language="en",
        ):
            yield " ".join(text.split())

    def practice_synonyms(self) -> dict[str, list[str]]:
        """Practice id -> every phrase the templates accept for it (first is the primary name)."""
        practice_list = self.intents.slot_lists.get("practice")
        if not isinstance(practice_list, TextSlotList):
            raise ContentError("prompts/language/en.yaml must define a `practice` list with values.")
        result: dict[str, list[str]] = {}
        for value in practice_list.values:
            phrases = result.setdefault(str(value.value_out), [])
            for phrase in _expand_alternatives(value.text_in):
                if phrase not in phrases:
                    phrases.append(phrase)
        return result

    def list_values(self, list_name: str) -> list[tuple[str, str]]:
        """(spoken phrase, value) pairs of a text list."""
        slot_list = self.intents.slot_lists.get(list_name)
        if not isinstance(slot_list, TextSlotList):
            return []
        return [
            (phrase, str(value.value_out))
            for value in slot_list.values
            for phrase in _expand_alternatives(value.text_in)
        ]

    def slot_vocabulary(self) -> frozenset[str]:
        """Every slot value the skill itself defines (list phrases and range numbers); free-text lists add none."""
        words: set[str] = set()
        for name, slot_list in self.intents.slot_lists.items():
            if isinstance(slot_list, RangeSlotList):
                words.update(str(n) for n in range(slot_list.start, slot_list.stop + 1, slot_list.step or 1))
            else:
                words.update(phrase for phrase, _ in self.list_values(name))
        return frozenset(words)


def _expand_alternatives(expression: Any) -> Iterable[str]:
    """Phrases a list value's `in` template can be spoken as."""
    sentence = Sentence(expression=expression)
    for text in sample_sentence(sentence, {}, {}, expand_lists=False):
        yield " ".join(text.split())


#: The key of prompts/language/paraphrases.yaml for requests meant for other apps.
PARAPHRASE_OUT_OF_DOMAIN = "out_of_domain"
#: Care intents are decided by the care check and learnt from prompts/safety_examples*.yaml, never from here.
_CARE_INTENTS = frozenset({"CrisisSupportIntent", "SupportSomeoneIntent", "HardTimeIntent"})


def load_paraphrases(language: Language, root: Path | None = None) -> dict[str, list[str]]:
    """prompts/language/paraphrases*.yaml: intent (or out_of_domain) -> natural phrasings the paraphrase
    classifier learns from beside the templates (never Alexa samples); {} when there are none."""
    allowed = {*language.custom_intents, *language.builtin_intents, PARAPHRASE_OUT_OF_DOMAIN} - _CARE_INTENTS
    result: dict[str, list[str]] = {}
    for path in sorted(((root or language.path.parent.parent) / "language").glob("paraphrases*.yaml")):
        data = load_yaml(path) or {}
        if not isinstance(data, Mapping):
            raise ContentError(f"{path} must map intent names to lists of phrasings; write `IntentName:` keys.")
        for key, items in data.items():
            if str(key) not in allowed:
                where = "prompts/safety_examples*.yaml" if str(key) in _CARE_INTENTS else "an intent of en.yaml"
                raise ContentError(f"{path}: {key!r} is not a key this file takes; use {where} (or out_of_domain).")
            if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
                raise ContentError(f"{path}: {key} must be a list of phrasings, one `- \"...\"` line each.")
            result.setdefault(str(key), []).extend(" ".join(item.split()) for item in items)
    return result


def load_language(root: Path | None = None, language: str = "en") -> Language:
    """Load and cross-check the templates and the Alexa mapping."""
    base = (root or prompts_dir()) / "language"
    path = base / f"{language}.yaml"
    intents = parse_intents(load_yaml(path), path)
    alexa = load_yaml(base / "alexa.yaml")
    slots: dict[str, SlotSpec] = {}
    for list_name, spec in alexa["slots"].items():
        if list_name not in intents.slot_lists:
            raise ContentError(f"alexa.yaml maps list {list_name!r}, which {path.name} does not define.")
        custom = "custom_type" in spec
        slots[list_name] = SlotSpec(
            list_name=list_name,
            slot_name=str(spec["name"]),
            alexa_type=str(spec["custom_type"] if custom else spec["type"]),
            custom=custom,
        )
    for name in intents.slot_lists:
        if name not in slots:
            raise ContentError(f"List {name!r} in {path.name} has no Alexa slot in alexa.yaml; add one.")
    return Language(intents=intents, alexa=alexa, slots=slots, path=path)


@cache
def default_language() -> Language:
    """The English templates from prompts_dir(), loaded once per process."""
    return load_language()
