"""The person's country: time zone and locale mappings, the Alexa Settings API lookup, the offline setting.

The Settings API is played by `FakeAlexaSettingsApi`, a TEST DOUBLE for Amazon's Alexa Settings API (Amazon's
servers cannot be reached here): a real HTTPS server on 127.0.0.1 with a certificate from a CA made for the
test, so the request travels through ask-sdk's UPS service client, our api client, requests and TLS exactly
as it would to api.amazonalexa.com.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Response
from hypothesis import given
from hypothesis import strategies as st

from skill.envelopes import invoke
from skill.errors import CountrySettingError, UserInputError
from skill.locality import (
    _LEGACY_NAMES,
    TimeoutApiClient,
    api_client,
    country_for_locale,
    country_for_time_zone,
    device_time_zone,
    local_country,
    person_country,
    zone_tables,
)

from ..settings_api_double import DEVICE_ID, TIME_ZONE_PATH, TOKEN, FakeAlexaSettingsApi

FIXTURES = Path(__file__).parent.parent / "fixtures" / "requests"

# ---------------------------------------------------------------------------------------------------------------
# Mappings
# ---------------------------------------------------------------------------------------------------------------

ZONES = {
    "America/New_York": "US",
    "America/Los_Angeles": "US",
    "America/Chicago": "US",
    "America/Denver": "US",
    "America/Phoenix": "US",
    "America/Anchorage": "US",
    "Pacific/Honolulu": "US",
    "US/Pacific": "US",
    "US/Eastern": "US",
    "America/Toronto": "CA",
    "America/Vancouver": "CA",
    "America/Edmonton": "CA",
    "America/Winnipeg": "CA",
    "America/Halifax": "CA",
    "America/St_Johns": "CA",
    "America/Montreal": "CA",
    "America/Coral_Harbour": "CA",
    "Europe/London": "GB",
    "Europe/Belfast": "GB",
    "GB": "GB",
    "Europe/Dublin": "IE",
    "Eire": "IE",
    "Australia/Sydney": "AU",
    "Australia/Melbourne": "AU",
    "Australia/Brisbane": "AU",
    "Australia/Perth": "AU",
    "Australia/Adelaide": "AU",
    "Australia/Darwin": "AU",
    "Australia/Hobart": "AU",
    "Australia/ACT": "AU",
    "Pacific/Auckland": "NZ",
    "Pacific/Chatham": "NZ",
    "NZ": "NZ",
    "Asia/Kolkata": "IN",
    "Asia/Calcutta": "IN",
    "Africa/Johannesburg": "ZA",
    # zone.tab keeps these countries' own names though tzdata links them to a neighbour's zone.
    "Europe/Amsterdam": "NL",
    "Europe/Copenhagen": "DK",
    "Atlantic/Reykjavik": "IS",
    "Iceland": "IS",
    # IANA names are case-sensitive, but a lower-cased name or one read with its line break still means the place.
    "europe/london": "GB",
    " Europe/London\n": "GB",
}
NOWHERE = [
    None,
    "",
    "UTC",
    "Etc/UTC",
    "Etc/GMT",
    "Etc/GMT+5",
    "Etc/GMT-14",
    "GMT",
    "Zulu",
    "Universal",
    "CET",
    "EST",
    "MST",
    "HST",
    "EST5EDT",
    "Factory",
    "Mars/Olympus_Mons",
    "Europe/Londn",
    "../../etc/passwd",
    "x" * 5000,
    "\0",
]


def test_time_zones_name_the_country_they_are_in() -> None:
    assert {zone: country_for_time_zone(zone) for zone in ZONES} == ZONES


def test_zones_of_no_country_and_garbage_give_none() -> None:
    assert {repr(zone): country_for_time_zone(zone) for zone in NOWHERE} == {repr(zone): None for zone in NOWHERE}
    assert country_for_time_zone(42) is None  # type: ignore[arg-type]
    assert country_for_time_zone(b"Europe/London") is None  # type: ignore[arg-type]


@given(st.text(max_size=80))
def test_any_text_gives_none_or_a_known_country(name: str) -> None:
    country = country_for_time_zone(name)
    assert country is None or country in zone_tables().codes


def test_every_zone_in_zone_tab_and_every_link_resolves_without_error() -> None:
    tables = zone_tables()
    assert len(tables.countries) > 400 and len(tables.links) > 200
    assert {zone: country_for_time_zone(zone) for zone in tables.countries} == dict(tables.countries)
    for link in tables.links:
        country = country_for_time_zone(link)
        assert country is None or country in tables.codes


def test_the_legacy_name_corrections_still_match_tzdata() -> None:
    tables = zone_tables()
    # Each corrected name is still a link in this tzdata, and its correction is a zone zone.tab knows.
    assert [name for name in _LEGACY_NAMES if name not in tables.links] == []
    assert [zone for zone in _LEGACY_NAMES.values() if zone not in tables.countries] == []


LOCALES = {
    "en-GB": "GB",
    "en-US": "US",
    "en-CA": "CA",
    "fr-CA": "CA",
    "en-AU": "AU",
    "en-IN": "IN",
    "hi-IN": "IN",
    "en_IN": "IN",
    "en_GB.UTF-8": "GB",
    "zh-Hant-TW": "TW",
    "en": None,
    "": None,
    "es-419": None,
    "en-UK": None,  # not an ISO 3166 code: a mistake, not a country
    "en-": None,
    "garbage": None,
}


def test_locales_name_their_region() -> None:
    assert {locale: country_for_locale(locale) for locale in LOCALES} == LOCALES
    assert country_for_locale(None) is None


# ---------------------------------------------------------------------------------------------------------------
# The Alexa Settings API, through a real skill
# ---------------------------------------------------------------------------------------------------------------


def _envelope(
    api_endpoint: str | None, *, locale: str = "en-US", token: str | None = TOKEN, device_id: str = DEVICE_ID
) -> dict[str, Any]:
    """The launch fixture as a device at api_endpoint, in locale, would send it."""
    envelope: dict[str, Any] = copy.deepcopy(json.loads((FIXTURES / "launch.json").read_text()))
    system = envelope["context"]["System"]
    system.pop("apiEndpoint", None)
    system.pop("apiAccessToken", None)
    if api_endpoint is not None:
        system["apiEndpoint"] = api_endpoint
    if token is not None:
        system["apiAccessToken"] = token
    system["device"]["deviceId"] = device_id
    envelope["request"]["locale"] = locale
    return envelope


class LookupHandler(AbstractRequestHandler):
    """Answers every request with what `lookup` found, and records it with the time it took."""

    def __init__(self, lookup: Callable[[HandlerInput], str | None]) -> None:
        self.lookup = lookup
        self.results: list[tuple[str | None, float]] = []

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        started = time.monotonic()
        found = self.lookup(handler_input)
        self.results.append((found, time.monotonic() - started))
        response: Response = handler_input.response_builder.speak(found or "unknown").response
        return response


def _skill(
    lookup: Callable[[HandlerInput], str | None], ca_bundle: str | None, *, with_api_client: bool = True
) -> tuple[CustomSkill, LookupHandler]:
    """A real ask-sdk skill built as KindWell's will be: with our api client, and one handler."""
    handler = LookupHandler(lookup)
    builder = (
        CustomSkillBuilder(api_client=api_client(ca_bundle=ca_bundle)) if with_api_client else CustomSkillBuilder()
    )
    builder.add_request_handler(handler)
    skill: CustomSkill = builder.create()
    return skill, handler


