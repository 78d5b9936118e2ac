"""The practice of the day: one per user per local date, the same all day, a different one the next.

The practices in prompts/daily.yaml take turns. Each user starts the rotation at their own place (a
hash of their id), so not everyone hears the same practice on the same day. The first practice in
today's turn that was not yesterday's suggestion and was not done in the last few days is chosen,
which favours what someone has not practised lately; when everything was done lately, the one done
longest ago. The choice is saved with its date (ids and dates only), so Repeat, a second session
and anything practised later in the day never change it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from .progress import Attributes

#: Days within which a practice counts as done lately.
RECENT_DAYS = 3
DAILY = "daily"
"""Progress key: {"day": ISO date, "practice": id} of the latest suggestion."""
LAST_DONE = "last_done"
"""Progress key: practice id -> ISO date it was last finished (kept by skill.progress)."""


def rotation_start(user_key: str, day: dt.date, length: int) -> int:
    """Where today's turn starts: a place of the user's own, one step on each day."""
    seed = int(hashlib.sha256(user_key.encode()).hexdigest()[:8], 16)
    return (seed + day.toordinal()) % length


def _date(raw: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def choose(
    rotation: Sequence[str], user_key: str, day: dt.date, last_done: Mapping[str, Any], yesterday: str | None
) -> str:
    """Today's practice for a user, from their history (deterministic)."""
    start = rotation_start(user_key, day, len(rotation))
    turn = [*rotation[start:], *rotation[:start]]
    candidates = [p for p in turn if p != yesterday] or turn

    def days_since(practice: str) -> float:
        done = _date(last_done.get(practice))
        # Only days before today count, so practising today does not change today's choice.
        return float("inf") if done is None or done >= day else float((day - done).days)

    for practice in candidates:
        if days_since(practice) > RECENT_DAYS:
            return practice
    # Everything was done lately: the one done longest ago (the earliest in the turn on a tie).
    return max(candidates, key=days_since)


def practice_of_the_day(attributes: Attributes, rotation: Sequence[str], user_key: str, day: dt.date) -> str:
    """Today's practice: the one saved for today, else a new choice, saved with today's date."""
    saved = attributes.get(DAILY)
    saved = saved if isinstance(saved, dict) else {}
    if saved.get("day") == day.isoformat() and saved.get("practice") in rotation:
        return str(saved["practice"])
    yesterday = saved.get("practice") if saved.get("day") == (day - dt.timedelta(days=1)).isoformat() else None
    last_done = attributes.get(LAST_DONE)
    chosen = choose(rotation, user_key, day, last_done if isinstance(last_done, dict) else {}, yesterday)
    attributes[DAILY] = {"day": day.isoformat(), "practice": chosen}
    return chosen


def done_on(attributes: Attributes, practice: str, day: dt.date) -> bool:
    """True when the practice was finished on that day."""
    last_done = attributes.get(LAST_DONE)
    return isinstance(last_done, dict) and last_done.get(practice) == day.isoformat()
