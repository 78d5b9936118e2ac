"""Crisis safety: recognise crisis language in any text and find the right line for a locale.

Two detectors, either of which is enough: reviewable regular expressions in prompts/safety.yaml
(hand-written because no offline library detects self-harm language with published recall) and a
small classifier trained on prompts/safety_examples*.yaml (skill.safety_model) for indirect
phrasings. tests/data/crisis_final.yaml, never trained on, measures both together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .care import CareTier
from .content import load_yaml, prompts_dir
from .errors import ContentError
from .language import load_language
from .safety_model import THRESHOLD, CrisisClassifier
from .text import normalize


@dataclass(frozen=True)
class CrisisLine:
    """A crisis line to offer: how it is named, spoken and written, and where it was checked."""

    name: str
    spoken: str
    display: str
    how: str
    emergency: str
    """The emergency number as spoken ("nine nine nine")."""
    emergency_display: str
    source: str = ""
    """The service's page that states the number."""
    checked: str = ""
    """The date the number was last checked against `source` (ISO date)."""

    def values(self) -> dict[str, str]:
        """Placeholder values for the care responses."""
        return {
            "line_name": self.name,
            "line_spoken": self.spoken,
            "line_display": self.display,
            "line_how": self.how,
            "emergency": self.emergency,
            "emergency_display": self.emergency_display,
        }


@dataclass(frozen=True)
class SafetyPolicy:
    """Crisis patterns and lines loaded from prompts/safety.yaml."""

    patterns: tuple[re.Pattern[str], ...]
    exclusions: tuple[re.Pattern[str], ...]
    lines: dict[str, CrisisLine]
    default_line: CrisisLine
    classifier: CrisisClassifier | None = None
    vocabulary: frozenset[str] = frozenset()
    """Normalised slot values the skill itself defines; their verdicts are computed once and kept."""
    _verdicts: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

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

    def line_for(self, country: str | None) -> CrisisLine:
        """The crisis line for a country (ISO code such as GB); the international fallback otherwise."""
        return self.lines.get((country or "").upper(), self.default_line)


def _compile(patterns: list[str], path: Path) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as err:
            raise ContentError(f"{path}: pattern {pattern!r} is not a valid regular expression ({err}).") from err
    return tuple(compiled)


def _line(raw: object, path: Path) -> CrisisLine:
    try:
        fields = {key: str(value) for key, value in dict(raw).items()}  # type: ignore[call-overload]
        return CrisisLine(**fields)
    except (TypeError, ValueError) as err:
        raise ContentError(
            f"{path}: every crisis line needs name, spoken, display, how, emergency and emergency_display ({err})."
        ) from err


def load_safety(root: Path | None = None, *, use_classifier: bool = True) -> SafetyPolicy:
    """Load the crisis policy from prompts/safety.yaml (and its classifier)."""
    root = root or prompts_dir()
    path = root / "safety.yaml"
    data = load_yaml(path)
    lines = {str(country).upper(): _line(raw, path) for country, raw in data["lines"].items()}
    return SafetyPolicy(
        patterns=_compile(data["crisis_patterns"], path),
        exclusions=_compile(data.get("not_crisis_phrases", []), path),
        lines=lines,
        default_line=_line(data["default_line"], path),
        classifier=CrisisClassifier.load(root) if use_classifier else None,
        vocabulary=frozenset(normalize(word) for word in load_language(root).slot_vocabulary()),
    )


@cache
def default_safety() -> SafetyPolicy:
    """The crisis policy from prompts_dir(), loaded once per process."""
    return load_safety()
