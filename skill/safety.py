"""Crisis safety: recognise crisis language in any text and find the right line for a locale.

Hand-written regular expressions over a pattern list in prompts/safety.yaml: no library detects
self-harm language offline with published recall, and a transparent, reviewable list is what a
safety reviewer can audit. The test set in tests/data/crisis_cases.yaml measures it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .content import load_yaml, prompts_dir
from .errors import ContentError
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

    def is_crisis(self, text: str | None) -> bool:
        """True when text sounds like a crisis (self-harm, suicide), idioms aside."""
        if not text:
            return False
        clean = normalize(text)
        for exclusion in self.exclusions:
            clean = exclusion.sub(" ", clean)
        return any(pattern.search(clean) for pattern in self.patterns)

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


def load_safety(root: Path | None = None) -> SafetyPolicy:
    """Load the crisis policy from prompts/safety.yaml."""
    path = (root or prompts_dir()) / "safety.yaml"
    data = load_yaml(path)
    lines = {locale: CrisisLine(**raw) for locale, raw in data["lines"].items()}
    return SafetyPolicy(
        patterns=_compile(data["crisis_patterns"], path),
        exclusions=_compile(data.get("not_crisis_phrases", []), path),
        lines=lines,
        default_line=CrisisLine(**data["default_line"]),
    )


@cache
def default_safety() -> SafetyPolicy:
    """The crisis policy from prompts_dir(), loaded once per process."""
    return load_safety()
