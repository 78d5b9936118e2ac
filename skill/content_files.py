"""The smaller content files: the unguided timer (prompts/timer.yaml) and the practice of the day
(prompts/daily.yaml), each a name or rotation plus the sentences it speaks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError
from .yaml_files import load_responses_data, load_yaml


@dataclass(frozen=True)
class TimerContent:
    """The unguided timer as it is named and described (prompts/timer.yaml)."""

    title: str
    """Name as spoken in a sentence ("the silent sit with bells")."""
    description: str
    """One or two sentences saying what it is for."""


@dataclass(frozen=True)
class DailyContent:
    """The practice of the day (prompts/daily.yaml): which practices take turns, and at what length."""

    rotation: Mapping[str, str]
    """Practice id -> a plain line saying what it is, in the order the practices take turns."""
    minutes: int = 5
    """The length offered, in minutes."""


def load_timer(path: Path) -> tuple[TimerContent, dict[str, tuple[str, ...]]]:
    """The timer's name, description and sentences (prompts/timer.yaml)."""
    data = load_yaml(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("responses"), Mapping):
        raise ContentError(f"{path} must have `title:`, `description:` and `responses:` (the timer's sentences).")
    for key in ("title", "description"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ContentError(f"{path}: `{key}:` must be a sentence; write it there.")
    timer = TimerContent(" ".join(data["title"].split()), " ".join(data["description"].split()))
    return timer, load_responses_data(data["responses"])


def load_daily(
    path: Path, practice_ids: set[str], lengths: Sequence[int]
) -> tuple[DailyContent, dict[str, tuple[str, ...]]]:
    """The practice of the day's rotation, length and sentences (prompts/daily.yaml)."""
    data = load_yaml(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("responses"), Mapping):
        raise ContentError(f"{path} must have `minutes:`, `rotation:` and `responses:` (the sentences).")
    rotation = data.get("rotation")
    if not isinstance(rotation, Mapping) or len(rotation) < 2:
        raise ContentError(f"{path}: `rotation:` must map at least two practice ids to a line saying what each is.")
    for practice_id in rotation:
        if practice_id not in practice_ids:
            raise ContentError(f"{path}: rotation names {practice_id!r}, which is not a practice; use a practice id.")
    minutes = data.get("minutes")
    if not isinstance(minutes, int) or minutes not in lengths:
        raise ContentError(f"{path}: `minutes:` must be one of {', '.join(map(str, lengths))}.")
    lines = {str(k): " ".join(str(v).split()) for k, v in rotation.items()}
    return DailyContent(lines, int(minutes)), load_responses_data(data["responses"])
