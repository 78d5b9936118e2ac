"""The practice of the day: a different practice each day, the same all day, offered to returning people.

Replies go through real request envelopes and a real SQLite file; the device's time zone comes from the
Settings API test double (a real HTTPS server on loopback).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from skill.app import build_skill
from skill.content import default_content
from skill.daily import choose, with_practice_of_the_day
from skill.locality import api_client
from skill.persistence import SQLitePersistenceAdapter
from skill.state import Vocabulary
from skill.state_user import UserState

from ..conftest import FixtureDevice, text
from ..settings_api_double import DEVICE_ID, TOKEN, FakeAlexaSettingsApi

ROTATION = list(default_content().daily.rotation)
TITLES = {p: default_content().practice(p).title for p in ROTATION}
START = dt.date(2026, 11, 25)


def suggested(response: dict[str, Any]) -> str:
    """The practice a reply suggests, by its title."""
    words = text(response)
    (practice,) = [p for p, title in TITLES.items() if f"Today's practice is the {title}" in words]
    return practice


# --- choosing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["amzn1.ask.account.A", "amzn1.ask.account.B", "someone else"])
def test_each_day_differs_from_the_last_and_the_rotation_comes_round(user: str) -> None:
    state = UserState()
    picks = []
    for d in range(70):
        state = with_practice_of_the_day(state, ROTATION, user, START + dt.timedelta(days=d))
        assert state.daily is not None and state.daily.day == START + dt.timedelta(days=d)
        picks.append(state.daily.practice)
    assert all(a != b for a, b in itertools.pairwise(picks))
    for week in range(10):
        assert sorted(picks[7 * week : 7 * week + 7]) == sorted(ROTATION)  # untouched by practice: a full turn


def test_the_choice_holds_all_day_even_after_practising() -> None:
    state = with_practice_of_the_day(UserState(), ROTATION, "u", START)
    assert state.daily is not None
    first = state.daily.practice
    for practice in ROTATION:
        state = state.finished(practice, START)
    assert state.last_done == dict.fromkeys(ROTATION, START)
    again = with_practice_of_the_day(state, ROTATION, "u", START).daily
    assert again is not None and again.practice == first
    # Worked out again from scratch the same day (a new device, say), history before today decides alike.
    fresh = with_practice_of_the_day(replace(state, daily=None), ROTATION, "u", START).daily
    assert fresh is not None and fresh.practice == first
    # Stored and read back (ids and dates only), the pick and the history survive; malformed ones are reset.
    raw = state.to_raw()
    assert raw["daily"] == {"day": START.isoformat(), "practice": first}
    assert UserState.parse(raw, Vocabulary.of(default_content())) == (state, [])
    broken, problems = UserState.parse(
        {**raw, "daily": {"day": "2026-13-40", "practice": first}, "last_done": {"x": 3}},
        Vocabulary.of(default_content()),
    )
    assert broken.daily is None and broken.last_done == {}
    assert set(problems) == {"user.last_done", "user.daily.day"}


def test_what_was_done_lately_is_passed_over() -> None:
    turn = choose(ROTATION, "u", START, {}, None)
    lately = {turn: START - dt.timedelta(days=2)}
    assert choose(ROTATION, "u", START, lately, None) != turn
    long_ago = {turn: START - dt.timedelta(days=30)}
    assert choose(ROTATION, "u", START, long_ago, None) == turn
    # All done lately: the one done longest ago.
    everything = {p: START - dt.timedelta(days=1) for p in ROTATION}
    everything[ROTATION[3]] = START - dt.timedelta(days=3)
    assert choose(ROTATION, "u", START, everything, None) == ROTATION[3]


def test_users_start_the_rotation_in_different_places() -> None:
    firsts = {choose(ROTATION, f"amzn1.ask.account.{n}", START, {}, None) for n in range(40)}
    assert len(firsts) >= 5


# --- through the skill ---------------------------------------------------------------------------


@pytest.fixture()
def device(tmp_path: Path) -> FixtureDevice:
    return FixtureDevice(build_skill(SQLitePersistenceAdapter(tmp_path / "kw.sqlite3"), rng=random.Random(5)))


def test_returning_people_hear_todays_practice_on_launch_and_yes_starts_it(device: FixtureDevice) -> None:
    first = text(device.send("launch"))
    assert "Welcome to KindWell" in first and "Today's practice" not in first  # new: the full welcome
    device.send("amazon_stop")
    device.next_day()
    response = device.send("launch")
    practice = suggested(response)
    assert len(text(response)) < 120  # brief
    assert device.attributes["awaiting"] == "practice_offer"
    started = device.send("amazon_yes")
    assert f"Let's begin the {TITLES[practice]}, 5 minutes" in text(started)
    assert device.attributes["playing"]["practice"] == practice
    # Later the same day, asked directly: the same practice, named plainly with what it is.
    device.send("amazon_stop")
    again = device.send("daily_practice")
    assert suggested(again) == practice
    assert default_content().daily.rotation[practice] in text(again)
    device.next_day()
    assert suggested(device.send("daily_practice")) != practice


def test_a_saved_practice_is_offered_before_todays(device: FixtureDevice) -> None:
    device.send("launch")
    device.send("start_practice_breath_10")
    device.send("amazon_pause")
    device.next_day()
    words = text(device.send("launch"))
    assert "partway through the soothing breath" in words and "Today's practice" not in words


def test_once_done_today_it_says_so_and_a_length_starts_it_at_that_length(device: FixtureDevice) -> None:
    practice = suggested(device.send("daily_practice"))
    device.send("amazon_yes")
    while device.attributes.get("awaiting") == "segment":
        device.send("amazon_next")
    done = device.send("daily_practice")
    assert suggested(done) == practice and "you've already done it today" in text(done)
    started = device.send("start_practice_minutes_only", slots={"minutes": "10"})  # "ten minutes"
    assert f"Let's begin the {TITLES[practice]}, 10 minutes" in text(started)


def test_no_declines_and_forgets_the_offer(device: FixtureDevice) -> None:
    device.send("daily_practice")
    assert "That's okay" in text(device.send("amazon_no"))
    assert "pending" not in device.attributes and "offer" not in device.attributes


class ZoneDevice(FixtureDevice):
    """A device whose envelopes reach the Settings API test double."""

    def __init__(self, skill: Any, api: FakeAlexaSettingsApi) -> None:
        super().__init__(skill)
        self.api = api

    def envelope(self, name: str, *, slots: dict[str, Any] | None = None, **request_fields: Any) -> dict[str, Any]:
        envelope = super().envelope(name, slots=slots, **request_fields)
        system = envelope["context"]["System"]
        system.update({"apiEndpoint": self.api.url, "apiAccessToken": TOKEN})
        system["device"]["deviceId"] = DEVICE_ID
        return envelope


def test_the_day_is_the_persons_own_in_their_time_zone(settings_api: FakeAlexaSettingsApi, tmp_path: Path) -> None:
    settings_api.time_zone = "Pacific/Auckland"
    skill = build_skill(
        SQLitePersistenceAdapter(tmp_path / "kw.sqlite3"), api_client=api_client(ca_bundle=settings_api.ca_bundle)
    )
    device = ZoneDevice(skill, settings_api)
    device.now = dt.datetime(2026, 11, 25, 12, 30, tzinfo=dt.UTC)  # already 01:30 on the 26th in Auckland
    practice = suggested(device.send("daily_practice"))
    key = hashlib.sha256(device.user_id.encode()).hexdigest()
    assert practice == choose(ROTATION, key, dt.date(2026, 11, 26), {}, None)
    assert practice != choose(ROTATION, key, dt.date(2026, 11, 25), {}, None)
    device.send("amazon_no")
    device.send("daily_practice")
    assert len(settings_api.seen) == 1  # looked up once per session
