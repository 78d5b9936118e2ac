"""The practice of the day: one per user per local date, the same all day, a different one the next.

The practices in prompts/daily.yaml take turns. Each user starts the rotation at their own place (a
hash of their id), so not everyone hears the same practice on the same day. The first practice in
today's turn that was not yesterday's suggestion and was not done in the last few days is chosen,
which favours what someone has not practised lately; when everything was done lately, the one done
longest ago. The choice is saved with its date (ids and dates only, in the typed UserState), so
Repeat, a second session and anything practised later in the day never change it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence

from .state_user import DailyPick, UserState

#: Days within which a practice counts as done lately.
RECENT_DAYS = 3


def rotation_start(user_key: str, day: dt.date, length: int) -> int:
    """Where today's turn starts: a place of the user's own, one step on each day."""
    seed = int(hashlib.sha256(user_key.encode()).hexdigest()[:8], 16)
    return (seed + day.toordinal()) % length


def choose(
    rotation: Sequence[str], user_key: str, day: dt.date, last_done: Mapping[str, dt.date], yesterday: str | None
) -> str:
    """Today's practice for a user, from their history (deterministic)."""
    start = rotation_start(user_key, day, len(rotation))
    turn = [*rotation[start:], *rotation[:start]]
    candidates = [p for p in turn if p != yesterday] or turn

    def days_since(practice: str) -> float:
        done = last_done.get(practice)
        # Only days before today count, so practising today does not change today's choice.
        return float("inf") if done is None or done >= day else float((day - done).days)

    for practice in candidates:
        if days_since(practice) > RECENT_DAYS:
            return practice
    # Everything was done lately: the one done longest ago (the earliest in the turn on a tie).
    return max(candidates, key=days_since)


def with_practice_of_the_day(state: UserState, rotation: Sequence[str], user_key: str, day: dt.date) -> UserState:
    """The state with today's practice chosen (the one saved for today, else a new choice saved with
    today's date); the choice is `.daily.practice`. A pure function of state, so safe to redo."""
    saved = state.daily
    if saved is not None and saved.day == day and saved.practice in rotation:
        return state
    yesterday = saved.practice if saved is not None and saved.day == day - dt.timedelta(days=1) else None
    chosen = choose(rotation, user_key, day, state.last_done, yesterday)
    return state.with_daily(DailyPick(day, chosen))


def done_on(state: UserState, practice: str, day: dt.date) -> bool:
    """True when the practice was finished on that day."""
    return state.last_done.get(practice) == day
