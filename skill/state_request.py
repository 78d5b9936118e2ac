"""What a request brings from outside, typed: its time, slots, locale, user and the device's audio player.

ask-sdk maps the JSON envelope onto its model objects but checks little: a slot's entity resolution
may hold nulls, offsets arrive as whatever JSON held, tokens are any string, and a timestamp may
carry a +25:00 offset or the year 1. `RequestFacts.parse` reads those parts once, at the edge, and
never raises: what it cannot use is dropped (a timestamp falls back to now) and the field's name,
never its value, goes on the request's list of problems.

Parts ask_sdk_core.utils has a getter for (request type, slot, locale, user id, supported interfaces)
are read through it; `from_request` guards its getters, which assume a complete envelope.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_locale, get_request_type, get_slot, get_supported_interfaces, get_user_id
from ask_sdk_model.slu.entityresolution import StatusCode

from .audio_catalog import TOKEN_PREFIX, AudioTrack
from .state import MAX_REQUEST_MINUTES, Problems, Vocabulary, as_count, as_moment
from .state_user import MAX_OFFSET_MS, parse_token
from .timer import BELLS

#: Longest slot value read, in characters; longer values are cut to this (a spoken phrase is far shorter).
MAX_SLOT_CHARS = 1000
#: Most slots read from one request (an intent here has at most three); the rest are ignored.
MAX_SLOTS = 16
#: The slots of KindWell's interaction model: only these names are ever logged.
SLOT_NAMES = frozenset({"practice", "minutes", "duration", "feeling", "bells"})
_NUMBER = re.compile(r"-?[0-9]{1,6}(?:\.[0-9]{1,6})?", re.ASCII)
_DURATION = re.compile(
    r"PT(?:(?P<h>[0-9]{1,4}(?:\.[0-9]{1,4})?)H)?(?:(?P<m>[0-9]{1,6}(?:\.[0-9]{1,4})?)M)?"
    r"(?:(?P<s>[0-9]{1,6}(?:\.[0-9]{1,4})?)S)?",
    re.ASCII,
)
_ANY_DURATION = re.compile(r"P[0-9A-Z.]{1,40}", re.ASCII)
#: A BCP 47 tag as Alexa sends them (en-US, es-419, fr-CA): a language, then short subtags.
_LOCALE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}", re.ASCII)
T = TypeVar("T")


def from_request(getter: Callable[[HandlerInput], T], handler_input: HandlerInput) -> T | None:
    """What an ask_sdk_core.utils getter reads, or None when the envelope lacks a part it walks through
    (they assume context.System.device and the like are there; a malformed request may not have them)."""
    try:
        return getter(handler_input)
    except (AttributeError, TypeError):
        return None


def parse_duration_minutes(value: str | None) -> float | None:
    """Minutes in an Alexa AMAZON.DURATION value such as PT10M or PT1H30M (None when not a time span)."""
    match = _DURATION.fullmatch(value.strip().upper()) if value else None
    if match is None or not any(match.groupdict().values()):
        return None
    hours, minutes, seconds = (float(match.group(g) or 0) for g in ("h", "m", "s"))
    return hours * 60 + minutes + seconds / 60


@dataclass(frozen=True)
class Slots:
    """The slots of an intent request, read once."""

    texts: Mapping[str, str] = field(default_factory=dict)
    """Every filled slot's value as heard (cut to MAX_SLOT_CHARS), by slot name; "?" included."""
    practice: str | None = None
    """The practice asked for: entity resolution's id, or an id sent as the value (local front ends)."""
    minutes: float | None = None
    """A length asked for as a number (AMAZON.NUMBER), in minutes, above 0."""
    duration_minutes: float | None = None
    """A length asked for as a duration (AMAZON.DURATION), in minutes, above 0."""
    bells: str | None = None
    """The timer's interval setting asked for (skill.timer.BELLS): entity resolution's id, or an id sent
    as the value (local front ends); None when none was asked for or what was asked is not offered."""

    def text(self, name: str) -> str | None:
        """A slot's value as heard; None when empty or not understood ("?")."""
        return _heard(self.texts, name)

    @classmethod
    def parse(cls, handler_input: HandlerInput, vocabulary: Vocabulary, problems: Problems) -> Slots:
        """The slots of an intent request (none for other requests)."""
        if from_request(get_request_type, handler_input) != "IntentRequest":
            return cls()
        # Every slot is read, not only the model's: the care check hears the words of any slot, and
        # ask_sdk_core.utils reads slots one name at a time (get_slot, below, for the practice).
        slots = getattr(getattr(handler_input.request_envelope.request, "intent", None), "slots", None)
        if not isinstance(slots, Mapping):
            return cls()
        if len(slots) > MAX_SLOTS:
            problems.add("slots")
        texts: dict[str, str] = {}
        for key, slot in list(slots.items())[:MAX_SLOTS]:
            name = str(key)
            label = f"slots.{name}" if name in SLOT_NAMES else "slots"
            value = getattr(slot, "value", None)
            if isinstance(value, str) and value:
                if len(value) > MAX_SLOT_CHARS:
                    problems.add(label)
                texts[name] = value[:MAX_SLOT_CHARS]
        practice_slot = from_request(lambda request: get_slot(request, "practice"), handler_input)
        resolved = _resolved_id(practice_slot, "slots.practice.resolutions", problems)
        practice = vocabulary.practice(resolved) or vocabulary.practice(texts.get("practice"))
        minutes = _minutes(_heard(texts, "minutes"), problems)
        duration = _heard(texts, "duration")
        duration_minutes = _positive(parse_duration_minutes(duration))
        if duration and duration_minutes is None and not _ANY_DURATION.fullmatch(duration):
            problems.add("slots.duration")
        bells_slot = from_request(lambda request: get_slot(request, "bells"), handler_input)
        bells_id = _resolved_id(bells_slot, "slots.bells.resolutions", problems)
        bells = next((b for b in (bells_id, texts.get("bells")) if b in BELLS), None)
        return cls(texts, practice, minutes, duration_minutes, bells)


