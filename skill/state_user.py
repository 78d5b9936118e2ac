"""Typed per-user state: progress, the saved place in a practice, the affirmation rotation, visits.

Persistent attributes hold ids, dates, counts and positions only, never anything a user said. They
are parsed like session attributes (see skill/state.py): `UserState.parse` never raises, resets what
it cannot use and names each field it reset; `to_raw` stores only what the product needs, so a
malformed or retired field is gone after the next write.

The methods that change progress return a new state: an optimistic update may run them more than
once (skill/persistence.py), and a pure function of the state read is safe to redo.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .audio_catalog import AudioTrack
from .state import (
    Position,
    Problems,
    Vocabulary,
    as_count,
    as_day,
    as_id,
    as_mapping,
    as_text,
    note_unknown,
)

#: Distinct practice days kept; enough for any streak a year long and this week's count.
MAX_DAYS_KEPT = 400
#: Affirmation ids remembered for the rotation (far more than the pool holds).
MAX_HEARD = 1000
#: Practices counted one by one; more than this in a record means it was not written by KindWell.
MAX_PRACTICES_COUNTED = 64
#: Largest count kept (visits, completions).
MAX_COUNT = 10**9
#: Largest saved playback offset, in milliseconds (a day; practices last minutes).
MAX_OFFSET_MS = 24 * 60 * 60 * 1000
#: Longest AudioPlayer token read, in characters.
MAX_TOKEN_CHARS = 256


@dataclass(frozen=True)
class SavedAudio:
    """Where a practice stream was left: its track and the offset into it."""

    track: AudioTrack
    offset_ms: int
    """Playback position, in milliseconds."""

    @classmethod
    def parse(cls, raw: object, vocabulary: Vocabulary, name: str, problems: Problems) -> SavedAudio | None:
        """A stored stream position, or None; an unusable token drops it, a bad offset starts from 0."""
        fields = as_mapping(raw, name, problems)
        if fields is None:
            return None
        track = parse_token(fields.get("token"))
        if track is None or not vocabulary.offered(track.practice, track.minutes):
            problems.add(f"{name}.token")
            return None
        offset = as_count(fields.get("offset", 0), MAX_OFFSET_MS)
        if offset is None:
            problems.add(f"{name}.offset")
        note_unknown(fields, frozenset({"token", "offset"}), name, problems)
        return cls(track, offset or 0)


def parse_token(value: object) -> AudioTrack | None:
    """A token this skill issued, or None for anything else (bounded before it is split)."""
    token = as_text(value, MAX_TOKEN_CHARS)
    return AudioTrack.from_token(token) if token else None


@dataclass(frozen=True)
class DailyPick:
    """The practice of the day as chosen for one local date (ids and dates only)."""

    day: dt.date
    practice: str

    @classmethod
    def parse(cls, raw: object, vocabulary: Vocabulary, problems: Problems) -> DailyPick | None:
        """A stored pick, or None; a pick with any bad part is dropped whole (a new one is chosen)."""
        fields = as_mapping(raw, "user.daily", problems)
        if fields is None:
            return None
        day, practice = as_day(fields.get("day")), vocabulary.practice(fields.get("practice"))
        if day is None:
            problems.add("user.daily.day")
        if practice is None:
            problems.add("user.daily.practice")
        note_unknown(fields, frozenset({"day", "practice"}), "user.daily", problems)
        return cls(day, practice) if day is not None and practice is not None else None


@dataclass(frozen=True)
class ProgressSummary:
    """What ProgressIntent reports."""

    total: int
    week_days: int
    """Distinct days practised since Monday of this week."""
    streak: int
    """Consecutive days practised, ending today or yesterday."""


@dataclass(frozen=True)
class UserState:
    """One user's stored state."""

    visits: int = 0
    completed: int = 0
    """Practices finished, in all."""
    by_practice: Mapping[str, int] = field(default_factory=dict)
    """Practices finished, by practice id (history: ids of retired practices are kept)."""
    days: tuple[dt.date, ...] = ()
    """Distinct local days with a finished practice, oldest first, at most MAX_DAYS_KEPT."""
    heard: tuple[str, ...] = ()
    """Affirmation ids heard in the current round, in order."""
    position: Position | None = None
    """The saved place in a practice spoken as SSML segments."""
    audio: SavedAudio | None = None
    """The saved place in a practice stream (AudioPlayer devices)."""
    last_done: Mapping[str, dt.date] = field(default_factory=dict)
    """Practice id (or the timer) -> the local day it was last finished, for the practice of the day."""
    daily: DailyPick | None = None
    """The latest practice of the day, with the date it was chosen for."""

    @classmethod
    def parse(cls, raw: object, vocabulary: Vocabulary) -> tuple[UserState, Problems]:
        """Persistent attributes as a model and the names of the fields that were reset; never raises."""
        problems = Problems()
        fields = as_mapping(raw, "user", problems) or {}
        state = cls(
            visits=_count(fields.get("visits"), "user.visits", problems),
            completed=_count(fields.get("completed"), "user.completed", problems),
            by_practice=_by_practice(fields.get("by_practice"), problems),
            days=_days(fields.get("days"), problems),
            heard=_heard(fields.get("heard"), problems),
            position=Position.parse(fields.get("position"), vocabulary, "user.position", problems),
            audio=SavedAudio.parse(fields.get("audio"), vocabulary, "user.audio", problems),
            last_done=_last_done(fields.get("last_done"), problems),
            daily=DailyPick.parse(fields.get("daily"), vocabulary, problems),
        )
        note_unknown(fields, _USER_KEYS, "user", problems)
        return state, problems

    def to_raw(self) -> dict[str, Any]:
        """Persistent attributes: only what is set, in JSON-safe types."""
        raw: dict[str, Any] = {}
        if self.visits:
            raw["visits"] = self.visits
        if self.completed:
            raw["completed"] = self.completed
        if self.by_practice:
            raw["by_practice"] = dict(self.by_practice)
        if self.days:
            raw["days"] = [day.isoformat() for day in self.days]
        if self.heard:
            raw["heard"] = list(self.heard)
        if self.position is not None:
            raw["position"] = self.position.to_dict()
        if self.audio is not None:
            raw["audio"] = {"token": self.audio.track.token, "offset": self.audio.offset_ms}
        if self.last_done:
            raw["last_done"] = {practice: day.isoformat() for practice, day in self.last_done.items()}
        if self.daily is not None:
            raw["daily"] = {"day": self.daily.day.isoformat(), "practice": self.daily.practice}
        return raw

    def visited(self) -> UserState:
        """Count a launch."""
        return replace(self, visits=min(self.visits + 1, MAX_COUNT))

    def finished(self, practice_id: str, day: dt.date) -> UserState:
        """Count a finished practice on a local calendar day."""
        by_practice = dict(self.by_practice)
        by_practice[practice_id] = min(by_practice.get(practice_id, 0) + 1, MAX_COUNT)
        if len(by_practice) > MAX_PRACTICES_COUNTED:
            by_practice = {practice_id: by_practice[practice_id]}
        days = sorted({*self.days, day})[-MAX_DAYS_KEPT:]
        last_done = dict(self.last_done)
        last_done[practice_id] = max(day, last_done.get(practice_id, day))
        if len(last_done) > MAX_PRACTICES_COUNTED:
            last_done = {practice_id: last_done[practice_id]}
        return replace(
            self,
            completed=min(self.completed + 1, MAX_COUNT),
            by_practice=by_practice,
            days=tuple(days),
            last_done=last_done,
        )

    def with_daily(self, pick: DailyPick) -> UserState:
        """Save the practice of the day with its date."""
        return replace(self, daily=pick)

    def summary(self, today: dt.date) -> ProgressSummary:
        """Totals, days this week and the current streak as of today."""
        days = set(self.days)
        monday = today - dt.timedelta(days=today.weekday())
        week_days = sum(1 for d in days if monday <= d <= today)
        cursor = today if today in days else today - dt.timedelta(days=1)
        streak = 0
        while cursor in days:
            streak += 1
            cursor -= dt.timedelta(days=1)
        return ProgressSummary(total=self.completed, week_days=week_days, streak=streak)

    def with_next_affirmation(
        self, pool: Iterable[str], rng: random.Random, known: Iterable[str] | None = None
    ) -> UserState:
        """Hear one affirmation not yet heard in this round of pool; it is the last of `heard` afterwards.

        When the whole pool has been heard a new round of it starts, never opening with the last one
        heard. pool may be one theme's ids: what was heard from the other known ids (default: pool) is
        kept, so a theme's round does not restart the others'.
        """
        pool_ids = list(pool)
        known_ids = set(known) if known is not None else set(pool_ids)
        earlier = [h for h in self.heard if h in known_ids]
        heard = [h for h in earlier if h in pool_ids]
        others = [h for h in earlier if h not in pool_ids]
        unheard = [a for a in pool_ids if a not in heard]
        if not unheard:
            last = heard[-1] if heard else None
            heard = []
            unheard = [a for a in pool_ids if a != last] or pool_ids
        return replace(self, heard=(*others, *heard, rng.choice(unheard))[-MAX_HEARD:])

    def with_position(self, position: Position | None) -> UserState:
        """Save or clear the place in a practice."""
        return replace(self, position=position)

    def with_audio(self, audio: SavedAudio | None) -> UserState:
        """Save or clear the place in a practice stream."""
        return replace(self, audio=audio)