def _ask(
    settings_api: FakeAlexaSettingsApi, lookup: Callable[[HandlerInput], str | None], **envelope: Any
) -> tuple[str | None, float]:
    skill, handler = _skill(lookup, settings_api.ca_bundle)
    invoke(skill, _envelope(envelope.pop("api_endpoint", settings_api.url), **envelope))
    [result] = handler.results
    return result


@pytest.fixture()
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at every level, checked afterwards never to contain the access token."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    assert TOKEN not in caplog.text
    assert all(TOKEN not in str(record.args) for record in caplog.records)


def _lookup_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "skill.locality" and r.levelno >= logging.INFO]


def test_the_devices_time_zone_beats_its_locale(
    settings_api: FakeAlexaSettingsApi, logs: pytest.LogCaptureFixture
) -> None:
    # Someone in the UK whose Echo speaks English (US): the locale says US, the time zone says GB.
    country, _ = _ask(settings_api, person_country, locale="en-US")
    assert country == "GB"
    assert settings_api.seen == [(TIME_ZONE_PATH, f"Bearer {TOKEN}")]
    assert _lookup_warnings(logs) == []


def test_new_zealand_on_an_australian_locale(settings_api: FakeAlexaSettingsApi) -> None:
    settings_api.time_zone = "Pacific/Auckland"
    assert _ask(settings_api, person_country, locale="en-AU")[0] == "NZ"


