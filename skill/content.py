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
from .response_keys import required_responses

# SAFE_LOADER and load_yaml are imported from here by the modules that read other files under prompts/.
from .yaml_files import SAFE_LOADER as SAFE_LOADER
from .yaml_files import load_responses_data, load_yaml

#: Lengths every practice is offered at, in minutes.
PRACTICE_LENGTHS: tuple[int, ...] = (3, 5, 10)

#: Words per minute assumed for guided speech: Alexa at <prosody rate="90%"> and espeak-ng at the
#: local renderer's matching rate both land close to this, punctuation pauses included.
SPEAKING_RATE_WPM = 140.0

#: Prosody rate used for practice speech, in percent of the voice's normal rate.
PRACTICE_PROSODY_RATE = 90


def prompts_dir() -> Path:
    """Directory holding the content files (KINDWELL_PROMPTS overrides the repository copy)."""
    override = os.environ.get("KINDWELL_PROMPTS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "prompts"


def estimate_speech_seconds(text: str, rate_wpm: float = SPEAKING_RATE_WPM) -> float:
    """Estimated seconds to speak plain text at the guided-speech rate."""
    words = len(re.findall(r"[\w']+", text))
    return words * 60.0 / rate_wpm


@dataclass(frozen=True)
class Step:
    """One spoken instruction followed by a silence."""

    text: str
    """What is said; plain text, no SSML."""
    pause_seconds: float
    """Silence after the text, in seconds."""


@dataclass(frozen=True)
class PracticeScript:
    """A practice at one length: the ordered steps that are spoken."""

    practice_id: str
    minutes: int
    steps: tuple[Step, ...]

    @property
    def speech_seconds(self) -> float:
        """Estimated seconds of speech."""
        return sum(estimate_speech_seconds(step.text) for step in self.steps)

    @property
    def silence_seconds(self) -> float:
        """Seconds of deliberate silence."""
        return sum(step.pause_seconds for step in self.steps)

    @property
    def total_seconds(self) -> float:
        """Estimated total length, in seconds."""
        return self.speech_seconds + self.silence_seconds

    @property
    def silence_share(self) -> float:
        """Fraction of the total length that is silence."""
        total = self.total_seconds
        return self.silence_seconds / total if total else 0.0


@dataclass(frozen=True)
class Practice:
    """A guided practice, offered at each of PRACTICE_LENGTHS."""

    id: str
    title: str
    """Name as spoken in a sentence ("the soothing breath")."""
    description: str
    """One or two sentences saying what the practice is for."""
    scripts: Mapping[int, PracticeScript]

    def script(self, minutes: int) -> PracticeScript:
        """The script for an offered length."""
        return self.scripts[minutes]


@dataclass(frozen=True)
class Affirmation:
    """One affirmation; the id is what a user's rotation stores."""

    id: str
    theme: str
    text: str


@dataclass(frozen=True)
class FeelingTheme:
    """A family of feelings and the practice that answers it (check-in)."""

    id: str
    practice: str
    words: tuple[str, ...]
    """Words and phrases that suggest this family, lower case."""


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


def _pause_for(raw: Any, minutes: int, where: str) -> float:
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, Mapping):
        if minutes not in raw:
            raise ContentError(f"{where}: pause has no value for {minutes} minutes; add `{minutes}: SECONDS`.")
        return float(raw[minutes])
    raise ContentError(f"{where}: pause must be seconds or a map of minutes to seconds.")


def _load_practice(path: Path) -> Practice:
    data = load_yaml(path)
    if not isinstance(data, Mapping):
        raise ContentError(f"{path} must be a mapping with id, title, description and steps.")
    practice_id = str(data.get("id", ""))
    if practice_id != path.stem:
        raise ContentError(f"{path}: id {practice_id!r} must equal the file name {path.stem!r}.")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ContentError(f"{path}: steps must be a non-empty list.")
    scripts: dict[int, PracticeScript] = {}
    for minutes in PRACTICE_LENGTHS:
        steps: list[Step] = []
        for index, raw in enumerate(raw_steps, start=1):
            where = f"{path} step {index}"
            if not isinstance(raw, Mapping) or "say" not in raw:
                raise ContentError(f"{where}: each step needs `say:` text.")
            lengths = raw.get("lengths", PRACTICE_LENGTHS)
            if minutes not in lengths:
                continue
            text = " ".join(str(raw["say"]).split())
            if "<" in text or ">" in text:
                raise ContentError(f"{where}: write plain text; SSML is added by the skill.")
            steps.append(Step(text=text, pause_seconds=_pause_for(raw.get("pause", 0), minutes, where)))
        scripts[minutes] = PracticeScript(practice_id, minutes, tuple(steps))
    return Practice(
        id=practice_id,
        title=str(data["title"]),
        description=" ".join(str(data["description"]).split()),
        scripts=scripts,
    )


def _load_affirmations(path: Path) -> tuple[Affirmation, ...]:
    data = load_yaml(path)
    themes = data.get("themes") if isinstance(data, Mapping) else None
    if not isinstance(themes, Mapping):
        raise ContentError(f"{path} must have `themes:` mapping theme names to affirmations.")
    result: list[Affirmation] = []
    seen: set[str] = set()
    for theme, items in themes.items():
        for item in items:
            affirmation = Affirmation(id=str(item["id"]), theme=str(theme), text=" ".join(str(item["text"]).split()))
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
        steps.append(Step(" ".join(str(raw["say"]).split()), _pause_for(raw.get("pause", 0), 0, f"{path} breath")))
    return responses, tuple(steps)


def _load_feelings(path: Path, practice_ids: set[str]) -> tuple[tuple[FeelingTheme, ...], str]:
    data = load_yaml(path)
    themes: list[FeelingTheme] = []
    for theme_id, raw in data["themes"].items():
        practice = str(raw["practice"])
        if practice not in practice_ids:
            raise ContentError(f"{path}: theme {theme_id!r} names unknown practice {practice!r}.")
        words = tuple(str(w).lower() for w in raw["words"])
        themes.append(FeelingTheme(id=str(theme_id), practice=practice, words=words))
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
    practices = {p.id: p for p in (_load_practice(path) for path in sorted((root / "practices").glob("*.yaml")))}
    if not practices:
        raise ContentError(f"No practices found in {root / 'practices'}; add practice YAML files there.")
    feelings, default_practice = _load_feelings(root / "checkin.yaml", set(practices))
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
        affirmations=_load_affirmations(root / "affirmations.yaml"),
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
    """Measured length and silence share of every practice at every length."""
    rows = []
    for practice in content.practices.values():
        for minutes, script in sorted(practice.scripts.items()):
            rows.append(
                {
                    "practice": practice.id,
                    "minutes": minutes,
                    "total_seconds": round(script.total_seconds, 1),
                    "speech_seconds": round(script.speech_seconds, 1),
                    "silence_seconds": round(script.silence_seconds, 1),
                    "silence_share": round(script.silence_share, 3),
                    "length_error": round(script.total_seconds / (minutes * 60) - 1, 3),
                }
            )
    return rows
