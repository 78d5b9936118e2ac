"""What the care check is built from: prompts/safety.yaml and the labelled prompts/safety_examples*.yaml.

Patterns are compiled and every crisis line and alarm phrase is checked when prompts/ is loaded, so
a bad pattern is one sentence naming the file and line at start-up, never a surprise on the first
free text. The labelled examples are read, and checked the same way, when first needed: only
training and the offline grammar use them, and serving runs on the shipped weights.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from .prompt_files import YamlFile, read_yaml
from .text import normalize

#: Labels in the example files -> classifier labels.
LABELS = {"crisis": "crisis", "other": "other", "concern": "concern", "not_crisis": "none"}


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


#: Placeholders every care response may use: the values of the line named.
LINE_PLACEHOLDERS = frozenset(CrisisLine("", "", "", "", "", "").values())
_REQUIRED_LINE_FIELDS = tuple(f.name for f in fields(CrisisLine) if f.name not in ("source", "checked"))


@dataclass(frozen=True)
class SafetySource:
    """The care policy's inputs, parsed and checked."""

    crisis_patterns: tuple[re.Pattern[str], ...]
    """The speaker may harm themselves."""
    other_patterns: tuple[re.Pattern[str], ...]
    """Someone else may be at risk."""
    concern_patterns: tuple[re.Pattern[str], ...]
    """Hopelessness or exhaustion with life, without explicit intent."""
    exclusions: tuple[re.Pattern[str], ...]
    """Idioms that are not crisis language (`not_crisis_phrases`)."""
    lines: Mapping[str, CrisisLine]
    """Country (ISO code) -> its crisis line."""
    default_line: CrisisLine
    spoken_alarms: tuple[str, ...]
    """Alarm phrases (`spoken_alarm`), normalised, longest first."""
    example_files: tuple[Path, ...]
    """prompts/safety_examples*.yaml (read by `Prompts.safety_examples` when first needed)."""


@dataclass(frozen=True)
class SafetyExamples:
    """The hand-written examples the care classifier learns from, checked."""

    labelled: Mapping[str, tuple[str, ...]]
    """Classifier label (crisis, other, concern, none) -> every example with it."""
    by_file: Mapping[str, Mapping[str, tuple[str, ...]]]
    """Example file name -> classifier label -> its examples."""

    def words(self) -> set[str]:
        """Every word of every example, normalised."""
        return {word for texts in self.labelled.values() for text in texts for word in normalize(text).split()}


def example_files(root: Path) -> list[Path]:
    """prompts/safety_examples*.yaml: every file of labelled examples the classifier learns from."""
    return sorted(root.glob("safety_examples*.yaml"))


def load_examples(paths: Iterable[Path]) -> SafetyExamples:
    """Every example file, parsed and checked: labels known, each a list of sentences."""
    labelled: dict[str, list[str]] = {label: [] for label in LABELS.values()}
    by_file: dict[str, dict[str, tuple[str, ...]]] = {}
    for example in map(read_yaml, paths):
        data = example.data if example.data is not None else {}
        if not isinstance(data, dict):
            raise example.error(f"the file must map labels ({', '.join(LABELS)}) to lists of examples.")
        for key in data:
            if key not in LABELS:
                raise example.error(f"{key!r} is not a label; use one of {', '.join(LABELS)}.", key)
        by_file[example.path.name] = {LABELS[key]: example.strings(key, what="example sentences") for key in data}
        for label, texts in by_file[example.path.name].items():
            labelled[label] += texts
    return SafetyExamples({label: tuple(texts) for label, texts in labelled.items()}, by_file)


def load_safety_source(file: YamlFile, examples: Iterable[Path]) -> SafetySource:
    """safety.yaml, checked, and where the examples are."""
    lines_table = file.mapping("lines", what="country codes to crisis lines")
    return SafetySource(
        crisis_patterns=_patterns(file, "crisis_patterns", empty=False),
        other_patterns=_patterns(file, "other_patterns"),
        concern_patterns=_patterns(file, "concern_patterns"),
        exclusions=_patterns(file, "not_crisis_phrases"),
        lines={str(country).upper(): _line(file, "lines", country) for country in lines_table},
        default_line=_line(file, "default_line"),
        spoken_alarms=_alarms(file),
        example_files=tuple(examples),
    )


def _patterns(file: YamlFile, key: str, empty: bool = True) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for index, pattern in enumerate(file.strings(key, what="regular expressions", empty=empty)):
        try:
            compiled.append(re.compile(str(file.get(key, index))))
        except re.error as err:
            raise file.error(
                f"pattern {pattern!r} is not a valid regular expression ({err}); fix it or remove it.", key, index
            ) from err
    return tuple(compiled)


def _line(file: YamlFile, *keys: str) -> CrisisLine:
    raw = file.get(*keys)
    missing = [name for name in _REQUIRED_LINE_FIELDS if not isinstance(raw, dict) or not raw.get(name)]
    if missing:
        raise file.error(
            f"this crisis line has no {missing[0]}; every line needs {', '.join(_REQUIRED_LINE_FIELDS)}.", *keys
        )
    assert isinstance(raw, dict)
    unknown = sorted(set(map(str, raw)) - {f.name for f in fields(CrisisLine)})
    if unknown:
        raise file.error(f"{unknown[0]!r} is not a crisis line field; remove it or fix its name.", *keys, unknown[0])
    return CrisisLine(**{str(name): str(value) for name, value in raw.items()})


def _alarms(file: YamlFile) -> tuple[str, ...]:
    raw = file.get("spoken_alarm")
    if raw is not None and (not isinstance(raw, list) or not all(isinstance(item, str) for item in raw)):
        raise file.error("spoken_alarm must be a list of phrases; write each as a `- phrase` line.", "spoken_alarm")
    phrases = {normalize(item) for item in raw or []} - {""}
    return tuple(sorted(phrases, key=lambda p: (-len(p.split()), p)))
