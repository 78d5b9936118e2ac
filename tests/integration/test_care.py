"""The care policy end to end through real request envelopes: each tier, then yes, no and stop."""

from __future__ import annotations

import random
from typing import Any

import pytest

from skill.alexa_api import api_client
from skill.app import build_skill

from ..conftest import FixtureDevice, breaks_seconds, text
from ..settings_api_double import DEVICE_ID, TOKEN, FakeAlexaSettingsApi

US_LINE = "nine eight eight"


def _open(response: dict[str, Any]) -> bool:
    return response["response"]["shouldEndSession"] is False


def test_crisis_then_yes_leads_into_a_short_guided_breath(device: FixtureDevice) -> None:
    device.send("launch")
    first = device.send("crisis_support")
    assert US_LINE in text(first) and "nine one one" in text(first)
    assert _open(first)
    breath = device.send("amazon_yes")
    assert _open(breath)
    assert "breathe" in text(breath).lower()
    assert 30 <= sum(breaks_seconds(breath)) <= 90
    assert US_LINE in text(breath)


def test_crisis_then_no_keeps_the_door_open_and_names_the_line_again(device: FixtureDevice) -> None:
    device.send("crisis_support")
    declined = device.send("amazon_no")
    assert _open(declined)
    assert US_LINE in text(declined)
    assert "goodbye" not in text(declined).lower()
    again = device.send("amazon_no")
    assert _open(again) and US_LINE in text(again)


def test_no_after_the_breath_is_still_met_warmly(device: FixtureDevice) -> None:
    device.send("hard_time")
    device.send("amazon_yes")
    response = device.send("amazon_no")
    assert _open(response) and US_LINE in text(response)


@pytest.mark.parametrize("fixture", ["amazon_stop", "amazon_cancel"])
def test_stop_after_a_care_reply_ends_gently_with_the_line(device: FixtureDevice, fixture: str) -> None:
    device.send("crisis_support")
    response = device.send(fixture)
    assert response["response"]["shouldEndSession"] is True
    assert US_LINE in text(response)


def test_unclear_words_after_a_care_reply_get_a_gentle_prompt_not_the_fallback(device: FixtureDevice) -> None:
    device.send("hard_time")
    response = device.send("amazon_fallback")
    assert _open(response) and US_LINE in text(response)
    assert "didn't catch" not in text(response).lower()


def test_someone_else_at_risk_gets_steps_to_support_them_and_the_line_for_both(skill: Any) -> None:
    device = FixtureDevice(skill, locale="en-GB")
    response = device.send("support_someone")
    spoken = text(response)
    assert "one one six, one two three" in spoken and "nine nine nine" in spoken
    assert "stay with them" in spoken
    assert "for you too" in spoken
    assert _open(response)
    again = device.send("amazon_yes")
    assert "stay with them" in text(again)
    declined = device.send("amazon_no")
    assert _open(declined) and "one one six, one two three" in text(declined)


def test_concern_gets_warmth_a_gentle_question_and_the_line_never_a_practice_alone(device: FixtureDevice) -> None:
    response = device.send("hard_time")
    spoken = text(response)
    assert US_LINE in spoken and spoken.rstrip().endswith("?")
    assert _open(response)
    assert "offer" not in device.attributes and "minute" not in spoken


@pytest.mark.parametrize(
    "feeling",
    ["hopeless", "like nothing matters anymore", "i'm done trying", "like i can't go on like this"],
)
def test_a_hopeless_check_in_is_met_with_concern_not_a_practice(device: FixtureDevice, feeling: str) -> None:
    device.send("launch")
    response = device.send("checkin_anxious", slots={"feeling": feeling})
    assert US_LINE in text(response)
    assert "offer" not in device.attributes
    assert _open(response)


@pytest.mark.parametrize(
    "feeling",
    ["like i keep screwing everything up", "so stupid for forgetting her birthday", "like a failure at work"],
)
def test_self_criticism_is_met_with_a_practice_never_alarm(device: FixtureDevice, feeling: str) -> None:
    device.send("launch")
    response = device.send("checkin_anxious", slots={"feeling": feeling})
    assert US_LINE not in text(response)
    assert device.attributes.get("offer")


def test_a_care_reply_is_logged_by_tier_never_by_words(device: FixtureDevice, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    device.send("checkin_anxious", slots={"feeling": "like nothing matters anymore"})
    assert "nothing matters" not in caplog.text
    assert "Care reply offered (concern)" in caplog.text


class SettingsApiDevice(FixtureDevice):
    """An Echo whose requests carry the apiEndpoint and token of a Settings API test double."""

    def __init__(self, skill: Any, api: FakeAlexaSettingsApi, locale: str) -> None:
        super().__init__(skill, locale=locale)
        self.api = api

    def envelope(self, name: str, *, slots: dict[str, Any] | None = None, **request_fields: Any) -> dict[str, Any]:
        envelope = super().envelope(name, slots=slots, **request_fields)
        system = envelope["context"]["System"]
        system.update({"apiEndpoint": self.api.url, "apiAccessToken": TOKEN})
        system["device"]["deviceId"] = DEVICE_ID
        return envelope


def _device_in(settings_api: FakeAlexaSettingsApi, adapter: Any, zone: str, locale: str) -> SettingsApiDevice:
    settings_api.time_zone = zone
    skill = build_skill(adapter, rng=random.Random(1), api_client=api_client(ca_bundle=settings_api.ca_bundle))
    return SettingsApiDevice(skill, settings_api, locale)


def test_someone_in_the_uk_on_a_us_english_echo_hears_samaritans(
    settings_api: FakeAlexaSettingsApi, adapter: Any
) -> None:
    spoken = text(_device_in(settings_api, adapter, "Europe/London", "en-US").send("crisis_support"))
    assert "one one six, one two three" in spoken and "nine nine nine" in spoken
    assert US_LINE not in spoken


def test_new_zealand_on_an_australian_echo_hears_new_zealands_line(
    settings_api: FakeAlexaSettingsApi, adapter: Any
) -> None:
    device = _device_in(settings_api, adapter, "Pacific/Auckland", "en-AU")
    spoken = text(device.send("hard_time"))
    assert "one seven three seven" in spoken
    assert "thirteen eleven fourteen" not in spoken
    assert "one seven three seven" in text(device.send("amazon_no"))


def test_south_africa_and_ireland_by_time_zone(settings_api: FakeAlexaSettingsApi, adapter: Any) -> None:
    za = _device_in(settings_api, adapter, "Africa/Johannesburg", "en-GB").send("support_someone")
    assert "five six seven, five six seven" in text(za)
    ie = _device_in(settings_api, adapter, "Europe/Dublin", "en-GB").send("crisis_support")
    assert "one one two, or nine nine nine" in text(ie)


def test_a_slow_settings_api_still_gets_the_locale_line_within_the_deadline(
    settings_api: FakeAlexaSettingsApi, adapter: Any
) -> None:
    settings_api.mode = "slow"
    device = _device_in(settings_api, adapter, "Europe/London", "en-AU")
    response = device.send("crisis_support")
    assert "thirteen eleven fourteen" in text(response)


def test_offline_the_configured_country_names_the_line(adapter: Any) -> None:
    device = FixtureDevice(build_skill(adapter, rng=random.Random(1), country="IN"), locale="en-US")
    assert "one four four one six" in text(device.send("crisis_support"))
