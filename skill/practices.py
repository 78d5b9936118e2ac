"""Guided practices from prompts/practices/*.yaml and the shared frames in prompts/practice_frames.yaml.

A practice at one length is spoken as one of a few *variants*, so a daily listener does not hear
the same script two days running. A variant is an opening (from the practice's frame pool), one of
the practice's middles, and a closing (from the frame pool), with the turns that lead from one
part of the middle to the next taken from a shared pool. One silence in each middle is marked
`flex`: it takes up the difference between a variant's words and its length, so every variant
lasts its minutes whatever opening and closing it was given (within a bound that is checked here).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ContentError
from .prompt_files import Key, YamlFile

#: Lengths a practice is offered at, in minutes, unless its file says otherwise.
PRACTICE_LENGTHS: tuple[int, ...] = (3, 5, 10)

#: Longest length a practice file may offer, in minutes.
MAX_PRACTICE_MINUTES = 60

#: Words per minute assumed for guided speech: Alexa at <prosody rate="90%"> and espeak-ng at the
#: local renderer's matching rate both land close to this, punctuation pauses included.
SPEAKING_RATE_WPM = 140.0

#: How far a flexible silence may stretch or shrink to fit a variant to its length, as a share of
#: the silence as written: beyond this the words, not the silence, need changing.
FLEX_LIMIT = 0.5

#: Where a step asks for a turn from the shared pool ("{turn} bring to mind ...").
TURN = "{turn}"

#: How a practice ends: `return` (back to the room, eyes open) or `fade` (the voice fades for sleep).
ENDINGS = ("return", "fade")

_WORD = re.compile(r"[\w']+")


def count_words(text: str) -> int:
    """Words as the length estimate counts them."""
    return len(_WORD.findall(text))


def estimate_speech_seconds(text: str, rate_wpm: float = SPEAKING_RATE_WPM) -> float:
    """Estimated seconds to speak plain text at the guided-speech rate."""
    return count_words(text) * 60.0 / rate_wpm


@dataclass(frozen=True)
class Step:
    """One spoken instruction followed by a silence."""

    text: str
    """What is said; plain text, no SSML."""
    pause_seconds: float
    """Silence after the text, in seconds."""
    volume_db: float = 0.0
    """Loudness relative to the practice voice, in decibels (negative while a practice fades out)."""


@dataclass(frozen=True)
class PracticeScript:
    """A practice at one length, in one variant: the ordered steps that are spoken."""

    practice_id: str
    minutes: int
    steps: tuple[Step, ...]
    variant: int = 0
    """Which of the practice's variants at this length (0-based)."""

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

    @property
    def longest_silence(self) -> float:
        """The longest single silence, in seconds."""
        return max((step.pause_seconds for step in self.steps), default=0.0)

    @property
    def words(self) -> int:
        """Words spoken."""
        return sum(count_words(step.text) for step in self.steps)


@dataclass(frozen=True)
class Practice:
    """A guided practice, offered at each of its lengths in one or more variants."""

    id: str
    title: str
    """Name as spoken in a sentence ("the soothing breath")."""
    description: str
    """One or two sentences saying what the practice is for."""
    scripts: Mapping[int, tuple[PracticeScript, ...]]
    """Variants by length in minutes."""
    ending: str = "return"
    """`return` (eyes open, back to the room) or `fade` (for sleep: no question at the end)."""

    @property
    def lengths(self) -> tuple[int, ...]:
        """The lengths offered, in minutes, shortest first."""
        return tuple(sorted(self.scripts))

    def variant_count(self, minutes: int) -> int:
        """How many variants the practice has at a length."""
        return len(self.scripts[minutes])

    def script(self, minutes: int, variant: int = 0) -> PracticeScript:
        """One variant of the script for an offered length (the variant number wraps around)."""
        variants = self.scripts[minutes]
        return variants[variant % len(variants)]

    def variants(self, minutes: int) -> tuple[PracticeScript, ...]:
        """Every variant at a length."""
        return self.scripts[minutes]


