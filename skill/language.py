"""The one source of language: hassil templates in prompts/language/, loaded once.

From these templates come the Alexa interaction model, the offline matcher and the offline
recognizer's vocabulary, so a sentence added here is understood everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hassil import Intents, RangeSlotList, TextSlotList
from hassil.expression import Sentence
from hassil.parse_expression import parse_sentence
from hassil.sample import sample_sentence

from .errors import ContentError
from .prompt_files import YamlFile

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
    ranked: YamlFile | None = None
    """language/ranked_samples.yaml as read by the Prompts (skill.alexa_samples checks it), if present."""

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


def compile_templates(templates: YamlFile) -> Intents:
    """hassil Intents with every template parsed now; a bad one is a ContentError naming file and line.

    hassil parses an intent's sentences only when they are first used, so a syntax error would
    otherwise surface mid-match as hassil's own ParseError, naming no file. ({list} and <rule>
    references are checked when prompts/ is loaded, without hassil: skill.prompt_checks.)
    """
    try:
        intents = Intents.from_dict(templates.data)
        for intent in intents.intents.values():
            for block in intent.data:
                block.sentences  # noqa: B018 - parse now, where the error can be placed
    except Exception as err:  # hassil raises ParseError, KeyError, TypeError... for a bad template file
        for keys, text in _template_texts(templates):
            try:
                parse_sentence(text, keep_text=True)
            except Exception as bad:
                raise templates.error(
                    f"the template {text!r} cannot be parsed ({bad}); fix that sentence.", *keys
                ) from err
        raise templates.error(f"a template hassil cannot parse ({err}); fix that sentence.") from err
    return intents


def _template_texts(templates: YamlFile) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(where, text) of every string hassil parses as a template: rules, list values and sentences."""
    for name, body in (templates.get("expansion_rules") or {}).items():
        yield ("expansion_rules", name), str(body)
    for name, spec in (templates.get("lists") or {}).items():
        for index, value in enumerate((spec or {}).get("values") or []):
            yield ("lists", name, "values", index), str(value.get("in", "")) if isinstance(value, dict) else str(value)
    for name, intent in (templates.get("intents") or {}).items():
        for block_index, block in enumerate((intent or {}).get("data") or []):
            where = ("intents", name, "data", block_index)
            for index, text in enumerate(block.get("sentences") or []):
                yield (*where, "sentences", index), str(text)
            for rule, body in (block.get("expansion_rules") or {}).items():
                yield (*where, "expansion_rules", rule), str(body)


def build_language(templates: YamlFile, alexa: YamlFile, ranked: YamlFile | None = None) -> Language:
    """The templates compiled by hassil, with the Alexa mapping (both files already parsed and checked)."""
    intents = compile_templates(templates)
    slots = {
        str(list_name): SlotSpec(
            list_name=str(list_name),
            slot_name=str(spec["name"]),
            alexa_type=str(spec.get("custom_type") or spec["type"]),
            custom="custom_type" in spec,
        )
        for list_name, spec in alexa.data["slots"].items()
    }
    return Language(intents=intents, alexa=alexa.data, slots=slots, path=templates.path, ranked=ranked)


def load_language(root: Path | None = None) -> Language:
    """The templates of the Prompts in root (default: prompts_dir()), loaded and checked."""
    from .prompts import load_prompts

    return load_prompts(root).language


def default_language() -> Language:
    """The templates of the default Prompts, loaded once per process."""
    from .prompts import default_prompts

    return default_prompts().language