def test_device_time_zone_is_the_zone_alexa_names(settings_api: FakeAlexaSettingsApi) -> None:
    settings_api.time_zone = "Asia/Calcutta"
    assert _ask(settings_api, device_time_zone)[0] == "Asia/Calcutta"


def test_a_slow_settings_api_is_abandoned_at_the_deadline(
    settings_api: FakeAlexaSettingsApi, logs: pytest.LogCaptureFixture
) -> None:
    settings_api.mode = "slow"
    zone, took = _ask(settings_api, device_time_zone)
    assert zone is None
    assert 0.9 <= took < 1.5, f"the lookup took {took:.3f} s"
    assert settings_api.seen == [(TIME_ZONE_PATH, f"Bearer {TOKEN}")]  # it was asked, and did not answer in time
    assert _lookup_warnings(logs) == ["Device time zone unknown: the Alexa API did not answer within 1 s."]


def test_a_slow_settings_api_leaves_the_locale(settings_api: FakeAlexaSettingsApi) -> None:
    settings_api.mode = "slow"
    country, took = _ask(settings_api, person_country, locale="en-IE")
    assert (country, took < 1.5) == ("IE", True)


@pytest.mark.parametrize("status", [401, 403, 429, 500])
def test_a_refusal_falls_back_to_the_locale(
    settings_api: FakeAlexaSettingsApi, logs: pytest.LogCaptureFixture, status: int
) -> None:
    settings_api.mode = "status"
    settings_api.status = status
    assert _ask(settings_api, person_country, locale="en-AU")[0] == "AU"
    assert _lookup_warnings(logs) == [f"Device time zone unknown: the Alexa Settings API answered HTTP {status}."]


def test_an_answer_that_is_not_json_falls_back_to_the_locale(
    settings_api: FakeAlexaSettingsApi, logs: pytest.LogCaptureFixture
) -> None:
    settings_api.mode = "not-json"
    assert _ask(settings_api, person_country, locale="en-CA")[0] == "CA"
    assert _lookup_warnings(logs) == [
        "Device time zone unknown: the Alexa Settings API answered with something ask-sdk cannot read."
    ]


def test_an_answer_that_is_no_zone_name_falls_back_to_the_locale(
    settings_api: FakeAlexaSettingsApi, logs: pytest.LogCaptureFixture
) -> None:
    settings_api.time_zone = "<script>"
    assert _ask(settings_api, person_country, locale="en-GB")[0] == "GB"
    assert _lookup_warnings(logs) == [
        "Device time zone unknown: the Alexa Settings API answered with no time zone name."
    ]


def test_a_utc_device_falls_back_to_the_locale(settings_api: FakeAlexaSettingsApi) -> None:
    settings_api.time_zone = "Etc/UTC"
    assert _ask(settings_api, person_country, locale="en-IN")[0] == "IN"


def test_no_api_endpoint_means_the_locale_and_no_call(
    settings_api: FakeAlexaSettingsApi, logs: pytest.LogCaptureFixture
) -> None:
    assert _ask(settings_api, person_country, api_endpoint=None, locale="en-GB")[0] == "GB"
    assert settings_api.seen == []
    assert _lookup_warnings(logs) == ["Device time zone not looked up: the request has no apiEndpoint."]