@dataclass(frozen=True)
class _RawStep:
    """A step as written, before it is fitted to a length."""

    text: str
    pause: Any
    lengths: tuple[int, ...] | None
    flex: bool
    volume_db: float
    file: YamlFile
    keys: tuple[Key, ...]
    """Where the step is written, for errors."""

    def error(self, message: str, *more: Key) -> ContentError:
        """A ContentError naming the step's file and line."""
        return self.file.error(message, *self.keys, *more)


@dataclass(frozen=True)
class Frames:
    """Openings and closings by pool name, the turns between parts, and how many variants to make."""

    openings: Mapping[str, tuple[tuple[_RawStep, ...], ...]]
    closings: Mapping[str, tuple[tuple[_RawStep, ...], ...]]
    turns: tuple[str, ...]
    variants: int


def _pause_for(raw: Any, minutes: int, step: _RawStep) -> float:
    if isinstance(raw, int | float) and not isinstance(raw, bool) and raw >= 0:
        return float(raw)
    if isinstance(raw, Mapping):
        if minutes not in raw:
            raise step.error(f"the pause has no value for {minutes} minutes; add `{minutes}: SECONDS`.", "pause")
        return _pause_for(raw[minutes], minutes, step)
    raise step.error("a pause must be seconds, or a map of minutes to seconds.", "pause")


def _raw_steps(file: YamlFile, *keys: Key) -> tuple[_RawStep, ...]:
    raw_steps = file.get(*keys)
    if not isinstance(raw_steps, list) or not raw_steps:
        raise file.error("`steps:` must be a non-empty list.", *keys)
    steps = []
    for index, raw in enumerate(raw_steps):
        at = (*keys, index)
        say = raw.get("say") if isinstance(raw, Mapping) else None
        if not isinstance(say, str | int | float) or isinstance(say, bool) or not str(say).strip():
            raise file.error("each step needs `say:` text.", *at)
        text = " ".join(str(say).split())
        if "<" in text or ">" in text or "&" in text:
            raise file.error("write plain text; SSML is added by the skill.", *at, "say")
        if TURN in text and (not text.startswith(TURN + " ") or not text[len(TURN) + 1 : len(TURN) + 2].islower()):
            raise file.error(f"{TURN} goes at the very start, before a word in lower case.", *at, "say")
        lengths = raw.get("lengths")
        if lengths is not None and (not isinstance(lengths, list) or not all(isinstance(m, int) for m in lengths)):
            raise file.error("`lengths:` must be a list of minutes, such as [5, 10].", *at, "lengths")
        volume = raw.get("volume", 0)
        if not isinstance(volume, int | float) or isinstance(volume, bool) or not -20 <= volume <= 0:
            raise file.error("`volume:` is decibels from -20 to 0, such as -6.", *at, "volume")
        steps.append(
            _RawStep(
                text, raw.get("pause", 0), tuple(lengths) if lengths else None, bool(raw.get("flex")), volume, file, at
            )
        )
    return tuple(steps)


def _pool(file: YamlFile, key: str) -> dict[str, tuple[tuple[_RawStep, ...], ...]]:
    pools = file.mapping(key, what="pool names to lists of `steps:`")
    if not pools:
        raise file.error(f"`{key}:` must map pool names to lists of `steps:`.", key)
    result = {}
    for name, entries in pools.items():
        if not isinstance(entries, list) or not entries:
            raise file.error(f"{key} pool {name!r} must be a non-empty list of `steps:`.", key, name)
        result[str(name)] = tuple(_raw_steps(file, key, name, number, "steps") for number in range(len(entries)))
    return result


