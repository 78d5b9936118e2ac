"""A user's progress as raw persistent attributes, for code that holds a stored record as a dict.

The skill itself works on the typed `UserState` (skill/state_user.py), parsed at the edge. These
functions keep the older dict-in-place interface for scripts and tests: each parses the dict (any
id-shaped practice is accepted, since no content is at hand), applies the same arithmetic as the
typed state, and writes the result back into the dict, so malformed fields are reset here too.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from .state import ANY_PRACTICE, Position, Problems
from .state_user import MAX_DAYS_KEPT, ProgressSummary, UserState

__all__ = [
    "MAX_DAYS_KEPT",
    "Attributes",
    "Position",
    "ProgressSummary",
    "get_position",
    "next_affirmation",
    "record_completion",
    "record_visit",
    "set_position",
    "summarize",
]

Attributes = MutableMapping[str, Any]


def _read(attrs: Attributes) -> UserState:
    return UserState.parse(attrs, ANY_PRACTICE)[0]


def _edit(attrs: Attributes, change: Callable[[UserState], UserState]) -> UserState:
    changed = change(_read(attrs))
    attrs.clear()
    attrs.update(changed.to_raw())
    return changed


def record_visit(attrs: Attributes) -> int:
    """Count a launch; returns the number of earlier visits."""
    return _edit(attrs, UserState.visited).visits - 1


def record_completion(attrs: Attributes, practice_id: str, day: dt.date) -> None:
    """Count a finished practice on a local calendar day."""
    _edit(attrs, lambda state: state.finished(practice_id, day))


def summarize(attrs: Attributes, today: dt.date) -> ProgressSummary:
    """Totals, days this week and the current streak as of today."""
    return _read(attrs).summary(today)


def next_affirmation(
    attrs: Attributes, pool: Iterable[str], rng: random.Random, known: Iterable[str] | None = None
) -> str:
    """Pick an affirmation id this user has not heard in the current round of pool, and remember it
    (what was heard from the other known ids, default pool, is kept)."""
    return _edit(attrs, lambda state: state.with_next_affirmation(pool, rng, known)).heard[-1]


def get_position(attrs: Attributes) -> Position | None:
    """The saved practice position, if any."""
    return Position.parse(attrs.get("position"), ANY_PRACTICE, "user.position", Problems())


def set_position(attrs: Attributes, position: Position | None) -> None:
    """Save or clear the practice position."""
    _edit(attrs, lambda state: state.with_position(position))
