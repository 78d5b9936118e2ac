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

from .errors import ContentError

# Re-exported: tests and tools read prompts/ files through these names.
from .prompt_files import SAFE_LOADER as SAFE_LOADER
from .prompt_files import Key, YamlFile
from .prompt_files import load_yaml as load_yaml

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

    def practice(self, practice_id: str) -> Practice:
        """A practice by id."""
        return self.practices[practice_id]

    def affirmation(self, affirmation_id: str) -> Affirmation | None:
        """An affirmation by id, or None when it no longer exists."""
        for affirmation in self.affirmations:
            if affirmation.id == affirmation_id:
                return affirmation
        return None


def _pause_for(raw: Any, minutes: int, file: YamlFile, *keys: Key) -> float:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, Mapping):
        if minutes not in raw:
            raise file.error(f"the pause has no value for {minutes} minutes; add `{minutes}: SECONDS`.", *keys)
        return _pause_for(raw[minutes], minutes, file, *keys, minutes)
    raise file.error("a pause must be seconds, or a map of minutes to seconds.", *keys)


def _say(file: YamlFile, *keys: Key) -> str:
    raw = file.get(*keys, "say")
    if not isinstance(raw, str | int | float) or isinstance(raw, bool) or not str(raw).strip():
        raise file.error("each step needs `say:` text.", *keys)
    text = " ".join(str(raw).split())
    if "<" in text or ">" in text:
        raise file.error("write plain text; SSML is added by the skill.", *keys, "say")
    return text


def load_practice(file: YamlFile) -> Practice:
    """One practice file (prompts/practices/<id>.yaml), checked."""
    path = file.path
    if not isinstance(file.data, Mapping):
        raise file.error("a practice must be a mapping with id, title, description and steps.")
    practice_id = str(file.data.get("id", ""))
    if practice_id != path.stem:
        raise file.error(f"the id {practice_id!r} must equal the file name {path.stem!r}.", "id")
    for key in ("title", "description"):
        if not str(file.data.get(key) or "").strip():
            raise file.error(f"`{key}:` is missing; every practice has a title and a description.")
    raw_steps = file.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise file.error("`steps:` must be a non-empty list.", "steps")
    scripts: dict[int, PracticeScript] = {}
    for minutes in PRACTICE_LENGTHS:
        steps: list[Step] = []
        for index, raw in enumerate(raw_steps):
            if not isinstance(raw, Mapping):
                raise file.error("each step needs `say:` text.", "steps", index)
            lengths = raw.get("lengths", PRACTICE_LENGTHS)
            if not isinstance(lengths, list | tuple) or not set(lengths) <= set(PRACTICE_LENGTHS):
                offered = ", ".join(str(m) for m in PRACTICE_LENGTHS)
                raise file.error(f"`lengths:` must list minutes from {offered}.", "steps", index, "lengths")
            if minutes not in lengths:
                continue
            text = _say(file, "steps", index)
            pause = _pause_for(raw.get("pause", 0), minutes, file, "steps", index, "pause")
            steps.append(Step(text=text, pause_seconds=pause))
        scripts[minutes] = PracticeScript(practice_id, minutes, tuple(steps))
    return Practice(
        id=practice_id,
        title=" ".join(str(file.data["title"]).split()),
        description=" ".join(str(file.data["description"]).split()),
        scripts=scripts,
    )


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
            affirmation = Affirmation(id=str(item["id"]), theme=str(theme), text=" ".join(str(item["text"]).split()))
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
    raw_steps = file.get("breath")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise file.error("`breath:` must be a non-empty list of steps with `say:` and `pause:`.", "breath")
    steps = []
    for index, raw in enumerate(raw_steps):
        if not isinstance(raw, Mapping):
            raise file.error("each step needs `say:` text.", "breath", index)
        pause = _pause_for(raw.get("pause", 0), 0, file, "breath", index, "pause")
        steps.append(Step(_say(file, "breath", index), pause))
    return tuple(steps)


def load_feelings(file: YamlFile, practice_ids: Iterable[str]) -> tuple[tuple[FeelingTheme, ...], str]:
    """prompts/checkin.yaml: feeling themes, each with the practice that answers it, and the default."""
    known = set(practice_ids)
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
        themes.append(FeelingTheme(id=str(theme_id), practice=practice, words=tuple(w.lower() for w in words)))
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
