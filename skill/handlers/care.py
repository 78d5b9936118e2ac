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
from ..state import Awaiting
from .audio import is_playing
from .base import (
    KindHandler,
    SkillServices,
    all_slot_texts,
    is_request,
    locale,
    respond,
    say,
    state,
    update_session,
)

_LOGGER = logging.getLogger(__name__)
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
        update_session(handler_input, playing=None, offer=None, pending=None, care=tier)
        if is_playing(handler_input):
            # Otherwise the practice audio would carry on after the reply.
            handler_input.response_builder.add_directive(StopDirective())
        return respond(
            handler_input,
            ssml.sentence(self.say(f"care_{tier.value}", **values)),
            reprompt=ssml.sentence(self.say(f"care_{tier.value}_reprompt", **values)),
            end_session=False,
            awaiting=Awaiting.CARE_FOLLOW_UP,
            card=(self.say("care_card_title"), self.say("care_card", **values)),
        )


class CareFollowUpHandler(KindHandler):
    """Stop after a care reply ends gently, with the line (yes, no and unclear answers: see dialog.py)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if state(handler_input).care is None or not is_request(handler_input, "IntentRequest"):
            return False
        name = str(get_intent_name(handler_input))
        return name in ("AMAZON.StopIntent", "AMAZON.CancelIntent") and not is_playing(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        values = care_line(handler_input, self.services).values()
        update_session(handler_input, playing=None)
        return respond(handler_input, ssml.sentence(self.say("care_goodbye", **values)), end_session=True)


def care_yes(handler_input: HandlerInput, services: SkillServices) -> Response:
    """Yes after a care reply: a breath (or, for someone else at risk, the steps again)."""
    session = state(handler_input)
    values = care_line(handler_input, services).values()
    if session.care is CareTier.OTHER and session.awaiting is Awaiting.CARE_FOLLOW_UP:
        return _reply(handler_input, services, "care_other", Awaiting.CARE_FOLLOW_UP, values)
    return _breath(handler_input, services, values)


def care_no(handler_input: HandlerInput, services: SkillServices) -> Response:
    """No after a care reply: warm words, and the door left open."""
    session = state(handler_input)
    values = care_line(handler_input, services).values()
    other = session.care is CareTier.OTHER and session.awaiting is Awaiting.CARE_FOLLOW_UP
    return _reply(
        handler_input, services, "care_other_declined" if other else "care_declined", Awaiting.CARE_OPEN, values
    )


def care_fallback(handler_input: HandlerInput, services: SkillServices) -> Response:
    """Anything unclear after a care reply is met kindly, with the same question still open."""
    values = care_line(handler_input, services).values()
    return respond(
        handler_input,
        ssml.sentence(say(services, "care_fallback", **values)),
        reprompt=ssml.sentence(say(services, "care_fallback", **values)),
        awaiting=state(handler_input).awaiting,
    )


def _reply(
    handler_input: HandlerInput, services: SkillServices, key: str, awaiting: Awaiting, values: dict[str, str]
) -> Response:
    return respond(
        handler_input,
        ssml.sentence(say(services, key, **values)),
        reprompt=ssml.sentence(say(services, f"{key}_reprompt", **values)),
        awaiting=awaiting,
    )


def _breath(handler_input: HandlerInput, services: SkillServices, values: dict[str, str]) -> Response:
    """The short guided breath, then a gentle question and the line again."""
    steps = services.content.care_breath
    parts = [ssml.guided(step.text) + ssml.pause(step.pause_seconds) for step in steps]
    parts.append(ssml.sentence(say(services, "care_after_breath", **values)))
    return respond(
        handler_input,
        " ".join(parts),
        reprompt=ssml.sentence(say(services, "care_after_breath_reprompt", **values)),
        awaiting=Awaiting.CARE_OPEN,
    )
