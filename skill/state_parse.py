"""The small parsers typed state is built from: counts, amounts, ids, texts, days and timestamps.

Shared by the session state (skill/state.py), the per-user state (skill/state_user.py) and the
request edge (skill/state_request.py). Each takes any JSON value and returns a clean value or None;
none raises. Problems collects the names (never the values) of fields that were reset.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

#: Largest segment index kept (a practice has a few dozen at most); delivery clamps to the real count.
MAX_SEGMENT = 999
#: Largest variant number kept (a practice has a handful); a smaller stale one wraps round its variants.
MAX_VARIANT = 63
#: Longest speech remembered for Repeat, in characters (Alexa refuses 8,000 or more).
MAX_SPEECH_CHARS = 8000
#: Longest requested length kept while the practice is asked for, in minutes.
MAX_REQUEST_MINUTES = 24 * 60
#: Timestamps and stored days outside these years are treated as absent (the clock falls back to now).
YEARS = range(2000, 2200)
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}", re.ASCII)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


class Problems(list[str]):
    """Names of fields that were reset, in the order met (a name appears once)."""

    def add(self, name: str) -> None:
        """Note that a field was dropped or reset."""
        if name not in self:
            self.append(name)


# --- Small parsers: each returns None for anything it cannot use, and never raises. ---


def as_count(value: object, limit: int) -> int | None:
    """A whole number in 0..limit; integral floats count, booleans do not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= limit else None
    if isinstance(value, float) and value.is_integer() and 0 <= value <= limit:
        return int(value)
    return None


def as_amount(value: object, limit: float) -> float | None:
    """A finite number above 0 and at most limit; booleans do not count."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and not 0 < value <= limit:  # huge ints would overflow float()
        return None
    number = float(value)
    return number if math.isfinite(number) and 0 < number <= limit else None


def as_id(value: object) -> str | None:
    """An id as content files spell them: lower-case ASCII letters, digits, _ and -, at most 64."""
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def as_text(value: object, limit: int) -> str | None:
    """A string of at most limit characters."""
    return value if isinstance(value, str) and len(value) <= limit else None


def as_day(value: object) -> dt.date | None:
    """A calendar day stored as YYYY-MM-DD, in a plausible year."""
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if day.year in YEARS else None


def as_moment(value: object) -> dt.datetime | None:
    """An aware UTC datetime from a request timestamp (naive means UTC); None when absurd or malformed."""
    if not isinstance(value, dt.datetime):
        return None
    try:
        # utcoffset() itself refuses offsets of a day or more (e.g. +25:00 from a lenient parser).
        moment = value.replace(tzinfo=dt.UTC) if value.utcoffset() is None else value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return moment if moment.year in YEARS else None


def as_mapping(raw: object, name: str, problems: Problems) -> Mapping[str, Any] | None:
    """raw when it is an object; None (and a problem unless it is absent) otherwise."""
    if raw is None:
        return None
    if isinstance(raw, Mapping):
        return raw
    problems.add(name)
    return None


def note_unknown(raw: Mapping[str, Any], known: frozenset[str], name: str, problems: Problems) -> None:
    """Report keys outside known by a fixed name: a key could be anything, so it is never logged."""
    if any(key not in known for key in raw):
        problems.add(f"{name}.unknown")
