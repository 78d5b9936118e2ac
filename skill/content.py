"""Load the spoken content in prompts/: practices, affirmations, responses and check-in themes.

Everything KindWell says lives in YAML files under prompts/ so a writer never opens a .py file.
This module turns those files into a small tree of frozen dataclasses and checks them up front.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .content_files import DailyContent, TimerContent
from .errors import ContentError
from .practices import (
    PRACTICE_LENGTHS,
    SPEAKING_RATE_WPM,
    Practice,
    PracticeScript,
    Step,
    estimate_speech_seconds,
    load_steps,
)
from .practices import practice_table as practices_table

# Re-exported: tests and tools read prompts/ files through these names.
from .prompt_files import SAFE_LOADER as SAFE_LOADER
from .prompt_files import Key, YamlFile
from .prompt_files import load_yaml as load_yaml

__all__ = [
    "PRACTICE_LENGTHS",
    "SAFE_LOADER",
    "SPEAKING_RATE_WPM",
    "Affirmation",
    "Content",
    "Practice",
    "PracticeScript",
    "Step",
    "estimate_speech_seconds",
    "load_content",
    "load_yaml",
]

#: Prosody rate used for practice speech, in percent of the voice's normal rate.
PRACTICE_PROSODY_RATE = 90


def prompts_dir() -> Path:
    """Directory holding the content files (KINDWELL_PROMPTS overrides the repository copy)."""
    override = os.environ.get("KINDWELL_PROMPTS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "prompts"


@dataclass(frozen=True)
class Affirmation:
    """One affirmation; the id is what a user's rotation stores."""

    id: str
    theme: str
    text: str
    to_self: bool = False
    """True for words in the first person, offered as "Try saying to yourself: ..."."""


@dataclass(frozen=True)
class FeelingTheme:
    """A family of feelings and the practice that answers it (check-in)."""

    id: str
    practice: str
    words: tuple[str, ...]
    """Words and phrases that suggest this family, lower case."""
    affirmations: str | None = None
    """The affirmation theme an affirmation offered after this check-in is drawn from (None: any)."""


@dataclass(frozen=True)
class Responses:
    """Every sentence the skill speaks outside practices, by key; a key may hold variants."""

    entries: Mapping[str, tuple[str, ...]]

    def variants(self, key: str) -> tuple[str, ...]:
        """All variants for a key."""
        try:
            return self.entries[key]
        except KeyError as err:
            raise ContentError(f"Response key {key!r} is missing from prompts/responses.yaml; add it.") from err

    def get(self, key: str, rng: random.Random | None = None, **values: object) -> str:
        """One variant for a key, with {placeholders} filled in."""
        options = self.variants(key)
        text = options[0] if rng is None or len(options) == 1 else rng.choice(options)
        try:
            return text.format(**values)
        except KeyError as err:
            raise ContentError(
                f"Response {key!r} uses placeholder {err.args[0]!r} that the skill does not fill; "
                "remove it from prompts/responses.yaml."
            ) from err


@dataclass(frozen=True)
class Content:
    """All spoken content, loaded once."""

    practices: Mapping[str, Practice]
    affirmations: tuple[Affirmation, ...]
    responses: Responses
    feelings: tuple[FeelingTheme, ...]
    default_feeling_practice: str
    care_breath: tuple[Step, ...] = ()
    """The short guided breath offered after a care reply (prompts/care.yaml)."""
    digest: str = field(default="")
    """SHA-256 over every content file, for rebuilding derived artifacts only when it changes."""
    timer: TimerContent = field(default_factory=lambda: TimerContent("silent meditation timer", ""))
    """The unguided timer's name and description (prompts/timer.yaml)."""
    daily: DailyContent = field(default_factory=lambda: DailyContent({}))
    """The practice of the day (prompts/daily.yaml)."""

    def practice(self, practice_id: str) -> Practice:
        """A practice by id."""
        return self.practices[practice_id]

    def affirmation(self, affirmation_id: str) -> Affirmation | None:
        """An affirmation by id, or None when it no longer exists."""
        for affirmation in self.affirmations:
            if affirmation.id == affirmation_id:
                return affirmation
        return None


#: Words that put an affirmation in the first person ("I can rest"), which a speaker must not say as its own.
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'll|I'd|me|my|myself|mine)\b")


