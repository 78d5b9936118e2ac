"""Progress arithmetic: streaks, this week's days, affirmation rounds, positions."""

from __future__ import annotations

import datetime as dt
import random

from skill.progress import Position, get_position, next_affirmation, record_completion, set_position, summarize

WED = dt.date(2026, 11, 25)


def test_streak_week_and_total() -> None:
    attrs: dict[str, object] = {}
    for offset in (-9, -3, -2, -1, 0, 0):
        record_completion(attrs, "mindfulness", WED + dt.timedelta(days=offset))
    summary = summarize(attrs, WED)
    assert (summary.total, summary.week_days, summary.streak) == (6, 3, 4)
    assert attrs["by_practice"] == {"mindfulness": 6}


def test_streak_counts_from_yesterday_and_breaks_after_a_gap() -> None:
    attrs: dict[str, object] = {}
    record_completion(attrs, "mindfulness", WED - dt.timedelta(days=1))
    assert summarize(attrs, WED).streak == 1
    assert summarize(attrs, WED + dt.timedelta(days=1)).streak == 0


def test_week_starts_on_monday() -> None:
    attrs: dict[str, object] = {}
    record_completion(attrs, "mindfulness", dt.date(2026, 11, 22))  # Sunday
    assert summarize(attrs, dt.date(2026, 11, 23)).week_days == 0


def test_affirmation_rounds_never_repeat_within_a_round() -> None:
    attrs: dict[str, object] = {}
    pool = [f"a{i}" for i in range(10)]
    rng = random.Random(3)
    first = [next_affirmation(attrs, pool, rng) for _ in range(10)]
    assert sorted(first) == sorted(pool)
    second = next_affirmation(attrs, pool, rng)
    assert second != first[-1]


def test_removed_affirmations_are_forgotten() -> None:
    attrs: dict[str, object] = {"heard": ["gone1", "a1"]}
    assert next_affirmation(attrs, ["a1", "a2"], random.Random(1)) == "a2"


def test_position_round_trip_and_malformed() -> None:
    attrs: dict[str, object] = {}
    set_position(attrs, Position("loving_kindness", 10, 2))
    assert get_position(attrs) == Position("loving_kindness", 10, 2)
    attrs["position"] = {"practice": "x"}
    assert get_position(attrs) is None
    set_position(attrs, None)
    assert "position" not in attrs
