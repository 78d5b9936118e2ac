"""Where the person is: the country that decides which crisis lines KindWell reads out.

A locale names a language, not a place: an Echo in Leeds set to English (US) says en-US, and New
Zealand's devices say en-AU. The device's time zone, from the Alexa Settings API, names a place, so it
comes first and the locale's region is the fallback. The offline runner has no Settings API; it uses
KINDWELL_COUNTRY, else this machine's time zone.

Zone -> country comes from IANA's own tables as the `tzdata` package ships them (the system's zoneinfo
folder when that package is absent): zone.tab names one country for each zone, and tzdata.zi's links
carry older names such as Asia/Calcutta to a zone that zone.tab knows.

The Settings API call goes through ask-sdk's UPS service client over `TimeoutApiClient` (alexa_api.py,
re-exported here), which gives every call a hard deadline: the lookup runs only when a crisis line must
be chosen, and a person in crisis must not wait on a slow network. Every failure is one log line and a
None; no log line carries the access token, and nothing is stored.
"""

from __future__ import annotations

import logging
import os
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ask_sdk_core.exceptions import ApiClientException, SerializationException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.utils import get_api_access_token, get_device_id, get_locale
from ask_sdk_model.services import ApiConfiguration, ServiceClientFactory, ServiceException
from ask_sdk_model.services.ups import UpsServiceClient

from .alexa_api import DEFAULT_TIMEOUT, MAX_TIMEOUT, TimeoutApiClient, api_client
from .errors import CountrySettingError
from .state_request import from_request

__all__ = [
    "DEFAULT_TIMEOUT",
    "TimeoutApiClient",
    "api_client",
    "country_for_locale",
    "country_for_time_zone",
    "device_time_zone",
    "local_country",
    "person_country",
    "zone_tables",
]

_LOGGER = logging.getLogger(__name__)

_MIN_TIMEOUT = 0.05
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-/]{1,64}")
_MAX_LINK_STEPS = 8

_RULE_NAMED_ZONES = frozenset({"CET", "EET", "EST", "HST", "MET", "MST", "WET"})
"""Zones named for an offset rule, not a place: tzdata links each to some city, which says nothing of the person."""

_LEGACY_NAMES: Mapping[str, str] = {
    # Old names whose tzdata link now ends in another country's zone (tz 2022 merged zones that agree
    # since 1970). The value is the zone the tz project's `backward` file notes beside each ("#=").
    "Africa/Asmera": "Africa/Asmara",
    "Africa/Timbuktu": "Africa/Bamako",
    "America/Coral_Harbour": "America/Atikokan",
    "America/Virgin": "America/St_Thomas",
    "Antarctica/South_Pole": "Antarctica/McMurdo",
    "Atlantic/Jan_Mayen": "Arctic/Longyearbyen",
    "Iceland": "Atlantic/Reykjavik",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Yap": "Pacific/Chuuk",
}


@dataclass(frozen=True)
class ZoneTables:
    """IANA's zone -> country facts, read once."""

    countries: Mapping[str, str]
    """zone.tab: zone name -> ISO 3166 alpha-2 country."""
    links: Mapping[str, str]
    """tzdata.zi: link name -> the zone (or link) it points to."""
    codes: frozenset[str]
    """iso3166.tab: every country code IANA knows."""
    by_folded_name: Mapping[str, str]
    """Case-folded zone or link name -> its proper spelling."""


def _tz_text(name: str) -> str | None:
    """One of IANA's table files: from the tzdata package, else from the system's zoneinfo folders."""
    try:
        return (resources.files("tzdata") / "zoneinfo" / name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError, ValueError):
        pass
    for folder in zoneinfo.TZPATH:
        try:
            return (Path(folder) / name).read_text(encoding="utf-8")
        except (OSError, ValueError):
            continue
    return None


def _rows(text: str | None) -> list[list[str]]:
    return [line.split("\t") for line in (text or "").splitlines() if line and not line.startswith("#")]


