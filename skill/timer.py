"""The unguided timer: when its bells ring, and how its silence is cut into parts a speaker can hold.

A timer is one bell to begin, optional interval bells, and three bells to close, all at the voice's
loudness. Its timeline is measured between bell onsets: the closing bell starts exactly `minutes`
after the first one, and an interval bell exactly on its mark. Where AudioPlayer exists the whole
timer is one rendered stream; elsewhere it is SSML, bells as <audio> clips served by the endpoint and
silence as breaks, in parts of at most MAX_SEGMENT_SECONDS, since Alexa plays at most 240 s per reply.

Interval bells are off unless asked for ("with a bell every five minutes", "with a bell halfway"):
the common meditation timers start with none, and a bell in the silence is an interruption for those
who did not ask for it. Two interval settings are offered, halfway and every five minutes, so every
timer a person can ask for is one of ten pre-rendered streams.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

TIMER_ID = "timer"
"""What a finished timer is recorded as in a user's progress."""
TIMER_LENGTHS: tuple[int, ...] = (5, 10, 15, 20)
"""Lengths the timer is offered at, in minutes."""
BELLS: tuple[str, ...] = ("none", "halfway", "every_five")
"""Interval bell settings: none (the default), one bell halfway, a bell every five minutes."""
DEFAULT_BELLS = "none"
EVERY_FIVE_MINUTES = 5

BellKind = Literal["strike", "closing"]


@dataclass(frozen=True)
class BellSettings:
    """How the bell sounds and how long its clips last; the renderer synthesises exactly these."""

    fundamental_hz: float = 262.0
    """Pitch of the lowest partial, in hertz (a small singing bowl; small speakers reproduce it)."""
    strike_seconds: float = 10.0
    """Length of one strike's clip, ring and fade included, in seconds."""
    closing_strikes: int = 3
    """Strikes in the closing bell."""
    closing_gap_seconds: float = 4.5
    """Time between the onsets of the closing strikes, in seconds."""
    lead_in_seconds: float = 0.5
    """Silence before the first bell of a stream, in seconds, so no player clips its attack."""
    stream_bitrate_kbps: int = 48
    """Constant MP3 bitrate of timer streams and bell clips, in kilobits per second (Alexa's SSML
    audio rule is 48 kbps; a bell in silence needs no more)."""

    @property
    def closing_seconds(self) -> float:
        """Length of the closing clip, in seconds."""
        return (self.closing_strikes - 1) * self.closing_gap_seconds + self.strike_seconds

    def clip_seconds(self, kind: BellKind) -> float:
        """Length of a bell clip, in seconds."""
        return self.strike_seconds if kind == "strike" else self.closing_seconds


def snap_timer_minutes(requested: float) -> int:
    """The offered timer length nearest to what was asked (the shorter one on a tie)."""
    return min(TIMER_LENGTHS, key=lambda offered: (abs(offered - requested), offered))


def canonical_bells(minutes: int, bells: str) -> str:
    """The setting that names a timer's sound: settings that ring the same bells share one name."""
    if bells == "every_five" and minutes <= EVERY_FIVE_MINUTES:
        return "none"
    if bells == "halfway" and minutes == 2 * EVERY_FIVE_MINUTES:
        return "every_five"
    return bells if bells in BELLS else DEFAULT_BELLS


def interval_marks(minutes: int, bells: str) -> tuple[float, ...]:
    """Seconds after the first bell at which interval bells ring (none at the start or the close)."""
    total = minutes * 60.0
    bells = canonical_bells(minutes, bells)
    if bells == "halfway":
        return (total / 2,)
    if bells == "every_five":
        step = EVERY_FIVE_MINUTES * 60.0
        return tuple(step * k for k in range(1, math.ceil(total / step)) if step * k < total)
    return ()


@dataclass(frozen=True)
class Bell:
    """One bell on a timer's timeline."""

    at: float
    """Onset, in seconds after the first bell."""
    kind: BellKind


@dataclass(frozen=True)
class TimerPlan:
    """A timer at one length with one interval setting."""

    minutes: int
    bells: str

    @classmethod
    def of(cls, minutes: int, bells: str) -> TimerPlan:
        """The plan with its bells setting in canonical form."""
        return cls(minutes, canonical_bells(minutes, bells))

    @property
    def seconds(self) -> float:
        """From the first bell's onset to the closing bell's, in seconds."""
        return self.minutes * 60.0

    @property
    def track_id(self) -> str:
        """Its name among rendered tracks: timer, timer_halfway or timer_every_five."""
        return TIMER_ID if self.bells == "none" else f"{TIMER_ID}_{self.bells}"

    def timeline(self) -> tuple[Bell, ...]:
        """Every bell in order: the first, the interval bells, the closing bell."""
        middle = tuple(Bell(at, "strike") for at in interval_marks(self.minutes, self.bells))
        return (Bell(0.0, "strike"), *middle, Bell(self.seconds, "closing"))


def plan_for_track(track_id: str, minutes: int) -> TimerPlan | None:
    """The plan a rendered track's id and length name, or None when they name no timer."""
    if minutes not in TIMER_LENGTHS:
        return None
    if track_id == TIMER_ID:
        return TimerPlan.of(minutes, "none")
    prefix = f"{TIMER_ID}_"
    if track_id.startswith(prefix) and track_id[len(prefix) :] in BELLS[1:]:
        plan = TimerPlan.of(minutes, track_id[len(prefix) :])
        return plan if plan.track_id == track_id else None
    return None


def is_timer_track(track_id: str) -> bool:
    """True for the ids timer tracks are rendered under."""
    return track_id == TIMER_ID or track_id.startswith(f"{TIMER_ID}_")


@dataclass(frozen=True)
class TimerPart:
    """A stretch of the timer spoken in one SSML reply."""

    index: int
    start: float
    """Seconds after the first bell where this part begins."""
    end: float
    """Seconds after the first bell where it ends (the closing bell's onset for the last part)."""
    bells: tuple[Bell, ...]
    """Bells whose onset falls in [start, end), and the closing bell in the last part."""

    @property
    def seconds(self) -> float:
        """The silence and bells this part holds, in seconds (the last part's closing ring excluded)."""
        return self.end - self.start


def timer_parts(plan: TimerPlan, bell: BellSettings, max_seconds: float) -> list[TimerPart]:
    """The timeline cut into equal parts of at most max_seconds, never inside a bell's ring."""
    total = plan.seconds
    count = max(1, math.ceil(total / max_seconds - 1e-9))
    bounds = [total * k / count for k in range(count + 1)]
    timeline = plan.timeline()
    for k in range(1, count):
        for ring in timeline:
            # A bell that would still be ringing at the cut moves the cut to its onset.
            if ring.at < bounds[k] < ring.at + bell.clip_seconds(ring.kind):
                bounds[k] = ring.at
    parts = []
    for k in range(count):
        start, end = bounds[k], bounds[k + 1]
        last = k == count - 1
        inside = tuple(b for b in timeline if start <= b.at < end or (last and b.kind == "closing"))
        parts.append(TimerPart(k, start, end, inside))
    return parts


def timer_state(raw: Any) -> tuple[TimerPlan, int] | None:
    """A timer spoken in parts, from its session attribute {minutes, bells, part}; None when malformed."""
    if not isinstance(raw, dict):
        return None
    minutes, bells, part = raw.get("minutes"), raw.get("bells"), raw.get("part")
    if minutes not in TIMER_LENGTHS or bells not in BELLS or not isinstance(part, int) or isinstance(part, bool):
        return None
    return TimerPlan.of(int(minutes), str(bells)), max(0, part)
