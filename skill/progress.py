"""A user's stored progress: practice history, streaks, affirmation rotation and saved position.

Persistent attributes hold ids, dates, counts and positions only, never anything a user said.
Every function here works on the plain attribute dict so the same code serves every adapter.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

Attributes = MutableMapping[str, Any]

#: Distinct practice days kept; enough for any streak a year long and this week's count.
MAX_DAYS_KEPT = 400


@dataclass(frozen=True)
class Position:
    """Where a listener is in a practice."""

    practice: str
    minutes: int
    segment: int
    """Index of the segment to play next."""
    variant: int = 0
    """Which variant of the practice is playing: the segments are that variant's, so it is kept
    with them (a position saved before variants existed has none and means the first)."""

    def to_dict(self) -> dict[str, Any]:
        """Stored form."""
        return {"practice": self.practice, "minutes": self.minutes, "segment": self.segment, "variant": self.variant}

    @classmethod
    def from_dict(cls, raw: Any) -> Position | None:
        """Parse a stored position; None when absent or malformed."""
        if not isinstance(raw, dict):
            return None
        try:
            return cls(str(raw["practice"]), int(raw["minutes"]), int(raw["segment"]), int(raw.get("variant", 0)))
        except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: int(1e400)
            return None


@dataclass(frozen=True)
class ProgressSummary:
    """What ProgressIntent reports."""

    total: int
    week_days: int
    """Distinct days practised since Monday of this week."""
    streak: int
    """Consecutive days practised, ending today or yesterday."""


def record_visit(attrs: Attributes) -> int:
    """Count a launch; returns the number of earlier visits."""
    visits = int(attrs.get("visits", 0))
    attrs["visits"] = visits + 1
    return visits


def record_completion(attrs: Attributes, practice_id: str, day: dt.date) -> None:
    """Count a finished practice on a local calendar day."""
    attrs["completed"] = int(attrs.get("completed", 0)) + 1
    by_practice = dict(attrs.get("by_practice", {}))
    by_practice[practice_id] = int(by_practice.get(practice_id, 0)) + 1
    attrs["by_practice"] = by_practice
    days = set(attrs.get("days", []))
    days.add(day.isoformat())
    attrs["days"] = sorted(days)[-MAX_DAYS_KEPT:]
    # The day each practice was last finished: the practice of the day favours what was not done lately.
    last_done = dict(attrs.get("last_done", {}))
    last_done[practice_id] = max(day.isoformat(), str(last_done.get(practice_id, "")))
    attrs["last_done"] = last_done


def summarize(attrs: Attributes, today: dt.date) -> ProgressSummary:
    """Totals, days this week and the current streak as of today."""
    days = {dt.date.fromisoformat(d) for d in attrs.get("days", []) if _is_date(d)}
    monday = today - dt.timedelta(days=today.weekday())
    week_days = sum(1 for d in days if monday <= d <= today)
    cursor = today if today in days else today - dt.timedelta(days=1)
    streak = 0
    while cursor in days:
        streak += 1
        cursor -= dt.timedelta(days=1)
    return ProgressSummary(total=int(attrs.get("completed", 0)), week_days=week_days, streak=streak)


def _is_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def next_affirmation(
    attrs: Attributes, pool: Iterable[str], rng: random.Random, known: Iterable[str] | None = None
) -> str:
    """Pick an affirmation id this user has not heard in the current round of pool, and remember it.

    When the whole pool has been heard a new round of it starts, never opening with the last one heard.
    pool may be one theme's ids: what was heard from the other known ids (default: pool) is kept.
    """
    pool_ids = list(pool)
    known_ids = set(known) if known is not None else set(pool_ids)
    earlier = [h for h in attrs.get("heard", []) if h in known_ids]
    heard = [h for h in earlier if h in pool_ids]
    others = [h for h in earlier if h not in pool_ids]
    unheard = [a for a in pool_ids if a not in heard]
    if not unheard:
        last = heard[-1] if heard else None
        heard = []
        unheard = [a for a in pool_ids if a != last] or pool_ids
    choice = rng.choice(unheard)
    attrs["heard"] = [*others, *heard, choice]
    return choice


def get_position(attrs: Attributes) -> Position | None:
    """The saved practice position, if any."""
    return Position.from_dict(attrs.get("position"))


def set_position(attrs: Attributes, position: Position | None) -> None:
    """Save or clear the practice position."""
    if position is None:
        attrs.pop("position", None)
    else:
        attrs["position"] = position.to_dict()
