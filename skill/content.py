"""Load the spoken content in prompts/: practices, affirmations, responses and check-in themes.

Everything KindWell says lives in YAML files under prompts/ so a writer never opens a .py file.
This module turns those files into a small tree of frozen dataclasses and checks them up front.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .content_files import DailyContent, TimerContent, load_daily, load_timer
from .errors import ContentError
from .practices import (
    PRACTICE_LENGTHS,
    SPEAKING_RATE_WPM,
    Practice,
    PracticeScript,
    Step,
    estimate_speech_seconds,
    load_frames,
    load_practice,
)
from .practices import practice_table as practices_table
from .response_keys import required_responses

# SAFE_LOADER and load_yaml are imported from here by the modules that read other files under prompts/.
from .yaml_files import SAFE_LOADER as SAFE_LOADER
from .yaml_files import load_responses_data, load_yaml

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


def _load_practices(root: Path) -> dict[str, Practice]:
    """Every practice file, composed with the shared frames (prompts/practice_frames.yaml) when present."""
    frames_path = root / "practice_frames.yaml"
    frames = load_frames(frames_path, load_yaml(frames_path)) if frames_path.is_file() else None
    practices = {}
    for path in sorted((root / "practices").glob("*.yaml")):
        practice = load_practice(path, load_yaml(path), frames)
        practices[practice.id] = practice
    return practices


#: Words that put an affirmation in the first person ("I can rest"), which a speaker must not say as its own.
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'll|I'd|me|my|myself|mine)\b")


def _load_affirmations(path: Path) -> tuple[Affirmation, ...]:
    data = load_yaml(path)
    themes = data.get("themes") if isinstance(data, Mapping) else None
    if not isinstance(themes, Mapping):
        raise ContentError(f"{path} must have `themes:` mapping theme names to affirmations.")
    result: list[Affirmation] = []
    seen: set[str] = set()
    for theme, items in themes.items():
        for item in items:
            text = " ".join(str(item["text"]).split())
            affirmation = Affirmation(str(item["id"]), str(theme), text, bool(item.get("to_self", False)))
            if _FIRST_PERSON.search(text) and not affirmation.to_self:
                raise ContentError(
                    f"{path}: affirmation {affirmation.id!r} speaks as 'I'; mark it `to_self: true` (it is then "
                    "offered as words to say to yourself) or write it to 'you'."
                )
            if affirmation.id in seen:
                raise ContentError(f"{path}: affirmation id {affirmation.id!r} is used twice; ids must be unique.")
            seen.add(affirmation.id)
            result.append(affirmation)
    return tuple(result)


def _load_responses(path: Path) -> dict[str, tuple[str, ...]]:
    data = load_yaml(path)
    if not isinstance(data, Mapping):
        raise ContentError(f"{path} must map response keys to a sentence or a list of variants.")
    return load_responses_data(data)


def _load_care(path: Path) -> tuple[dict[str, tuple[str, ...]], tuple[Step, ...]]:
    """The care policy's responses and its short guided breath (prompts/care.yaml)."""
    data = load_yaml(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("responses"), Mapping):
        raise ContentError(f"{path} must have `responses:` (care replies by key) and `breath:` (steps).")
    responses = load_responses_data(data["responses"])
    raw_steps = data.get("breath")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ContentError(f"{path}: `breath:` must be a non-empty list of steps with `say:` and `pause:`.")
    steps = []
    for index, raw in enumerate(raw_steps, start=1):
        if not isinstance(raw, Mapping) or "say" not in raw:
            raise ContentError(f"{path} breath step {index}: each step needs `say:` text.")
        pause = raw.get("pause", 0)
        if not isinstance(pause, int | float) or isinstance(pause, bool):
            raise ContentError(f"{path} breath step {index}: pause must be seconds.")
        steps.append(Step(" ".join(str(raw["say"]).split()), float(pause)))
    return responses, tuple(steps)


def _load_feelings(
    path: Path, practice_ids: set[str], affirmation_themes: set[str]
) -> tuple[tuple[FeelingTheme, ...], str]:
    data = load_yaml(path)
    themes: list[FeelingTheme] = []
    for theme_id, raw in data["themes"].items():
        practice = str(raw["practice"])
        if practice not in practice_ids:
            raise ContentError(f"{path}: theme {theme_id!r} names unknown practice {practice!r}.")
        words = tuple(str(w).lower() for w in raw["words"])
        affirmations = raw.get("affirmations")
        if affirmations is not None and str(affirmations) not in affirmation_themes:
            raise ContentError(
                f"{path}: theme {theme_id!r} names affirmation theme {affirmations!r}, which prompts/affirmations.yaml "
                "does not have."
            )
        themes.append(
            FeelingTheme(
                id=str(theme_id),
                practice=practice,
                words=words,
                affirmations=str(affirmations) if affirmations is not None else None,
            )
        )
    default = str(data["default_practice"])
    if default not in practice_ids:
        raise ContentError(f"{path}: default_practice {default!r} is not a practice id.")
    return tuple(themes), default


def content_digest(root: Path) -> str:
    """SHA-256 over every file under root, so derived artifacts rebuild only when content changes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_content(root: Path | None = None) -> Content:
    """Load and check every content file under root (default: prompts_dir())."""
    root = root or prompts_dir()
    if not root.is_dir():
        raise ContentError(f"Content folder {root} does not exist; set KINDWELL_PROMPTS to the prompts/ folder.")
    practices = _load_practices(root)
    if not practices:
        raise ContentError(f"No practices found in {root / 'practices'}; add practice YAML files there.")
    affirmations = _load_affirmations(root / "affirmations.yaml")
    feelings, default_practice = _load_feelings(
        root / "checkin.yaml", set(practices), {affirmation.theme for affirmation in affirmations}
    )
    responses = _load_responses(root / "responses.yaml")
    care_responses, care_breath = _load_care(root / "care.yaml")
    timer, timer_responses = load_timer(root / "timer.yaml")
    daily, daily_responses = load_daily(root / "daily.yaml", set(practices), PRACTICE_LENGTHS)
    every = dict(responses)
    others = ((care_responses, "care.yaml"), (timer_responses, "timer.yaml"), (daily_responses, "daily.yaml"))
    for other, name in others:
        for key in sorted(set(every) & set(other)):
            raise ContentError(f"Response key {key!r} is in {name} and another file under prompts/; keep it in one.")
        every.update(other)
    for key, file_name in sorted(required_responses(theme.id for theme in feelings).items()):
        if key not in every:
            raise ContentError(f"{root / file_name} has no response {key!r}, which KindWell speaks; add it there.")
    return Content(
        practices=practices,
        affirmations=affirmations,
        responses=Responses(every),
        feelings=feelings,
        default_feeling_practice=default_practice,
        care_breath=care_breath,
        digest=content_digest(root),
        timer=timer,
        daily=daily,
    )


@cache
def default_content() -> Content:
    """The content in prompts_dir(), loaded once per process."""
    return load_content()


def practice_table(content: Content) -> list[dict[str, Any]]:
    """Length, silence share, longest silence and words of every variant of every practice."""
    return practices_table(content.practices)