def _heard(texts: Mapping[str, str], name: str) -> str | None:
    value = texts.get(name)
    return value if value not in (None, "", "?") else None


def _resolved_id(slot: Any, label: str, problems: Problems) -> str | None:
    """The id of the first successful entity resolution; malformed entries are skipped and noted."""
    authorities = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None)
    if authorities is None:
        return None
    if not isinstance(authorities, list):
        problems.add(label)
        return None
    for authority in authorities:
        code = getattr(getattr(authority, "status", None), "code", None)
        if code != StatusCode.ER_SUCCESS_MATCH:
            continue
        values = getattr(authority, "values", None)
        first = values[0] if isinstance(values, list) and values else None
        identifier = getattr(getattr(first, "value", None), "id", None)
        if isinstance(identifier, str) and identifier:
            return identifier
        problems.add(label)
    return None


def _minutes(value: str | None, problems: Problems) -> float | None:
    if value is None:
        return None
    if not _NUMBER.fullmatch(value):
        problems.add("slots.minutes")
        return None
    return _positive(float(value))


def _positive(minutes: float | None) -> float | None:
    """A requested length above 0, at most MAX_REQUEST_MINUTES (it is snapped to an offered one later)."""
    if minutes is None or minutes <= 0:
        return None
    return min(minutes, float(MAX_REQUEST_MINUTES))


@dataclass(frozen=True)
class Player:
    """A device's AudioPlayer as reported in context.AudioPlayer, or a playback event's token and offset."""

    track: AudioTrack | None = None
    """The track it names, when the token is one this skill issued."""
    offset_ms: int | None = None
    """Position in that track, in milliseconds."""
    activity: str | None = None
    """IDLE, PLAYING, PAUSED, STOPPED, FINISHED or BUFFER_UNDERRUN (context.AudioPlayer only)."""

    @property
    def playing(self) -> bool:
        """True when one of our tracks is playing right now."""
        return self.activity == "PLAYING" and self.track is not None

    @classmethod
    def parse(cls, source: Any, vocabulary: Vocabulary, where: str, problems: Problems) -> Player:
        """Token, offset and activity of an ask-sdk AudioPlayerState or AudioPlayer request."""
        if source is None:
            return cls()
        token = getattr(source, "token", None)
        track = parse_token(token)
        if track is not None and not vocabulary.offered(track.practice, track.minutes):
            track = None
        if track is None and isinstance(token, str) and token.startswith(f"{TOKEN_PREFIX}:"):
            # Another skill's token is none of our business; one of ours that does not parse is.
            problems.add(f"{where}.token")
        raw_offset = getattr(source, "offset_in_milliseconds", None)
        offset = as_count(raw_offset, MAX_OFFSET_MS)
        if offset is None and raw_offset is not None:
            problems.add(f"{where}.offsetInMilliseconds")
        activity = getattr(getattr(source, "player_activity", None), "value", None)
        return cls(track, offset, activity if isinstance(activity, str) else None)


@dataclass(frozen=True)
class RequestFacts:
    """The parts of a request envelope handlers use, typed."""

    now: dt.datetime
    """When the request was made (UTC): its timestamp, or the clock when that is missing or absurd."""
    slots: Slots
    player: Player
    """The device's player, from context.AudioPlayer."""
    event: Player
    """An AudioPlayer event's own token and offset (empty for other requests)."""
    user_id: str | None
    """context.System.user.userId, when the request has one."""
    locale: str | None = None
    """The request's locale (en-GB), when it has a well-formed one."""
    audio_player: bool = False
    """True when the device says it supports the AudioPlayer interface."""

    @classmethod
    def parse(
        cls, handler_input: HandlerInput, vocabulary: Vocabulary, clock: Callable[[], dt.datetime]
    ) -> tuple[RequestFacts, Problems]:
        """Read a request; never raises."""
        problems = Problems()
        envelope = handler_input.request_envelope
        request = getattr(envelope, "request", None)
        stamp = getattr(request, "timestamp", None)
        now = as_moment(stamp)
        if now is None:
            if stamp is not None:
                problems.add("request.timestamp")
            now = clock()
        context = getattr(envelope, "context", None)
        kind = from_request(get_request_type, handler_input)
        event = request if isinstance(kind, str) and kind.startswith("AudioPlayer.") else None
        user_id = from_request(get_user_id, handler_input)
        locale = from_request(get_locale, handler_input)
        if locale is not None and not (isinstance(locale, str) and len(locale) <= 35 and _LOCALE.fullmatch(locale)):
            problems.add("request.locale")
            locale = None
        interfaces = from_request(get_supported_interfaces, handler_input)
        facts = cls(
            now=now,
            slots=Slots.parse(handler_input, vocabulary, problems),
            player=Player.parse(getattr(context, "audio_player", None), vocabulary, "context.AudioPlayer", problems),
            event=Player.parse(event, vocabulary, "request", problems),
            user_id=user_id if isinstance(user_id, str) and user_id else None,
            locale=locale,
            audio_player=getattr(interfaces, "audio_player", None) is not None,
        )
        return facts, problems
