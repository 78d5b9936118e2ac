"""What every handler shares: the skill's services, slot access, state and response building."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, get_request_type, is_intent_name, is_request_type
from ask_sdk_model import Response
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import SimpleCard

from .. import ssml
from ..audio_catalog import AudioCatalog
from ..content import Content, Practice
from ..persistence import atomic_update
from ..progress import Attributes
from ..prompts import Prompts
from ..safety import SafetyPolicy
from ..words import Words

# Session attribute keys.
AWAITING = "awaiting"
OFFER = "offer"
PENDING = "pending"
PLAYING = "playing"
LAST_SPEECH = "last_speech"
LAST_REPROMPT = "last_reprompt"


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
    def segments(self, practice_id: str, minutes: int) -> list[ssml.Segment]:
        """Segments of a practice at one length, cut once and reused."""
        return ssml.segment_practice(self.content.practice(practice_id).script(minutes))

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
        return self.content.responses.get(key, self.services.rng, **values)

    def ask(self, handler_input: HandlerInput, key: str, reprompt: str = "reprompt_main", **values: object) -> Response:
        """Speak a response by key and keep listening, with a reprompt by key."""
        return respond(
            handler_input,
            ssml.sentence(self.say(key, **values)),
            reprompt=ssml.sentence(self.say(reprompt, **values)),
        )


def is_intent(handler_input: HandlerInput, *names: str) -> bool:
    """True when the request is an IntentRequest for one of names."""
    return any(is_intent_name(name)(handler_input) for name in names)


def is_request(handler_input: HandlerInput, *types: str) -> bool:
    """True when the request type is one of types."""
    return any(is_request_type(kind)(handler_input) for kind in types)


def request_kind(handler_input: HandlerInput) -> str:
    """The request type, with the intent name for intent requests."""
    kind = str(get_request_type(handler_input))
    if kind == "IntentRequest":
        return f"IntentRequest:{get_intent_name(handler_input)!s}"
    return kind


def slot_text(handler_input: HandlerInput, name: str) -> str | None:
    """The raw value of a slot as heard, or None."""
    request = handler_input.request_envelope.request
    intent = getattr(request, "intent", None)
    slots = getattr(intent, "slots", None) or {}
    slot = slots.get(name)
    value = getattr(slot, "value", None)
    return str(value) if value not in (None, "", "?") else None


def all_slot_texts(handler_input: HandlerInput) -> list[str]:
    """Every filled slot value of an intent request."""
    request = handler_input.request_envelope.request
    intent = getattr(request, "intent", None)
    slots = getattr(intent, "slots", None) or {}
    return [str(slot.value) for slot in slots.values() if getattr(slot, "value", None)]


def resolved_id(handler_input: HandlerInput, name: str) -> str | None:
    """The id Alexa's entity resolution matched for a custom slot, or None."""
    request = handler_input.request_envelope.request
    slot = (getattr(getattr(request, "intent", None), "slots", None) or {}).get(name)
    resolutions = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None) or []
    for authority in resolutions:
        if authority.status and authority.status.code == StatusCode.ER_SUCCESS_MATCH and authority.values:
            return str(authority.values[0].value.id)
    return None


def session(handler_input: HandlerInput) -> dict[str, Any]:
    """Session attributes (a fresh dict when the request has no session)."""
    if handler_input.request_envelope.session is None:
        # AudioPlayer and other device events carry no session; nothing here outlives the request.
        request_attributes: dict[str, Any] = handler_input.attributes_manager.request_attributes
        scratch: dict[str, Any] = request_attributes.setdefault("session", {})
        return scratch
    manager = handler_input.attributes_manager
    attributes = manager.session_attributes
    if attributes is None:
        attributes = {}
        manager.session_attributes = attributes
    return attributes


def user(handler_input: HandlerInput, services: SkillServices) -> Attributes:
    """The user's persistent attributes ({} when no adapter is configured)."""
    if services.adapter is None:
        return session(handler_input).setdefault("_user", {})
    attributes: Attributes = handler_input.attributes_manager.persistent_attributes
    return attributes


def update_user(
    handler_input: HandlerInput, services: SkillServices, change: Callable[[Attributes], None]
) -> Attributes:
    """Apply change to the user's persistent attributes atomically and save them."""
    if services.adapter is None:
        attributes = user(handler_input, services)
        change(attributes)
        return attributes
    saved = atomic_update(services.adapter, handler_input.request_envelope, change)
    handler_input.attributes_manager.persistent_attributes = saved
    return saved


def locale(handler_input: HandlerInput) -> str:
    """The request's locale, e.g. en-GB."""
    return str(getattr(handler_input.request_envelope.request, "locale", None) or "en-US")


def today(handler_input: HandlerInput, services: SkillServices) -> dt.date:
    """The user's calendar day when the request was made."""
    stamp = getattr(handler_input.request_envelope.request, "timestamp", None)
    moment = stamp if isinstance(stamp, dt.datetime) else dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(services.timezone).date()


def zone(name: str | None) -> dt.tzinfo:
    """A time zone by IANA name; UTC when unset."""
    return ZoneInfo(name) if name else dt.UTC


def respond(
    handler_input: HandlerInput,
    speech: str,
    *,
    reprompt: str | None = None,
    end_session: bool | None = None,
    awaiting: str | None = None,
    card: tuple[str, str] | None = None,
    remember: bool = True,
) -> Response:
    """Build a response from SSML fragments; remember it for Repeat and what is awaited next."""
    speech_ssml = ssml.speak(speech)
    builder = handler_input.response_builder.speak(speech_ssml)
    attributes = session(handler_input)
    if reprompt is not None:
        builder.ask(ssml.speak(reprompt))
    if end_session is not None:
        builder.set_should_end_session(end_session)
    elif reprompt is None:
        builder.set_should_end_session(True)
    if card is not None:
        builder.set_card(SimpleCard(title=card[0], content=card[1]))
    if awaiting:
        attributes[AWAITING] = awaiting
    else:
        attributes.pop(AWAITING, None)
    if remember:
        attributes[LAST_SPEECH] = speech
        attributes[LAST_REPROMPT] = reprompt
    response: Response = builder.response
    return response


def practice_list_sentence(practices: list[Practice], words: Words) -> str:
    """ "the mindful pause, the soothing breath, and the ..." for speaking."""
    return words.practice_list(p.title for p in practices)
