"""What every handler shares: the skill's services, slot access, state and response building."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

from .. import ssml
from ..audio_catalog import AudioCatalog
from ..care import CareTier
from ..content import Content, Practice
from ..errors import UserInputError
from ..locality import device_time_zone
from ..persistence import user_key
from ..prompts import Prompts
from ..safety import SafetyPolicy
from ..state import Awaiting, Offer, Pending, Position, SessionState, TimerInParts
from ..state_request import RequestFacts
from ..state_user import UserState
from ..words import Words
from .turn import change_session, current, load_user, save_user

# Request attribute: the listener's time zone, once looked up in this request.
_ZONE = "_kindwell_zone"


@dataclass(frozen=True)
class SkillServices:
    """Everything handlers depend on, built once per skill."""

    prompts: Prompts
    """Everything the skill says and understands; `content` and `safety` are built from it."""
    content: Content
    safety: SafetyPolicy
    adapter: AbstractPersistenceAdapter | None
    timezone: dt.tzinfo = dt.UTC
    """Time zone used to decide which calendar day a practice falls on."""
    rng: random.Random = field(default_factory=random.Random)
    audio: AudioCatalog | None = None
    """Rendered practice audio for AudioPlayer devices; None keeps every device on SSML segments."""
    country: str | None = None
    """Where the person is (ISO code), when this skill serves one place (the offline runner)."""
    settings_api: bool = False
    """True when the device's time zone may be asked of the Alexa Settings API (web and Lambda)."""

    @cache  # noqa: B019 - services live as long as the skill; the cache is bounded by content size
    def segments(self, practice_id: str, minutes: int, variant: int = 0) -> list[ssml.Segment]:
        """Segments of one variant of a practice at one length, cut once and reused."""
        return ssml.segment_practice(self.content.practice(practice_id).script(minutes, variant))

    def __hash__(self) -> int:
        return id(self)


class KindHandler(AbstractRequestHandler):
    """A request handler with access to the skill's services."""

    def __init__(self, services: SkillServices) -> None:
        self.services = services

    @property
    def content(self) -> Content:
        """Spoken content."""
        return self.services.content

    @property
    def words(self) -> Words:
        """The small words sentences are built from (prompts/words.yaml)."""
        return self.services.prompts.words

    def say(self, key: str, **values: object) -> str:
        """A response sentence by key, with one variant picked at random."""
        return say(self.services, key, **values)

    def ask(self, handler_input: HandlerInput, key: str, reprompt: str = "reprompt_main", **values: object) -> Response:
        """Speak a response by key and keep listening, with a reprompt by key."""
        return ask(handler_input, self.services, key, reprompt, **values)


def say(services: SkillServices, key: str, **values: object) -> str:
    """A response sentence by key, with one variant picked at random."""
    return services.content.responses.get(key, services.rng, **values)


def ask(
    handler_input: HandlerInput, services: SkillServices, key: str, reprompt: str = "reprompt_main", **values: object
) -> Response:
    """Speak a response by key and keep listening, with a reprompt by key."""
    return respond(
        handler_input,
        ssml.sentence(say(services, key, **values)),
        reprompt=ssml.sentence(say(services, reprompt, **values)),
    )


def is_intent(handler_input: HandlerInput, *names: str) -> bool:
    """True when the request is an IntentRequest for one of names."""
    return any(is_intent_name(name)(handler_input) for name in names)


def is_request(handler_input: HandlerInput, *types: str) -> bool:
    """True when the request type is one of types."""
    return any(is_request_type(kind)(handler_input) for kind in types)


def facts(handler_input: HandlerInput) -> RequestFacts:
    """The request's time, slots and audio player, parsed at the edge."""
    return current(handler_input).facts


def slot_text(handler_input: HandlerInput, name: str) -> str | None:
    """The value of a slot as heard, or None."""
    return facts(handler_input).slots.text(name)


def all_slot_texts(handler_input: HandlerInput) -> list[str]:
    """Every filled slot value of an intent request."""
    return list(facts(handler_input).slots.texts.values())


def state(handler_input: HandlerInput) -> SessionState:
    """This session's state (a fresh one for requests without a session, kept for this request only)."""
    return current(handler_input).session


class _Keep(Enum):
    KEEP = "keep"


_KEEP = _Keep.KEEP


