"""The smaller content files: the unguided timer (prompts/timer.yaml) and the practice of the day
(prompts/daily.yaml), each a name or rotation plus the sentences it speaks. Their sentences are
checked with every other response (skill.prompt_checks) when the Prompts are loaded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .prompt_files import YamlFile


@dataclass(frozen=True)
class TimerContent:
    """The unguided timer as it is named and described (prompts/timer.yaml)."""

    title: str
    """Name as spoken in a sentence ("the silent sit with bells")."""
    description: str
    """One or two sentences saying what it is for."""
    calibration: tuple[str, ...] = ()
    """Guided sentences the offline renderer measures the voice's loudness on (never played), so the
    bell rings as loud as the voice."""


@dataclass(frozen=True)
class DailyContent:
    """The practice of the day (prompts/daily.yaml): which practices take turns, and at what length."""

    rotation: Mapping[str, str]
    """Practice id -> a plain line saying what it is, in the order the practices take turns."""
    minutes: int = 5
    """The length offered, in minutes."""


def load_timer(file: YamlFile) -> TimerContent:
    """The timer's name and description (prompts/timer.yaml; its `responses:` are read with the others)."""
    values = []
    for key in ("title", "description"):
        value = file.get(key)
        if not isinstance(value, str) or not value.strip():
            raise file.error(f"`{key}:` must be a sentence; write it there.", key)
        values.append(" ".join(value.split()))
    calibration = file.strings("calibration", what="guided sentences to measure the voice on", empty=False)
    return TimerContent(values[0], values[1], tuple(" ".join(line.split()) for line in calibration))


def load_daily(file: YamlFile, practice_ids: Iterable[str], lengths: Sequence[int]) -> DailyContent:
    """The practice of the day's rotation and length (prompts/daily.yaml)."""
    known = set(practice_ids)
    rotation = file.mapping("rotation", what="practice ids to a line saying what each is")
    if len(rotation) < 2:
        raise file.error("`rotation:` must map at least two practice ids to a line saying what each is.", "rotation")
    for practice_id, line in rotation.items():
        if practice_id not in known:
            raise file.error(
                f"rotation names {practice_id!r}, which has no file in prompts/practices/; use a practice id.",
                "rotation",
                practice_id,
            )
        if not isinstance(line, str) or not line.strip():
            raise file.error(f"{practice_id!r} needs a plain line saying what it is.", "rotation", practice_id)
    minutes = file.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes not in lengths:
        raise file.error(f"`minutes:` must be one of {', '.join(map(str, lengths))}.", "minutes")
    return DailyContent({str(k): " ".join(str(v).split()) for k, v in rotation.items()}, minutes)
