"""A practice worth coming back to: variants that change from day to day and hold still within a day."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import random
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from skill.alexa_api import api_client
from skill.app import build_skill
from skill.content import PracticeScript, default_content
from skill.ssml import segment_practice, to_plain_text
from skill.variety import variant_for

from ..conftest import FixtureDevice, text, todays_variant
from ..settings_api_double import DEVICE_ID, TOKEN, FakeAlexaSettingsApi

CONTENT = default_content()
USERS = [hashlib.sha256(f"amzn1.ask.account.user{n}".encode()).hexdigest() for n in range(60)]
FIRST_DAY = dt.date(2026, 1, 1)


def words(script: PracticeScript) -> tuple[str, ...]:
    return tuple(step.text for step in script.steps)


def all_scripts() -> list[PracticeScript]:
    return [s for p in CONTENT.practices.values() for m in p.lengths for s in p.variants(m)]


@pytest.mark.parametrize("practice_id", sorted(CONTENT.practices))
def test_every_practice_has_three_different_variants_at_every_length(practice_id: str) -> None:
    practice = CONTENT.practice(practice_id)
    for minutes in practice.lengths:
        variants = practice.variants(minutes)
        assert len(variants) == 3
        assert len({words(v) for v in variants}) == 3
        # Different openings, different closings, and at least two different middles.
        assert len({v.steps[0].text for v in variants}) == 3
        assert len({v.steps[-1].text for v in variants}) == 3


def test_no_listener_hears_the_same_script_two_days_running() -> None:
    checked = 0
    for user, practice in itertools.product(USERS, CONTENT.practices.values()):
        for minutes in practice.lengths:
            count = practice.variant_count(minutes)
            chosen = [
                variant_for(user, practice.id, minutes, FIRST_DAY + dt.timedelta(days=d), count) for d in range(40)
            ]
            for today, tomorrow in itertools.pairwise(chosen):
                assert words(practice.script(minutes, today)) != words(practice.script(minutes, tomorrow))
                checked += 1
    assert checked == 60 * 39 * sum(len(p.lengths) for p in CONTENT.practices.values())


def test_the_choice_is_the_same_all_day_and_spread_over_listeners() -> None:
    day = dt.date(2026, 11, 25)
    first = [variant_for(user, "mindfulness", 5, day, 3) for user in USERS]
    assert first == [variant_for(user, "mindfulness", 5, day, 3) for user in USERS]
    spread = Counter(first)
    assert set(spread) == {0, 1, 2} and min(spread.values()) >= 10
    # Each listener goes through every variant over three days.
    for user in USERS[:10]:
        assert {variant_for(user, "mindfulness", 5, day + dt.timedelta(days=d), 3) for d in range(3)} == {0, 1, 2}


def test_openings_do_not_repeat_the_intro_and_closings_do_not_excuse_wandering() -> None:
    for script in all_scripts():
        opening, last = script.steps[0].text, script.steps[-1].text
        assert not re.match(r"(?i)let('s| us)\b", opening), opening  # straight after "Let's begin the ..."
        ending = " ".join(step.text for step in script.steps[-3:]).lower()
        assert "wander" not in ending and "that's fine" not in ending, (script.practice_id, ending)
        assert last


def test_like_a_muscle_is_said_in_one_place_only() -> None:
    texts = {step.text for script in all_scripts() for step in script.steps}
    assert len([t for t in texts if "like a muscle" in t.lower()]) == 1
    scripts_with_it = [s for s in all_scripts() if any("like a muscle" in step.text.lower() for step in s.steps)]
    assert 0 < len(scripts_with_it) < len(all_scripts()) / 10


def test_mind_wandering_is_mentioned_once_or_twice_not_everywhere() -> None:
    for script in all_scripts():
        mentions = sum(1 for step in script.steps if re.search(r"wander|drift", step.text, re.I))
        assert mentions <= 3, (script.practice_id, script.minutes, script.variant)


@pytest.mark.parametrize("practice_id", sorted(set(CONTENT.practices) - {"wind_down"}))
def test_the_end_of_a_practice_says_thank_you_at_most_once(practice_id: str) -> None:
    practice = CONTENT.practice(practice_id)
    closings = CONTENT.responses.variants("practice_complete")
    for minutes in practice.lengths:
        for script in practice.variants(minutes):
            last_part = to_plain_text(segment_practice(script)[-1].ssml_body)
            for closing in closings:
                spoken = f"{last_part} {closing.format(title=practice.title)}".lower()
                # Thanks to the listener (not "a real thank you" inside a practice about kindness).
                assert len(re.findall(r"thank you for|thanks for|well done", spoken)) <= 1, spoken[-300:]


def test_turns_lead_into_the_parts_of_a_practice() -> None:
    turns = ("Now,", "When you're ready,", "In your own time,", "Gently now,", "And now,", "Whenever you're ready,")
    used = Counter(step.text.split(" ", 1)[0] for s in all_scripts() for step in s.steps if step.text.startswith(turns))
    assert len(used) >= 4
    assert not [step.text for s in all_scripts() for step in s.steps if "{turn}" in step.text]


# Through real envelopes: the same words all day (Repeat, Resume, a second start), new words tomorrow.


def first_part(response: dict[str, Any]) -> str:
    return text(response).split("minutes.", 1)[1].strip()


def test_start_repeat_and_a_second_start_the_same_day_play_the_same_words(device: FixtureDevice) -> None:
    first = device.send("start_practice_breath_10")
    variant = todays_variant(device, "soothing_breath", 10)
    assert device.attributes["playing"]["variant"] == variant
    opening = CONTENT.practice("soothing_breath").script(10, variant).steps[0].text
    assert first_part(first).startswith(opening)
    assert opening in text(device.send("amazon_repeat"))
    device.send("amazon_stop")
    device.now += dt.timedelta(hours=10)  # later the same day (09:30 -> 19:30 UTC)
    again = device.send("start_practice_breath_10")
    assert first_part(again) == first_part(first)


def test_tomorrow_brings_other_words_and_a_saved_place_keeps_yesterdays(device: FixtureDevice) -> None:
    device.send("start_practice_breath_10")
    second = device.send("amazon_next")
    yesterday = device.attributes["playing"]["variant"]
    device.send("amazon_pause")

    device.next_day()
    assert todays_variant(device, "soothing_breath", 10) != yesterday
    # Resuming a practice started yesterday plays yesterday's words from the saved part...
    resumed = device.send("amazon_resume")
    expected = {"practice": "soothing_breath", "minutes": 10, "segment": 1, "variant": yesterday}
    assert device.attributes["playing"] == expected
    assert text(second) in text(resumed)
    # ...while starting it fresh today plays today's.
    device.send("amazon_stop")
    fresh = device.send("start_practice_breath_10")
    today = CONTENT.practice("soothing_breath").script(10, todays_variant(device, "soothing_breath", 10))
    assert first_part(fresh).startswith(today.steps[0].text)
    assert device.attributes["playing"]["variant"] == todays_variant(device, "soothing_breath", 10)


def test_a_position_saved_before_variants_existed_still_resumes(device: FixtureDevice, db_path: Path) -> None:
    device.send("start_practice_breath_10")
    device.send("amazon_next")
    device.send("amazon_pause")
    # Rewrite the stored position the way an older release wrote it: no variant.
    with sqlite3.connect(db_path) as connection:
        (raw,) = connection.execute("SELECT attributes FROM attributes").fetchone()
        saved = json.loads(raw)
        saved["position"].pop("variant")
        connection.execute("UPDATE attributes SET attributes = ?", (json.dumps(saved),))
    device.next_day()
    resumed = device.send("amazon_resume")
    assert device.attributes["playing"]["variant"] == 0
    expected = segment_practice(CONTENT.practice("soothing_breath").script(10, 0))[1].ssml_body
    assert to_plain_text(expected) in text(resumed)


def test_the_day_is_the_listeners_own_from_their_devices_time_zone(
    settings_api: FakeAlexaSettingsApi, adapter: Any
) -> None:
    class AucklandEcho(FixtureDevice):
        def envelope(self, name: str, **kwargs: Any) -> dict[str, Any]:
            envelope = super().envelope(name, **kwargs)
            system = envelope["context"]["System"]
            system.update({"apiEndpoint": settings_api.url, "apiAccessToken": TOKEN})
            system["device"]["deviceId"] = DEVICE_ID
            return envelope

    settings_api.time_zone = "Pacific/Auckland"
    skill = build_skill(adapter, rng=random.Random(1), api_client=api_client(ca_bundle=settings_api.ca_bundle))
    echo = AucklandEcho(skill)
    echo.now = dt.datetime(2026, 11, 25, 11, 30, tzinfo=dt.UTC)  # already 00:30 on the 26th in Auckland
    echo.send("start_practice_breath_10")
    user = hashlib.sha256(echo.user_id.encode()).hexdigest()
    count = CONTENT.practice("soothing_breath").variant_count(10)
    played = echo.attributes["playing"]["variant"]
    assert played == variant_for(user, "soothing_breath", 10, dt.date(2026, 11, 26), count)
    assert played != variant_for(user, "soothing_breath", 10, dt.date(2026, 11, 25), count)