def update_session(
    handler_input: HandlerInput,
    *,
    awaiting: Awaiting | _Keep | None = _KEEP,
    offer: Offer | _Keep | None = _KEEP,
    pending: Pending | _Keep | None = _KEEP,
    playing: Position | _Keep | None = _KEEP,
    care: CareTier | _Keep | None = _KEEP,
    last_speech: str | _Keep | None = _KEEP,
    last_reprompt: str | _Keep | None = _KEEP,
    affirm_theme: str | _Keep | None = _KEEP,
    timer: TimerInParts | _Keep | None = _KEEP,
    timer_bells: str | _Keep | None = _KEEP,
    zone: str | _Keep | None = _KEEP,
) -> SessionState:
    """Change the named fields of this session's state (None clears one); returns the new state."""
    fields = {
        "awaiting": awaiting,
        "offer": offer,
        "pending": pending,
        "playing": playing,
        "care": care,
        "last_speech": last_speech,
        "last_reprompt": last_reprompt,
        "affirm_theme": affirm_theme,
        "timer": timer,
        "timer_bells": timer_bells,
        "zone": zone,
    }
    return change_session(handler_input, **{name: value for name, value in fields.items() if value is not _KEEP})


def user(handler_input: HandlerInput) -> UserState:
    """The user's stored state (read on first use)."""
    return load_user(handler_input)


def update_user(handler_input: HandlerInput, change: Callable[[UserState], UserState]) -> UserState:
    """Apply change to the user's stored state atomically and save it; returns what was saved.

    change may run more than once under concurrent writes, so it must be a pure function of its input.
    """
    return save_user(handler_input, change)


def locale(handler_input: HandlerInput) -> str:
    """The request's locale, e.g. en-GB."""
    return facts(handler_input).locale or "en-US"


def user_zone(handler_input: HandlerInput, services: SkillServices) -> dt.tzinfo:
    """The listener's time zone: their device's where the Alexa Settings API may be asked, else the skill's.

    The device is asked at most once per session (the zone's name is kept in the session only, never
    stored), and only by the requests that need a day: starting and finishing a practice, progress,
    the practice of the day.
    """
    if not services.settings_api:
        return services.timezone
    scratch = handler_input.attributes_manager.request_attributes
    if _ZONE not in scratch:
        name = state(handler_input).zone
        if name is None:
            name = device_time_zone(handler_input) or ""
            update_session(handler_input, zone=name)
        found: dt.tzinfo = services.timezone
        if name:
            try:
                found = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                found = services.timezone
        scratch[_ZONE] = found
    zone_found = scratch[_ZONE]
    return zone_found if isinstance(zone_found, dt.tzinfo) else services.timezone


def today(handler_input: HandlerInput, services: SkillServices) -> dt.date:
    """The user's calendar day when the request was made, in their time zone (the request's time is
    already a sane UTC moment: skill.state.as_moment judged it at the edge)."""
    return facts(handler_input).now.astimezone(user_zone(handler_input, services)).date()


def listener_key(handler_input: HandlerInput) -> str:
    """The hashed user id of the request ("" when it has none), for choices that differ per listener."""
    if facts(handler_input).user_id is None:
        return ""
    try:
        return user_key(handler_input.request_envelope)
    except PersistenceException:
        return ""


def zone(name: str | None) -> dt.tzinfo:
    """A time zone by IANA name (KINDWELL_TIMEZONE); UTC when unset; UserInputError for an unknown name."""
    if not name:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UserInputError(
            f"KINDWELL_TIMEZONE must be an IANA time zone name such as Europe/London or America/New_York "
            f"(got {name!r})."
        ) from None


def respond(
    handler_input: HandlerInput,
    speech: str,
    *,
    reprompt: str | None = None,
    end_session: bool | None = None,
    awaiting: Awaiting | None = None,
    card: tuple[str, str] | None = None,
    remember: bool = True,
) -> Response:
    """Build a response from SSML fragments; remember it for Repeat and what is awaited next."""
    speech_ssml = ssml.speak(speech)
    builder = handler_input.response_builder.speak(speech_ssml)
    if reprompt is not None:
        builder.ask(ssml.speak(reprompt))
    if end_session is not None:
        builder.set_should_end_session(end_session)
    elif reprompt is None:
        builder.set_should_end_session(True)
    if card is not None:
        builder.set_card(SimpleCard(title=card[0], content=card[1]))
    update_session(handler_input, awaiting=awaiting)
    if remember:
        update_session(handler_input, last_speech=speech, last_reprompt=reprompt)
    response: Response = builder.response
    return response


def practice_list_sentence(practices: list[Practice], words: Words) -> str:
    """ "the mindful pause, the soothing breath, and the ..." for speaking."""
    return words.practice_list(p.title for p in practices)
