"""The request edge: slots, time, locale, user, audio support and tokens read through ask_sdk_core.utils
into typed facts, never raising, each unusable field named (skill/state_request.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import RequestEnvelope

from skill.audio_catalog import AudioTrack
from skill.serializer import CheckedSerializer
from skill.state_request import MAX_SLOT_CHARS, MAX_SLOTS, RequestFacts, parse_duration_minutes

from ..conftest import load_fixture
from ..unit.test_state import VOCABULARY


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("PT10M", 10.0), ("PT1H30M", 90.0), ("pt90s", 1.5), ("PT", None), ("P1D", None), ("PT٣M", None),
     ("PT" + "9" * 5000 + "M", None), ("", None), (None, None)],
)  # fmt: skip
def test_durations_are_read_in_ascii_and_bounded(value: str | None, minutes: float | None) -> None:
    assert parse_duration_minutes(value) == minutes


CLOCK = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _facts(name: str, change: Any = None, **request_fields: Any) -> tuple[RequestFacts, list[str]]:
    data = load_fixture(name)
    data["request"].update(request_fields)
    if change is not None:
        change(data)
    envelope = CheckedSerializer().deserialize_object(data, RequestEnvelope)
    return RequestFacts.parse(HandlerInput(request_envelope=envelope), VOCABULARY, lambda: CLOCK)


def _minutes_slot(value: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["request"]["intent"]["slots"]["minutes"]["value"] = value

    return change


def test_a_well_formed_request_reads_cleanly() -> None:
    facts, problems = _facts("start_practice_breath_10")
    assert problems == []
    assert facts.now == dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
    assert (facts.slots.practice, facts.slots.minutes, facts.slots.duration_minutes) == ("soothing_breath", 10.0, None)
    assert facts.user_id == "amzn1.ask.account.AGKXFIXTUREUSER0001"
    assert facts.locale == "en-US"


def test_locale_and_audio_support_are_read_and_a_bad_locale_is_named() -> None:
    facts, problems = _facts("audioplayer_playback_stopped")
    assert facts.audio_player and problems == []
    facts, problems = _facts("launch", locale="en-GB")
    assert not facts.audio_player and facts.locale == "en-GB" and problems == []
    facts, problems = _facts("launch", locale="<script>")
    assert facts.locale is None and problems == ["request.locale"]


def test_a_request_without_device_or_user_reads_as_neither() -> None:
    def bare(data: dict[str, Any]) -> None:
        del data["context"]["System"]["device"], data["context"]["System"]["user"]

    facts, problems = _facts("start_practice_breath_10", bare)
    assert (facts.audio_player, facts.user_id) == (False, None) and problems == []
    assert facts.slots.practice == "soothing_breath"


@pytest.mark.parametrize(
    ("value", "minutes", "problems"),
    [("7", 7.0, []), ("?", None, []), ("-3", None, []), ("0", None, []), ("100000", 1440.0, []),
     ("٣", None, ["slots.minutes"]), ("1e400", None, ["slots.minutes"]), ("nan", None, ["slots.minutes"]),
     ("9" * 5000, None, ["slots.minutes"])],
)  # fmt: skip
def test_number_slots_are_read_in_ascii_and_bounded(value: str, minutes: float | None, problems: list[str]) -> None:
    facts, found = _facts("start_practice_breath_10", _minutes_slot(value))
    assert facts.slots.minutes == minutes and found == problems


def test_a_missing_or_absurd_timestamp_falls_back_to_the_clock() -> None:
    facts, problems = _facts("progress", timestamp="0001-01-01T00:00:00Z")
    assert facts.now == CLOCK and problems == ["request.timestamp"]
    facts, problems = _facts("progress", timestamp=None)
    assert facts.now == CLOCK and problems == []


def test_over_long_and_too_many_slots_are_cut_and_named() -> None:
    def crowd(data: dict[str, Any]) -> None:
        data["request"]["intent"]["slots"] = {f"s{i}": {"name": f"s{i}", "value": "x"} for i in range(40)}

    facts, problems = _facts("start_practice_breath_10", crowd)
    assert len(facts.slots.texts) == MAX_SLOTS and problems == ["slots"]

    def long_feeling(data: dict[str, Any]) -> None:
        data["request"]["intent"]["slots"]["feeling"]["value"] = "so tired " * 500

    facts, problems = _facts("checkin_anxious", long_feeling)
    assert len(facts.slots.texts["feeling"]) == MAX_SLOT_CHARS and problems == ["slots.feeling"]


def test_another_skills_token_is_ignored_quietly_and_a_broken_one_of_ours_is_named() -> None:
    facts, problems = _facts("audioplayer_playback_stopped", token="someone-else:track-1")
    assert facts.event.track is None and problems == []
    facts, problems = _facts("audioplayer_playback_stopped", token="kindwell:retired_practice:10:KEY")
    assert facts.event.track is None and problems == ["request.token"]

    def negative(data: dict[str, Any]) -> None:
        data["context"]["AudioPlayer"]["offsetInMilliseconds"] = -5

    facts, problems = _facts("audioplayer_playback_stopped", negative)
    assert facts.player.offset_ms is None and problems == ["context.AudioPlayer.offsetInMilliseconds"]
    assert facts.player.track == AudioTrack("soothing_breath", 10, "KEY")
