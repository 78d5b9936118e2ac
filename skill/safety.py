"""The care check: which care tier any text calls for, and the crisis line for where a person is.

Two detectors, either of which is enough: reviewable regular expressions in prompts/safety.yaml,
one list per tier (hand-written because no offline library detects self-harm language with
published recall), and a small classifier trained on prompts/safety_examples*.yaml
(skill.safety_model) for indirect phrasings. tests/data/crisis_final.yaml and
tests/data/care_blind.yaml, never trained on, measure both together (bench/nlu_accuracy.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property, partial
from pathlib import Path

from .care import CareTier
from .prompts import Prompts, default_prompts, load_prompts
from .safety_model import CONCERN_THRESHOLD, NONE, THRESHOLD, CrisisClassifier
from .safety_source import CrisisLine as CrisisLine  # re-exported: where handlers and tools find it
from .text import best_phrase_match, normalize


@dataclass(frozen=True)
class SafetyPolicy:
    """Crisis patterns and lines loaded from prompts/safety.yaml."""

    patterns: tuple[re.Pattern[str], ...]
    """The speaker may harm themselves."""
    exclusions: tuple[re.Pattern[str], ...]
    lines: dict[str, CrisisLine]
    default_line: CrisisLine
    classifier: CrisisClassifier | None = None
    slot_words: Callable[[], Iterable[str]] = tuple
    """Slot values the skill itself defines, read from the templates when free text first needs them."""
    other_patterns: tuple[re.Pattern[str], ...] = ()
    """Someone else may be at risk."""
    concern_patterns: tuple[re.Pattern[str], ...] = ()
    """Hopelessness or exhaustion with life, without explicit intent."""
    self_criticism: tuple[str, ...] = ()
    """Cue phrases of harsh self-talk (the check-in's self_critical theme in prompts/checkin.yaml)."""
    _verdicts: dict[str, CareTier | None] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Normalised slot values the skill itself defines; their verdicts are computed once and kept."""
        return frozenset(normalize(word) for word in self.slot_words())

    def preload(self) -> None:
        """Load now what the first free text would load (for long-lived servers, before they take requests)."""
        _ = self.vocabulary
        if self.classifier is not None:
            _ = self.classifier.model

    def pattern_tier(self, text: str) -> CareTier | None:
        """The tier the patterns alone give, excluded idioms aside."""
        clean = normalize(text)
        for exclusion in self.exclusions:
            clean = exclusion.sub(" ", clean)
        # Words about someone else are set aside first, so "my son wants to die" is someone else at
        # risk, while "my son is fine but i want to die" is still the speaker's own crisis.
        rest = clean
        for pattern in self.other_patterns:
            rest = pattern.sub(" ", rest)
        if any(pattern.search(rest) for pattern in self.patterns):
            return CareTier.CRISIS
        if rest != clean:
            return CareTier.OTHER
        if any(pattern.search(clean) for pattern in self.concern_patterns):
            return CareTier.CONCERN
        return None

    def matches_pattern(self, text: str) -> bool:
        """True when a crisis or someone-else pattern matches, excluded idioms aside."""
        return self.pattern_tier(text) in (CareTier.CRISIS, CareTier.OTHER)

    def care(self, text: str | None) -> CareTier | None:
        """The care tier a text calls for (crisis, someone else at risk, concern), or None."""
        if not text or not text.strip():
            return None
        clean = normalize(text)
        if clean not in self.vocabulary:
            return self._judge(text, clean)
        # The classifier costs milliseconds and most slot values are the skill's own words, whose
        # verdict never changes; only those are remembered, never anything else a user said.
        if clean not in self._verdicts:
            self._verdicts[clean] = self._judge(text, clean)
        return self._verdicts[clean]

    def is_crisis(self, text: str | None) -> bool:
        """True when someone may be at risk: the speaker (crisis) or someone else (other)."""
        tier = self.care(text)
        return tier is not None and tier.urgent

    def _judge(self, text: str, clean: str) -> CareTier | None:
        tier = self.pattern_tier(text)
        if tier is not None and tier.urgent:
            return tier
        if self.classifier is None:
            return tier
        scores = self.classifier.probabilities(clean)
        crisis, other = scores.get("crisis", 0.0), scores.get("other", 0.0)
        if crisis + other >= THRESHOLD:
            # When unsure whose life is at risk, answer as if it were the speaker's.
            return CareTier.OTHER if other > 2 * crisis else CareTier.CRISIS
        if tier is not None:
            return CareTier.CONCERN
        if 1.0 - scores.get(NONE, 1.0) >= CONCERN_THRESHOLD:
            # Self-criticism is KindWell's everyday use: unless a pattern names hopelessness, harsh
            # self-talk gets a practice, never alarm (held-out cost: one concern phrasing in 132).
            if self.self_criticism and best_phrase_match(clean, {"self_critical": self.self_criticism}):
                return None
            return CareTier.CONCERN
        return None

    def line_for(self, country: str | None) -> CrisisLine:
        """The crisis line for a country (ISO code such as GB); the international fallback otherwise."""
        return self.lines.get((country or "").upper(), self.default_line)


def load_safety(prompts: Prompts | Path | None = None, *, use_classifier: bool = True) -> SafetyPolicy:
    """The care policy from a Prompts (or the prompts/ folder at a path); the classifier and the vocabulary
    load on first use."""
    if not isinstance(prompts, Prompts):
        prompts = load_prompts(prompts) if prompts is not None else default_prompts()
    source = prompts.safety
    self_critical = next((theme for theme in prompts.themes if theme.id == "self_critical"), None)
    return SafetyPolicy(
        patterns=source.crisis_patterns,
        other_patterns=source.other_patterns,
        concern_patterns=source.concern_patterns,
        exclusions=source.exclusions,
        lines=dict(source.lines),
        default_line=source.default_line,
        classifier=CrisisClassifier.load(prompts) if use_classifier else None,
        slot_words=partial(_slot_words, prompts),
        self_criticism=self_critical.words if self_critical else (),
    )


def _slot_words(prompts: Prompts) -> frozenset[str]:
    # The templates compile (hassil) here: they are for free text, not for every start-up.
    return prompts.language.slot_vocabulary()


@cache
def default_safety() -> SafetyPolicy:
    """The care policy of the default Prompts, built once per process."""
    return load_safety(default_prompts())