_USER_KEYS = frozenset(
    {"visits", "completed", "by_practice", "days", "heard", "position", "audio", "last_done", "daily"}
)


def _count(value: object, name: str, problems: Problems) -> int:
    if value is None:
        return 0
    count = as_count(value, MAX_COUNT)
    if count is None:
        problems.add(name)
        return 0
    return count


def _by_practice(raw: object, problems: Problems) -> dict[str, int]:
    fields = as_mapping(raw, "user.by_practice", problems)
    if fields is None:
        return {}
    if len(fields) > MAX_PRACTICES_COUNTED:
        problems.add("user.by_practice")
        return {}
    counts: dict[str, int] = {}
    for key, value in fields.items():
        practice, count = as_id(key), as_count(value, MAX_COUNT)
        if practice is None or count is None:
            problems.add("user.by_practice")
        else:
            counts[practice] = count
    return counts


def _bounded_list(raw: object, limit: int, name: str, problems: Problems) -> list[Any]:
    """The last `limit` items of a list (the newest, for the lists stored here)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.add(name)
        return []
    if len(raw) > limit:
        problems.add(name)
    return raw[-limit:]


def _days(raw: object, problems: Problems) -> tuple[dt.date, ...]:
    days: set[dt.date] = set()
    for item in _bounded_list(raw, MAX_DAYS_KEPT, "user.days", problems):
        day = as_day(item)
        if day is None:
            problems.add("user.days")
        else:
            days.add(day)
    return tuple(sorted(days))


def _heard(raw: object, problems: Problems) -> tuple[str, ...]:
    heard: list[str] = []
    for item in _bounded_list(raw, MAX_HEARD, "user.heard", problems):
        affirmation = as_id(item)
        if affirmation is None:
            problems.add("user.heard")
        else:
            heard.append(affirmation)
    return tuple(heard)


def _last_done(raw: object, problems: Problems) -> dict[str, dt.date]:
    fields = as_mapping(raw, "user.last_done", problems)
    if fields is None:
        return {}
    if len(fields) > MAX_PRACTICES_COUNTED:
        problems.add("user.last_done")
        return {}
    days: dict[str, dt.date] = {}
    for key, value in fields.items():
        practice, day = as_id(key), as_day(value)
        if practice is None or day is None:
            problems.add("user.last_done")
        else:
            days[practice] = day
    return days