def load_steps(file: YamlFile, *keys: Key) -> tuple[Step, ...]:
    """A list of steps at keys with plain pauses in seconds (no lengths, turns or flex), such as care.yaml's breath."""
    steps = []
    for raw in _raw_steps(file, *keys):
        if raw.lengths is not None or raw.flex or raw.text.startswith(TURN) or isinstance(raw.pause, Mapping):
            raise raw.error("these steps are spoken as written: give each a `say:` and a `pause:` in seconds only.")
        steps.append(Step(raw.text, _pause_for(raw.pause, 0, raw), raw.volume_db))
    return tuple(steps)


def load_frames(file: YamlFile) -> Frames:
    """The shared openings, closings and turns (prompts/practice_frames.yaml)."""
    if not isinstance(file.data, Mapping):
        raise file.error("the file must have `variants:`, `openings:`, `closings:` and `turns:`.")
    turns = file.get("turns")
    if not isinstance(turns, list) or not turns or not all(isinstance(t, str) and t.strip() for t in turns):
        raise file.error('`turns:` must be a list of short lead-ins such as "Now,".', "turns")
    variants = file.get("variants")
    if not isinstance(variants, int) or isinstance(variants, bool) or not 2 <= variants <= 6:
        raise file.error("`variants:` must be a whole number from 2 to 6.", "variants")
    openings, closings = _pool(file, "openings"), _pool(file, "closings")
    return Frames(openings, closings, tuple(t.strip() for t in turns), variants)


def _fit(steps: Sequence[_RawStep], minutes: int) -> list[tuple[_RawStep, Step]]:
    """The steps present at a length, with their pauses for it."""
    return [
        (raw, Step(raw.text, _pause_for(raw.pause, minutes, raw), raw.volume_db))
        for raw in steps
        if raw.lengths is None or minutes in raw.lengths
    ]


def _offset(practice_id: str) -> int:
    """A fixed offset per practice, so practices do not all use the same opening on the same variant."""
    return zlib.crc32(practice_id.encode())