def load_affirmations(file: YamlFile) -> tuple[Affirmation, ...]:
    """prompts/affirmations.yaml: affirmations by theme, ids unique."""
    themes = file.mapping("themes", what="theme names to lists of affirmations")
    result: list[Affirmation] = []
    seen: set[str] = set()
    for theme, items in themes.items():
        if not isinstance(items, list):
            raise file.error(f"theme {theme!r} must be a list of affirmations with id and text.", "themes", theme)
        for index, item in enumerate(items):
            if not isinstance(item, Mapping) or not item.get("id") or not str(item.get("text") or "").strip():
                raise file.error("each affirmation needs an `id:` and a `text:`.", "themes", theme, index)
            text = " ".join(str(item["text"]).split())
            affirmation = Affirmation(str(item["id"]), str(theme), text, item.get("to_self") is True)
            if _FIRST_PERSON.search(text) and not affirmation.to_self:
                raise file.error(
                    f"affirmation {affirmation.id!r} speaks as 'I'; mark it `to_self: true` (it is then offered as "
                    "words to say to yourself) or write it to 'you'.",
                    "themes",
                    theme,
                    index,
                )
            if affirmation.id in seen:
                raise file.error(
                    f"affirmation id {affirmation.id!r} is used twice; ids must be unique.", "themes", theme, index
                )
            seen.add(affirmation.id)
            result.append(affirmation)
    if not result:
        raise file.error("there are no affirmations; add some under `themes:`.", "themes")
    return tuple(result)


def load_responses(file: YamlFile, *keys: Key) -> dict[str, tuple[str, ...]]:
    """Response keys -> variants, from a file's top level or the mapping at keys."""
    data = file.mapping(*keys, what="response keys to a sentence or a list of variants") if keys else file.data
    if not isinstance(data, Mapping):
        raise file.error("the file must map response keys to a sentence or a list of variants.")
    entries: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        variants = value if isinstance(value, list) else [value]
        if not variants or any(not isinstance(v, str) or not v.strip() for v in variants):
            raise file.error(f"response {key!r} must be a sentence or a list of sentences.", *keys, key)
        entries[str(key)] = tuple(" ".join(v.split()) for v in variants)
    return entries


def load_care_breath(file: YamlFile) -> tuple[Step, ...]:
    """The short guided breath offered after a care reply (prompts/care.yaml `breath:`)."""
    if not isinstance(file.get("breath"), list) or not file.get("breath"):
        raise file.error("`breath:` must be a non-empty list of steps with `say:` and `pause:`.", "breath")
    return load_steps(file, "breath")


def load_feelings(
    file: YamlFile, practice_ids: Iterable[str], affirmation_themes: Iterable[str]
) -> tuple[tuple[FeelingTheme, ...], str]:
    """prompts/checkin.yaml: feeling themes, each with the practice that answers it (and, optionally, the
    affirmation theme an affirmation offered after it is drawn from), and the default practice."""
    known, known_themes = set(practice_ids), set(affirmation_themes)
    themes: list[FeelingTheme] = []
    for theme_id in file.mapping("themes", what="theme names to `practice:` and `words:`"):
        practice = str(file.get("themes", theme_id, "practice") or "")
        if practice not in known:
            raise file.error(
                f"theme {theme_id!r} names practice {practice!r}, which has no file in prompts/practices/; "
                "use one of its file names.",
                "themes",
                theme_id,
                "practice",
            )
        words = file.strings("themes", theme_id, "words", what="feeling words", empty=False)
        affirmations = file.get("themes", theme_id, "affirmations")
        if affirmations is not None and str(affirmations) not in known_themes:
            raise file.error(
                f"theme {theme_id!r} names affirmation theme {affirmations!r}, which prompts/affirmations.yaml "
                f"does not have; use one of {', '.join(sorted(known_themes))}.",
                "themes",
                theme_id,
                "affirmations",
            )
        themes.append(
            FeelingTheme(
                id=str(theme_id),
                practice=practice,
                words=tuple(w.lower() for w in words),
                affirmations=str(affirmations) if affirmations is not None else None,
            )
        )
    default = str(file.get("default_practice") or "")
    if default not in known:
        raise file.error(
            f"default_practice {default!r} has no file in prompts/practices/; use one of its file names.",
            "default_practice",
        )
    return tuple(themes), default


def content_digest(root: Path) -> str:
    """SHA-256 over every file under root, so derived artifacts rebuild only when content changes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_content(root: Path | None = None) -> Content:
    """The spoken content of the Prompts in root (default: prompts_dir()), loaded and checked."""
    from .prompts import load_prompts

    return load_prompts(root).content


def default_content() -> Content:
    """The content of the default Prompts (prompts_dir()), loaded once per process."""
    from .prompts import default_prompts

    return default_prompts().content


def practice_table(content: Content) -> list[dict[str, Any]]:
    """Length, silence share, longest silence and words of every variant of every practice."""
    return practices_table(content.practices)