@cache
def zone_tables() -> ZoneTables:
    """IANA's tables, parsed on first use (empty, with one warning, when no copy can be found)."""
    zone_tab = _tz_text("zone.tab")
    if zone_tab is None:
        _LOGGER.warning("IANA's time zone tables were not found; install the tzdata package to map time zones.")
    countries = {row[2]: row[0] for row in _rows(zone_tab) if len(row) >= 3}
    links: dict[str, str] = {}
    for line in (_tz_text("tzdata.zi") or "").splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0] == "L":
            links[fields[2]] = fields[1]
    codes = frozenset(row[0] for row in _rows(_tz_text("iso3166.tab")) if row)
    folded = {name.casefold(): name for name in (*countries, *links)}
    return ZoneTables(countries=countries, links=links, codes=codes, by_folded_name=folded)


def country_for_time_zone(name: str | None) -> str | None:
    """The ISO 3166 alpha-2 country of an IANA time zone ("Europe/London" -> "GB"); None if it names no country."""
    if not isinstance(name, str) or not _ZONE_NAME.fullmatch(name.strip()):
        return None
    tables = zone_tables()
    zone = name.strip()
    if zone not in tables.countries and zone not in tables.links:
        zone = tables.by_folded_name.get(zone.casefold(), zone)
    if zone in _RULE_NAMED_ZONES:
        return None
    zone = _LEGACY_NAMES.get(zone, zone)
    # Step through links one at a time: zone.tab keeps a country's own name (Europe/Amsterdam) even
    # where tzdata links it to another country's zone (Europe/Brussels), so the first name it knows wins.
    for _ in range(_MAX_LINK_STEPS):
        if (country := tables.countries.get(zone)) is not None:
            return country
        if (target := tables.links.get(zone)) is None:
            return None
        zone = target
    return None


def country_for_locale(locale: str | None) -> str | None:
    """The region of a locale as an ISO 3166 alpha-2 country ("en-GB" -> "GB", "en_IN" -> "IN", "en" -> None)."""
    if not isinstance(locale, str):
        return None
    tag = locale.strip().split(".", 1)[0].split("@", 1)[0]
    codes = zone_tables().codes
    for subtag in re.split(r"[-_]", tag)[1:]:
        if len(subtag) == 2 and subtag.isascii() and subtag.isalpha():
            code = subtag.upper()
            return code if not codes or code in codes else None
    return None


def _bounded(timeout: Any) -> float:
    """timeout cut into [_MIN_TIMEOUT, MAX_TIMEOUT]; anything that is not a number means MAX_TIMEOUT."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout != timeout:
        return MAX_TIMEOUT
    return min(max(float(timeout), _MIN_TIMEOUT), MAX_TIMEOUT)


def _ups_service(handler_input: HandlerInput, endpoint: str, token: str, timeout: float) -> UpsServiceClient:
    """The UPS service client from the skill's factory, or one built here when that could wait too long."""
    try:
        factory: ServiceClientFactory | None = handler_input.service_client_factory
    except ValueError:  # ask-sdk's way of saying the skill was built without an api_client
        factory = None
    configuration = factory.api_configuration if factory is not None else None
    client = configuration.api_client if configuration is not None else None
    if factory is not None and isinstance(client, TimeoutApiClient) and client.timeout <= timeout:
        return factory.get_ups_service()
    # No factory (the skill was built without an api_client), or a client with no deadline or a later one.
    bounded = client.with_timeout(timeout) if isinstance(client, TimeoutApiClient) else TimeoutApiClient(timeout)
    serializer = configuration.serializer if configuration is not None else None
    own = ApiConfiguration(
        serializer=serializer or DefaultSerializer(),
        api_client=bounded,
        authorization_value=token,
        api_endpoint=endpoint,
    )
    return ServiceClientFactory(own).get_ups_service()


def _why_not(error: ServiceException) -> str:
    """One loggable clause for a failed Settings API call (our own words: no token, no body)."""
    cause = error.__context__
    if isinstance(cause, ApiClientException):
        sentence = str(cause)
        return sentence[:1].lower() + sentence[1:]
    return f"the Alexa Settings API answered HTTP {error.status_code}."