def _compose(
    practice_id: str,
    minutes: int,
    variant: int,
    middle: Sequence[_RawStep],
    frames: Frames | None,
    frame: str | None,
) -> PracticeScript:
    """One variant at one length: opening, middle with its turns, closing; the flexible silence fitted."""
    offset = _offset(practice_id)
    parts: list[tuple[_RawStep, Step]] = []
    if frames is not None and frame is not None:
        openings, closings = frames.openings[frame], frames.closings[frame]
        parts += _fit(openings[(variant + offset) % len(openings)], minutes)
        parts += _fit(middle, minutes)
        parts += _fit(closings[(variant + offset // 7) % len(closings)], minutes)
    else:
        parts += _fit(middle, minutes)
    steps: list[Step] = []
    turns = frames.turns if frames is not None else ("",)
    turn_number = 0
    for _, step in parts:
        if step.text.startswith(TURN):
            lead = turns[(variant * 2 + offset + turn_number) % len(turns)]
            turn_number += 1
            rest = step.text[len(TURN) :].strip()
            text = f"{lead} {rest}" if lead else rest[:1].upper() + rest[1:]
            step = Step(text, step.pause_seconds, step.volume_db)
        steps.append(step)
    flexible = [index for index, (raw, _) in enumerate(parts) if raw.flex]
    where = f"at {minutes} minutes, variant {variant + 1}"
    script = PracticeScript(practice_id, minutes, tuple(steps), variant)
    if not flexible:
        return script
    if len(flexible) > 1:
        raise parts[flexible[1]][0].error(
            f"{where}, mark at most one step `flex: true` at each length (found {len(flexible)}).", "flex"
        )
    index = flexible[0]
    written = steps[index].pause_seconds
    fitted = written + minutes * 60 - script.total_seconds
    if not written * (1 - FLEX_LIMIT) <= fitted <= written * (1 + FLEX_LIMIT):
        over = script.total_seconds - minutes * 60
        words = round(abs(over) * SPEAKING_RATE_WPM / 60)
        change = "shorten it by" if over > 0 else "lengthen it by"
        raise parts[index][0].error(
            f"{where} the practice runs {abs(over):.0f} s {'long' if over > 0 else 'short'}, more than this "
            f"flexible silence can absorb; {change} about {words} words or change its pauses.",
            "flex",
        )
    steps[index] = Step(steps[index].text, round(fitted, 1), steps[index].volume_db)
    return PracticeScript(practice_id, minutes, tuple(steps), variant)


def load_practice(file: YamlFile, frames: Frames | None) -> Practice:
    """One practice file (prompts/practices/<id>.yaml), with every variant at every length composed and checked."""
    path, data = file.path, file.data
    if not isinstance(data, Mapping):
        raise file.error("a practice must be a mapping with id, title, description and middles.")
    practice_id = str(data.get("id", ""))
    if practice_id != path.stem:
        raise file.error(f"the id {practice_id!r} must equal the file name {path.stem!r}.", "id")
    for key in ("title", "description"):
        if not str(data.get(key) or "").strip():
            raise file.error(f"`{key}:` is missing; every practice has a title and a description.")
    lengths = data.get("lengths", list(PRACTICE_LENGTHS))
    if not isinstance(lengths, list) or not lengths or not all(_minutes(m) for m in lengths):
        raise file.error(
            f"`lengths:` must be a list of minutes from 1 to {MAX_PRACTICE_MINUTES}, such as [3, 5, 10].", "lengths"
        )
    ending = str(data.get("ending", "return"))
    if ending not in ENDINGS:
        raise file.error(f"`ending:` must be one of {', '.join(ENDINGS)}.", "ending")
    frame = data.get("frame")
    if frame is not None and (frames is None or frame not in frames.openings or frame not in frames.closings):
        raise file.error(
            f"the frame {frame!r} needs an opening and a closing pool of that name in prompts/practice_frames.yaml.",
            "frame",
        )
    if "middles" in data:
        raw_middles = data["middles"]
        if not isinstance(raw_middles, list) or not raw_middles:
            raise file.error("`middles:` must be a non-empty list, each with `steps:`.", "middles")
        middles = [_raw_steps(file, "middles", number, "steps") for number in range(len(raw_middles))]
    else:
        middles = [_raw_steps(file, "steps")]
    count = max(len(middles), frames.variants if frames is not None and frame is not None else 1)
    scripts: dict[int, tuple[PracticeScript, ...]] = {}
    for minutes in sorted(set(lengths)):
        variants = tuple(
            _compose(practice_id, minutes, v, middles[v % len(middles)], frames, frame) for v in range(count)
        )
        texts = [tuple(step.text for step in script.steps) for script in variants]
        if len(set(texts)) != len(texts):
            raise file.error(f"two variants at {minutes} minutes are the same; add a middle or an opening.")
        scripts[minutes] = variants
    return Practice(
        id=practice_id,
        title=" ".join(str(data["title"]).split()),
        description=" ".join(str(data["description"]).split()),
        scripts=scripts,
        ending=ending,
    )


def _minutes(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PRACTICE_MINUTES


def practice_table(practices: Mapping[str, Practice]) -> list[dict[str, Any]]:
    """Measured length, silence share, longest silence and words of every variant of every practice."""
    rows = []
    for practice in practices.values():
        for minutes in practice.lengths:
            for script in practice.variants(minutes):
                rows.append(
                    {
                        "practice": practice.id,
                        "minutes": minutes,
                        "variant": script.variant + 1,
                        "total_seconds": round(script.total_seconds, 1),
                        "speech_seconds": round(script.speech_seconds, 1),
                        "silence_seconds": round(script.silence_seconds, 1),
                        "silence_share": round(script.silence_share, 3),
                        "longest_silence": round(script.longest_silence, 1),
                        "words": script.words,
                        "length_error": round(script.total_seconds / (minutes * 60) - 1, 3),
                    }
                )
    return rows
