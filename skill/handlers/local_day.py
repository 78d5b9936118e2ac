"""The person's own calendar day: the request's time in their device's time zone.

On Alexa the device's zone comes from the Settings API (skill.locality), looked up once per session
and kept in the session (a zone name, never stored); offline, and when the lookup fails, the
configured zone (KINDWELL_TIMEZONE) decides, as it does for streaks.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ask_sdk_core.handler_input import HandlerInput

from ..locality import device_time_zone
from .base import SkillServices, session

ZONE = "zone"
"""Session key: the device's IANA time zone ("" once a lookup found none)."""


def user_zone(handler_input: HandlerInput, services: SkillServices) -> dt.tzinfo:
    """The device's time zone where it can be had, else the configured one."""
    if not services.settings_api:
        return services.timezone
    attributes = session(handler_input)
    name = attributes.get(ZONE)
    if not isinstance(name, str):
        name = device_time_zone(handler_input) or ""
        attributes[ZONE] = name
    if not name:
        return services.timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return services.timezone


def user_today(handler_input: HandlerInput, services: SkillServices) -> dt.date:
    """The person's calendar day when the request was made."""
    stamp = getattr(handler_input.request_envelope.request, "timestamp", None)
    moment = stamp if isinstance(stamp, dt.datetime) else dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    zone = user_zone(handler_input, services)
    try:
        return moment.astimezone(zone).date()
    except (OverflowError, ValueError):
        # A time at the very edge of the calendar (the endpoint refuses those before they get here).
        return dt.datetime.now(zone).date()
