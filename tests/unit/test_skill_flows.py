"""Multi-turn conversations, as a listener has them, through real envelopes and a real SQLite file."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from skill.app import build_skill
from skill.content import default_content
from skill.persistence import SQLitePersistenceAdapter

from ..conftest import FixtureDevice, text


def stored(db_path: Path) -> dict[str, Any]:
    with sqlite3.connect(db_path) as connection:
        row = connection.execute("SELECT attributes FROM attributes").fetchone()
    return json.loads(row[0]) if row else {}


def without_variant(position: dict[str, Any]) -> dict[str, Any]:
    """A position as it was before variants (tests/integration/test_variety.py checks which variant plays)."""
    return {key: value for key, value in position.items() if key != "variant"}


def test_launch_practice_next_pause_resume(device: FixtureDevice, db_path: Path) -> None:
    device.send("launch")
    first = device.send("start_practice_breath_10")
    assert "Let's begin the soothing breath, 10 minutes" in text(first)
    assert without_variant(device.attributes["playing"]) == {"practice": "soothing_breath", "minutes": 10, "segment": 0}
    assert device.attributes["awaiting"] == "segment"
    assert "say next" in text(first)

    second = device.send("amazon_next")
    assert device.attributes["playing"]["segment"] == 1
    assert text(second) != text(first)

    paused = device.send("amazon_pause")
    assert paused["response"]["shouldEndSession"] is True
    assert "saved your place" in text(paused)
    assert without_variant(stored(db_path)["position"]) == {"practice": "soothing_breath", "minutes": 10, "segment": 1}

    # A new session: launch offers to resume, "yes" picks up the part that was interrupted.
    device.next_day(0)
    welcome = device.send("launch")
    assert "partway through the soothing breath" in text(welcome)
    resumed = device.send("amazon_yes")
    assert "Picking up the soothing breath" in text(resumed)
    assert device.attributes["playing"]["segment"] == 1
    assert text(second) in text(resumed)


def test_resume_intent_in_a_new_session_without_launch(device: FixtureDevice, db_path: Path) -> None:
    device.send("start_practice_breath_10")
    device.send("amazon_next")
    device.send("amazon_stop")
    device.next_day(0)
    resumed = device.send("amazon_resume")
    assert without_variant(device.attributes["playing"]) == {"practice": "soothing_breath", "minutes": 10, "segment": 1}
    assert "Picking up" in text(resumed)


def test_whole_practice_to_the_end_records_completion(device: FixtureDevice, db_path: Path) -> None:
    device.send("start_practice_breath_10")
    for _ in range(10):
        response = device.send("amazon_next")
        if device.attributes.get("awaiting") == "affirmation_offer":
            break
    assert "end of the soothing breath" in text(response) or "finished the soothing breath" in text(response)
    saved = stored(db_path)
    assert saved["completed"] == 1
    assert saved["days"] == ["2026-11-25"]
    assert "position" not in saved
    # "yes" to the closing offer gives an affirmation.
    affirmed = device.send("amazon_yes")
    assert any(a.text in text(affirmed) for a in default_content().affirmations)


def test_repeat_and_start_over_during_a_practice(device: FixtureDevice) -> None:
    first = device.send("start_practice_breath_10")
    second = device.send("amazon_next")
    repeated = device.send("amazon_repeat")
    assert device.attributes["playing"]["segment"] == 1
    assert text(second) in text(repeated) or text(repeated) in text(second)
    again = device.send("amazon_start_over")
    assert device.attributes["playing"]["segment"] == 0
    assert "from the beginning" in text(again)
    body = text(first).split("10 minutes.", 1)[1][:200]
    assert body in text(again)


def test_repeat_outside_a_practice_repeats_the_last_reply(device: FixtureDevice) -> None:
    listed = device.send("list_practices")
    assert text(device.send("amazon_repeat")) == text(listed)


def test_missing_length_is_asked_then_answered(device: FixtureDevice) -> None:
    asked = device.send("start_practice_breath_10", slots={"minutes": None})
    assert "three, five or ten minutes" in text(asked)
    started = device.send("start_practice_minutes_only")
    assert "Let's begin the soothing breath, 5 minutes" in text(started)


def test_missing_practice_is_asked_then_answered(device: FixtureDevice) -> None:
    asked = device.send("start_practice_no_slots")
    assert "Which practice" in text(asked)
    answered = device.send("start_practice_breath_10", slots={"minutes": None})
    assert "three, five or ten minutes" in text(answered)


def test_a_length_without_a_practice_means_the_plain_meditation(device: FixtureDevice) -> None:
    assert "Let's begin the mindful pause, 5 minutes" in text(device.send("start_practice_minutes_only"))


@pytest.mark.parametrize(("asked", "snapped"), [("7", 5), ("8", 10), ("1", 3), ("25", 10), ("4", 3)])
def test_unknown_lengths_snap_to_the_nearest_and_say_so(device: FixtureDevice, asked: str, snapped: int) -> None:
    response = device.send("start_practice_breath_10", slots={"minutes": asked})
    assert f"we'll do {snapped} minutes" in text(response)
    assert f"Let's begin the soothing breath, {snapped} minutes" in text(response)


def test_duration_slot_is_understood(device: FixtureDevice) -> None:
    response = device.send("start_practice_loving_kindness_duration")  # PT7M
    assert "we'll do 5 minutes" in text(response)
    assert device.attributes["playing"]["practice"] == "loving_kindness"


def test_check_in_then_yes_starts_the_offered_practice(device: FixtureDevice) -> None:
    device.send("launch")
    offer = device.send("checkin_anxious")
    assert "soothing breath" in text(offer)
    started = device.send("amazon_yes")
    assert "Let's begin the soothing breath, 5 minutes" in text(started)


def test_check_in_then_no_is_accepted_kindly(device: FixtureDevice) -> None:
    device.send("checkin_anxious")
    declined = device.send("amazon_no")
    assert "That's okay" in text(declined)
    assert "playing" not in device.attributes


def test_elicited_feeling_arrives_as_a_check_in(device: FixtureDevice) -> None:
    device.send("checkin_no_feeling")
    answer = device.send("checkin_anxious", slots={"feeling": "on edge"})
    assert "soothing breath" in text(answer)


def test_affirmations_rotate_without_repeats_across_sessions(skill: Any, db_path: Path) -> None:
    pool = {a.text for a in default_content().affirmations}
    device = FixtureDevice(skill)
    heard: list[str] = []
    for session_number in range(len(pool)):
        if session_number % 3 == 0:
            device.next_day()
        response = device.send("affirmation")
        card = response["response"]["card"]["content"]  # words to say to yourself come with that preface
        heard.append(next(text for text in pool if card.endswith(text)))
        if session_number % 2:
            device.send("amazon_stop")
    assert len(set(heard)) == len(pool)
    assert set(heard) == pool
    # The next round starts without repeating the last one heard.
    assert not device.send("affirmation")["response"]["card"]["content"].endswith(heard[-1])


def test_two_users_have_separate_rotations_and_progress(skill: Any) -> None:
    one = FixtureDevice(skill, user_id="amzn1.ask.account.ONE")
    two = FixtureDevice(skill, user_id="amzn1.ask.account.TWO")
    one.send("start_practice_breath_10", slots={"minutes": "3"})
    for _ in range(3):
        one.send("amazon_next")
    assert "haven't finished" in text(two.send("progress"))
    assert "haven't finished" not in text(one.send("progress"))


def _finish(device: FixtureDevice) -> None:
    device.send("start_practice_breath_10", slots={"minutes": "3"})
    for _ in range(5):
        if device.attributes.get("awaiting") == "affirmation_offer":
            break
        device.send("amazon_next")
    assert device.attributes.get("awaiting") == "affirmation_offer"


def test_progress_counts_week_days_and_streak(skill: Any) -> None:
    device = FixtureDevice(skill)  # Wednesday 25 November 2026
    for day in range(3):
        if day:
            device.next_day()
        _finish(device)
    _finish(device)  # a second practice on Friday 27th
    spoken = text(device.send("progress"))
    assert "4 practices in all" in spoken
    assert "on 4 days this week" not in spoken and "on 3 days this week" in spoken
    assert "streak is 3 days" in spoken


def test_progress_streak_survives_overnight_until_the_next_day_passes(skill: Any) -> None:
    device = FixtureDevice(skill)
    _finish(device)
    device.next_day()
    _finish(device)
    device.next_day()  # nothing yet today: yesterday's streak still counts
    assert "streak is 2 days" in text(device.send("progress"))
    device.next_day(2)
    assert "streak is" not in text(device.send("progress"))


def test_completion_is_dated_in_the_configured_time_zone(adapter: SQLitePersistenceAdapter, db_path: Path) -> None:
    from zoneinfo import ZoneInfo

    skill = build_skill(adapter, timezone=ZoneInfo("America/Los_Angeles"), rng=random.Random(2))
    device = FixtureDevice(skill)
    device.now = device.now.replace(hour=3)  # 03:00 UTC is still the 24th in Los Angeles
    _finish(device)
    assert stored(db_path)["days"] == ["2026-11-24"]