def device_time_zone(handler_input: HandlerInput, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """The device's IANA time zone from the Alexa Settings API, or None (after one log line) if it cannot be had."""
    system = getattr(getattr(handler_input.request_envelope, "context", None), "system", None)
    endpoint = getattr(system, "api_endpoint", None)  # ask_sdk_core.utils has no getter for this one
    token = from_request(get_api_access_token, handler_input)
    device_id = from_request(get_device_id, handler_input)
    if not (isinstance(endpoint, str) and endpoint and isinstance(token, str) and token and device_id):
        absent = [
            name
            for name, value in (("apiEndpoint", endpoint), ("apiAccessToken", token), ("deviceId", device_id))
            if not value
        ]
        _LOGGER.info("Device time zone not looked up: the request has no %s.", " or ".join(absent) or "usable System")
        return None
    try:
        zone = _ups_service(handler_input, endpoint, token, _bounded(timeout)).get_system_time_zone(device_id)
    except ServiceException as error:
        _LOGGER.warning("Device time zone unknown: %s", _why_not(error))
        return None
    except SerializationException:  # ask-sdk reads error bodies too, so this may hide an HTTP error status
        _LOGGER.warning("Device time zone unknown: the Alexa Settings API answered with something ask-sdk cannot read.")
        return None
    except Exception as error:  # a lookup must never break the crisis answer it serves
        _LOGGER.warning("Device time zone unknown: the lookup failed (%s).", type(error).__name__)
        return None
    if not isinstance(zone, str) or not _ZONE_NAME.fullmatch(zone):
        _LOGGER.warning("Device time zone unknown: the Alexa Settings API answered with no time zone name.")
        return None
    return zone


def person_country(handler_input: HandlerInput, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """The country the person is in: their device's time zone's, else their locale's region, else None."""
    country = country_for_time_zone(device_time_zone(handler_input, timeout))
    if country is not None:
        return country
    locale = from_request(get_locale, handler_input)
    return country_for_locale(locale if isinstance(locale, str) else None)


def _country_setting(raw: str) -> str:
    """A KINDWELL_COUNTRY value as an upper-case ISO 3166 code; CountrySettingError if it is not one."""
    code = raw.strip().upper()
    if code == "UK":
        raise CountrySettingError("KINDWELL_COUNTRY=UK is not an ISO 3166 code: set KINDWELL_COUNTRY=GB for the UK.")
    codes = zone_tables().codes
    if len(code) != 2 or not (code.isascii() and code.isalpha()) or (codes and code not in codes):
        raise CountrySettingError(
            f"KINDWELL_COUNTRY must be a two-letter ISO 3166 country code such as GB, US or NZ (got {raw[:40]!r})."
        )
    return code


def _machine_time_zone(env: Mapping[str, str]) -> str | None:
    """KINDWELL_TIMEZONE, else the zone this machine is set to (through tzlocal), else None."""
    if name := env.get("KINDWELL_TIMEZONE", "").strip():
        return name
    try:
        from tzlocal import get_localzone_name  # imported here: only the offline runner needs it
    except ImportError:
        _LOGGER.info("This machine's time zone is unknown without tzlocal; set KINDWELL_COUNTRY or KINDWELL_TIMEZONE.")
        return None
    try:
        return get_localzone_name()
    except Exception as error:  # tzlocal raises when the machine's settings disagree or are missing
        _LOGGER.info("This machine's time zone is unknown (%s); set KINDWELL_COUNTRY.", type(error).__name__)
        return None


def local_country(setting: str | None = None, *, env: Mapping[str, str] | None = None) -> str | None:
    """The offline runner's country: setting (KINDWELL_COUNTRY when None), else this machine's time zone's.

    Raises CountrySettingError when the setting is not a two-letter ISO 3166 country code.
    """
    env = os.environ if env is None else env
    raw = setting if setting is not None else env.get("KINDWELL_COUNTRY")
    if raw is not None and raw.strip():
        return _country_setting(raw)
    return country_for_time_zone(_machine_time_zone(env))
