"""Crisis safety: recognise crisis language in any text and find the right line for a locale.

Two detectors, either of which is enough: reviewable regular expressions in prompts/safety.yaml
(hand-written because no offline library detects self-harm language with published recall) and a
small classifier trained on prompts/safety_examples*.yaml (skill.safety_model) for indirect
phrasings. tests/data/crisis_final.yaml, never trained on, measures both together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property, partial
from pathlib import Path

from .care import CareTier
from .content import load_yaml, prompts_dir
from .errors import ContentError
from .safety_model import THRESHOLD, CrisisClassifier
from .text import normalize


@dataclass(frozen=True)
class CrisisLine:
    """A crisis line to offer: how it is named, spoken and written."""

    name: str
    spoken: str
    display: str
    how: str
    emergency: str

    @property
    def known(self) -> bool:
        """False for the generic fallback used in locales without a listed line."""
        return bool(self.spoken)


@dataclass(frozen=True)
class SafetyPolicy:
    """Crisis patterns and lines loaded from prompts/safety.yaml."""

    patterns: tuple[re.Pattern[str], ...]
    exclusions: tuple[re.Pattern[str], ...]
    lines: dict[str, CrisisLine]
    default_line: CrisisLine
    classifier: CrisisClassifier | None = None
    slot_words: Callable[[], Iterable[str]] = tuple
    """Slot values the skill itself defines, read from the templates when free text first needs them."""
    _verdicts: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Normalised slot values the skill itself defines; their verdicts are computed once and kept."""
        return frozenset(normalize(word) for word in self.slot_words())

    def preload(self) -> None:
        """Load now what the first free text would load (for long-lived servers, before they take requests)."""
        _ = self.vocabulary
        if self.classifier is not None:
            _ = self.classifier.model

    def matches_pattern(self, text: str) -> bool:
        """True when a crisis pattern matches, excluded idioms aside."""
        clean = normalize(text)
        for exclusion in self.exclusions:
            clean = exclusion.sub(" ", clean)
        return any(pattern.search(clean) for pattern in self.patterns)

    def is_crisis(self, text: str | None) -> bool:
        """True when text sounds like a crisis (self-harm, suicide), idioms aside."""
        if not text or not text.strip():
            return False
        clean = normalize(text)
        if clean not in self.vocabulary:
            return self._judge(text, clean)
        # The classifier costs milliseconds and most slot values are the skill's own words, whose
        # verdict never changes; only those are remembered, never anything else a user said.
        verdict = self._verdicts.get(clean)
        if verdict is None:
            verdict = self._verdicts[clean] = self._judge(text, clean)
        return verdict

    def care(self, text: str | None) -> CareTier | None:
        """The care tier a text calls for (crisis, someone else at risk, concern), or None."""
        return CareTier.CRISIS if self.is_crisis(text) else None

    def _judge(self, text: str, clean: str) -> bool:
        if self.matches_pattern(text):
            return True
        return self.classifier is not None and self.classifier.probability(clean) >= THRESHOLD

    def line_for(self, locale: str | None) -> CrisisLine:
        """The crisis line for a locale such as en-GB; a generic line when none is listed."""
        if locale:
            line = self.lines.get(locale) or self.lines.get(locale.replace("_", "-"))
            if line:
                return line
        return self.default_line


def _compile(patterns: list[str], path: Path) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as err:
            raise ContentError(f"{path}: pattern {pattern!r} is not a valid regular expression ({err}).") from err
    return tuple(compiled)


def _slot_words(root: Path) -> frozenset[str]:
    # Imported here: hassil and the template parse are for free text, not for every start-up.
    from .language import load_language

    return load_language(root).slot_vocabulary()


def load_safety(root: Path | None = None, *, use_classifier: bool = True) -> SafetyPolicy:
    """Load the crisis policy from prompts/safety.yaml; the classifier and vocabulary load on first use."""
    root = root or prompts_dir()
    path = root / "safety.yaml"
    data = load_yaml(path)
    lines = {locale: CrisisLine(**raw) for locale, raw in data["lines"].items()}
    return SafetyPolicy(
        patterns=_compile(data["crisis_patterns"], path),
        exclusions=_compile(data.get("not_crisis_phrases", []), path),
        lines=lines,
        default_line=CrisisLine(**data["default_line"]),
        classifier=CrisisClassifier.load(root) if use_classifier else None,
        slot_words=partial(_slot_words, root),
    )


@cache
def default_safety() -> SafetyPolicy:
    """The crisis policy from prompts_dir(), loaded once per process."""
    return load_safety()
