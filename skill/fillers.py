"""The one table of slot fillers: what fills a template's {list} wherever sentences are made from templates.

The paraphrase classifier's training sentences and the offline recognizer's grammar both fill the
templates' lists; both take their values from here, so the numbers and durations one learns are
the ones the other can hear. Every value comes from prompts/: the lists in language/en.yaml (a
`range` list gives its numbers as numerals and as words) and, for the free-text feeling slot, the
check-in's feeling words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hassil import RangeSlotList, TextSlotList

from .language import Language
from .text import normalize


@dataclass(frozen=True)
class SlotFillers:
    """List name -> the values that fill it: phrases as spoken, and numerals for typed text."""

    spoken: Mapping[str, tuple[str, ...]]
    """What a speaker says: every phrase of a text list, a range list's numbers as words (in order)."""
    written: Mapping[str, tuple[str, ...]]
    """What only typed text holds: a range list's numbers as numerals."""

    @classmethod
    def build(cls, language: Language, feeling_words: Iterable[str], number_language: str = "en") -> SlotFillers:
        """Fillers for every list of the templates; wildcard lists take feeling_words (sorted, unique)."""
        from .text import number_words

        spoken: dict[str, tuple[str, ...]] = {}
        written: dict[str, tuple[str, ...]] = {}
        feelings = tuple(sorted(set(feeling_words)))
        for name, slot_list in language.intents.slot_lists.items():
            if isinstance(slot_list, RangeSlotList):
                numbers = range(slot_list.start, slot_list.stop + 1, slot_list.step or 1)
                written[name] = tuple(str(n) for n in numbers)
                spoken[name] = tuple(number_words(n, number_language) for n in numbers)
            elif isinstance(slot_list, TextSlotList):
                spoken[name] = tuple(phrase for phrase, _ in language.list_values(name))
            else:
                spoken[name] = feelings
        return cls(spoken, written)

    def for_training(self) -> dict[str, list[str]]:
        """Typed and spoken values of every list, for the paraphrase classifier's training sentences."""
        return {name: [*self.written.get(name, ()), *values] for name, values in self.spoken.items()}

    def for_grammar(self) -> dict[str, tuple[str, ...]]:
        """Spoken values normalised like a transcript (a recognizer writes words, not numerals); text lists
        sorted, ranges in number order."""
        return {
            name: tuple(normalize(v) for v in values)
            if name in self.written
            else tuple(sorted({normalize(v) for v in values}))
            for name, values in self.spoken.items()
        }
