"""Care first: crisis, someone else at risk and deep hopelessness, in every turn, before anything else.

The policy and every word of it live in prompts/care.yaml. This module only decides which tier a
request calls for, which line to name, and what the follow-up yes, no and stop lead to.
"""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name
from ask_sdk_model import Response
from ask_sdk_model.interfaces.audioplayer import StopDirective

from .. import ssml
from ..care import TIER_OF_INTENT, CareTier, most_urgent
from ..locality import country_for_locale, person_country
from ..safety import CrisisLine
from .audio import is_playing
from .base import (
    AWAITING,
    OFFER,
    PENDING,
    PLAYING,
    KindHandler,
    SkillServices,
    all_slot_texts,
    is_request,
    locale,
    respond,
    session,
)

_LOGGER = logging.getLogger(__name__)

#: Session attribute holding the care tier offered in this session (a tier name, never any words).
CARE = "care"
#: Awaiting: the question that follows a care reply (a breath, or the steps again).
FOLLOW_UP = "care_followup"
#: Awaiting: the door left open after a breath or a "no" (yes: a breath; no: warm words again).
OPEN = "care_open"
_VERDICT = "care_verdict"


def request_tier(handler_input: HandlerInput, services: SkillServices) -> CareTier | None:
    """The care tier this request calls for: from a care intent, else from any words it carries."""
    if not is_request(handler_input, "IntentRequest"):
        return None
    scratch = handler_input.attributes_manager.request_attributes
    if _VERDICT in scratch:
        cached = scratch[_VERDICT]
        return cached if isinstance(cached, CareTier) else None
    tier = TIER_OF_INTENT.get(str(get_intent_name(handler_input)))
    if tier is None:
        tier = most_urgent([services.safety.care(text) for text in all_slot_texts(handler_input)])
    scratch[_VERDICT] = tier
    return tier


def country_of(handler_input: HandlerInput, services: SkillServices) -> str | None:
    """Where the person is: the configured country (offline), else the device's time zone's country
    (Alexa Settings API, at most 1 s), else the request's locale's."""
    if services.country:
        return services.country
    if services.settings_api:
        return person_country(handler_input)
    return country_for_locale(locale(handler_input))


def care_line(handler_input: HandlerInput, services: SkillServices) -> CrisisLine:
    """The crisis line for where the person is."""
    return services.safety.line_for(country_of(handler_input, services))


class CareHandler(KindHandler):
    """A calm, caring reply with the right line, whatever else was asked; the session stays open."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_tier(handler_input, self.services) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        tier = request_tier(handler_input, self.services) or CareTier.CRISIS
        # Log the tier only, never the words that led to it.
        _LOGGER.info("Care reply offered (%s)", tier.value)
        values = care_line(handler_input, self.services).values()
        attributes = session(handler_input)
        for key in (PLAYING, OFFER, PENDING):
            attributes.pop(key, None)
        attributes[CARE] = tier.value
        if is_playing(handler_input):
            # Otherwise the practice audio would carry on after the reply.
            handler_input.response_builder.add_directive(StopDirective())
        return respond(
            handler_input,
            ssml.sentence(self.say(f"care_{tier.value}", **values)),
            reprompt=ssml.sentence(self.say(f"care_{tier.value}_reprompt", **values)),
            end_session=False,
            awaiting=FOLLOW_UP,
            card=(self.say("care_card_title"), self.say("care_card", **values)),
        )


class CareFollowUpHandler(KindHandler):
    """After a care reply: yes leads into a breath (or the steps again), no keeps the door open,
    stop ends gently with the line, and anything unclear is met kindly rather than with a fallback."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        attributes = session(handler_input)
        if not attributes.get(CARE) or not is_request(handler_input, "IntentRequest"):
            return False
        name = str(get_intent_name(handler_input))
        if name in ("AMAZON.StopIntent", "AMAZON.CancelIntent"):
            return not is_playing(handler_input)
        return attributes.get(AWAITING) in (FOLLOW_UP, OPEN) and name in (
            "AMAZON.YesIntent",
            "AMAZON.NoIntent",
            "AMAZON.FallbackIntent",
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes = session(handler_input)
        tier = _tier(attributes.get(CARE))
        awaiting = attributes.get(AWAITING)
        values = care_line(handler_input, self.services).values()
        name = str(get_intent_name(handler_input))
        if name in ("AMAZON.StopIntent", "AMAZON.CancelIntent"):
            attributes.pop(PLAYING, None)
            return respond(handler_input, ssml.sentence(self.say("care_goodbye", **values)), end_session=True)
        if name == "AMAZON.YesIntent":
            if tier is CareTier.OTHER and awaiting == FOLLOW_UP:
                return self._reply(handler_input, "care_other", FOLLOW_UP, values)
            return self._breath(handler_input, values)
        if name == "AMAZON.NoIntent":
            key = "care_other_declined" if tier is CareTier.OTHER and awaiting == FOLLOW_UP else "care_declined"
            return self._reply(handler_input, key, OPEN, values)
        return respond(
            handler_input,
            ssml.sentence(self.say("care_fallback", **values)),
            reprompt=ssml.sentence(self.say("care_fallback", **values)),
            awaiting=str(awaiting),
        )

    def _reply(self, handler_input: HandlerInput, key: str, awaiting: str, values: dict[str, str]) -> Response:
        return respond(
            handler_input,
            ssml.sentence(self.say(key, **values)),
            reprompt=ssml.sentence(self.say(f"{key}_reprompt", **values)),
            awaiting=awaiting,
        )

    def _breath(self, handler_input: HandlerInput, values: dict[str, str]) -> Response:
        """The short guided breath, then a gentle question and the line again."""
        steps = self.content.care_breath
        parts = [ssml.guided(step.text) + ssml.pause(step.pause_seconds) for step in steps]
        parts.append(ssml.sentence(self.say("care_after_breath", **values)))
        return respond(
            handler_input,
            " ".join(parts),
            reprompt=ssml.sentence(self.say("care_after_breath_reprompt", **values)),
            awaiting=OPEN,
        )


def _tier(value: object) -> CareTier:
    try:
        return CareTier(str(value))
    except ValueError:
        return CareTier.CRISIS