def test_no_access_token_means_the_locale_and_no_call(settings_api: FakeAlexaSettingsApi) -> None:
    # The offline runner's envelopes carry an apiEndpoint but no token.
    assert _ask(settings_api, person_country, token=None, locale="en-NZ")[0] == "NZ"
    assert settings_api.seen == []


def test_the_token_is_never_sent_over_plain_http(
    settings_api: FakeAlexaSettingsApi, logs: pytest.LogCaptureFixture
) -> None:
    plain = settings_api.url.replace("https://", "http://")
    assert _ask(settings_api, person_country, api_endpoint=plain, locale="en-US")[0] == "US"
    assert settings_api.seen == []
    assert _lookup_warnings(logs) == ["Device time zone unknown: requests against non-HTTPS endpoints are not allowed."]


def test_a_skill_built_without_an_api_client_still_looks_up_with_a_deadline(
    settings_api: FakeAlexaSettingsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", settings_api.ca_bundle)  # OpenSSL's own way to name the CAs to trust
    skill, handler = _skill(person_country, None, with_api_client=False)
    invoke(skill, _envelope(settings_api.url, locale="en-US"))
    assert [country for country, _ in handler.results] == ["GB"]
    settings_api.mode = "slow"
    invoke(skill, _envelope(settings_api.url, locale="en-US"))
    assert handler.results[1][0] == "US" and handler.results[1][1] < 1.5


def test_a_shorter_timeout_than_the_clients_is_kept(settings_api: FakeAlexaSettingsApi) -> None:
    settings_api.mode = "slow"
    zone, took = _ask(settings_api, lambda handler_input: device_time_zone(handler_input, timeout=0.3))
    assert zone is None and 0.25 <= took < 0.8, f"the lookup took {took:.3f} s"


def test_the_api_client_refuses_a_timeout_over_one_second() -> None:
    with pytest.raises(ValueError, match="at most 1 s"):
        TimeoutApiClient(2.0)
    with pytest.raises(ValueError, match="above 0"):
        api_client(0)
    assert api_client().timeout == 1.0


# ---------------------------------------------------------------------------------------------------------------
# The offline runner's country
# ---------------------------------------------------------------------------------------------------------------


def test_the_country_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINDWELL_TIMEZONE", "Pacific/Auckland")
    monkeypatch.setenv("KINDWELL_COUNTRY", "gb")
    assert local_country() == "GB"
    assert local_country("za") == "ZA"  # an explicit setting beats the environment
    assert local_country(" Ie ", env={}) == "IE"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("UK", "KINDWELL_COUNTRY=UK is not an ISO 3166 code: set KINDWELL_COUNTRY=GB for the UK."),
        ("usa", "KINDWELL_COUNTRY must be a two-letter ISO 3166 country code such as GB, US or NZ (got 'usa')."),
        ("N1", "KINDWELL_COUNTRY must be a two-letter ISO 3166 country code such as GB, US or NZ (got 'N1')."),
        ("ZZ", "KINDWELL_COUNTRY must be a two-letter ISO 3166 country code such as GB, US or NZ (got 'ZZ')."),
    ],
)
def test_an_unusable_country_setting_says_how_to_fix_it(setting: str, message: str) -> None:
    with pytest.raises(CountrySettingError) as raised:
        local_country(setting, env={})
    assert str(raised.value) == message
    assert isinstance(raised.value, UserInputError)


def test_without_a_setting_the_time_zone_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KINDWELL_COUNTRY", raising=False)
    monkeypatch.setenv("KINDWELL_TIMEZONE", "Pacific/Auckland")
    assert local_country() == "NZ"
    assert local_country(env={"KINDWELL_COUNTRY": "  ", "KINDWELL_TIMEZONE": "Africa/Johannesburg"}) == "ZA"
    assert local_country(env={"KINDWELL_TIMEZONE": "Etc/UTC"}) is None


def test_without_either_setting_the_machines_zone_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    tzlocal = pytest.importorskip("tzlocal")
    try:
        with monkeypatch.context() as patch:
            patch.setenv("TZ", "Europe/Dublin")  # tzlocal reads TZ before the machine's files
            tzlocal.reload_localzone()
            assert local_country(env={}) == "IE"
    finally:
        tzlocal.reload_localzone()
