"""Yes, no and anything unclear, answered by what KindWell asked last (the session's `Awaiting`).

Each answer is a plain function of the request and the services, shared with the handler that
does the same thing when asked for directly ("resume", "next"): the tables below are the whole
dialog, one line per question and answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .. import ssml
from ..state import Awaiting
from .base import KindHandler, SkillServices, ask, is_intent, respond, say, state, update_session, user
from .care import care_fallback, care_no, care_yes
from .kindness import speak_affirmation
from .practice import next_segment, resume, start

Answer = Callable[[HandlerInput, SkillServices], Response]


def start_offer(handler_input: HandlerInput, services: SkillServices) -> Response:
    """Yes to an offered practice: start it."""
    offer = state(handler_input).offer
    if offer is None:
        return ask(handler_input, services, "fallback")
    return start(handler_input, services, offer.practice, offer.minutes)


def decline_offer(handler_input: HandlerInput, services: SkillServices) -> Response:
    """No to an offered practice: that's fine, and an affirmation is offered instead."""
    update_session(handler_input, pending=None)
    return respond(
        handler_input,
        ssml.sentence(say(services, "offer_declined")),
        reprompt=ssml.sentence(say(services, "offer_declined_reprompt")),
        awaiting=Awaiting.AFFIRMATION_OFFER,
    )


def decline_resume(handler_input: HandlerInput, services: SkillServices) -> Response:
    """No to resuming: the saved place stays, and the main choices are offered."""
    return ask(handler_input, services, "resume_declined")


def leave_practice(handler_input: HandlerInput, services: SkillServices) -> Response:
    """No in the middle of a practice: goodbye, with the place saved."""
    position = user(handler_input).position
    title = services.content.practice(position.practice).title if position else ""
    update_session(handler_input, playing=None)
    return respond(handler_input, ssml.sentence(say(services, "goodbye_saved", title=title)), end_session=True)


def goodbye(handler_input: HandlerInput, services: SkillServices) -> Response:
    """No to nothing in particular: a kind goodbye."""
    return respond(handler_input, ssml.sentence(say(services, "goodbye")), end_session=True)


def not_understood(handler_input: HandlerInput, services: SkillServices) -> Response:
    """Something unclear: in a practice, how to go on; otherwise what can be asked."""
    session = state(handler_input)
    if session.playing is None:
        return ask(handler_input, services, "fallback")
    text = ssml.sentence(say(services, "fallback_in_practice"))
    return respond(handler_input, text, reprompt=text, awaiting=session.awaiting)


def _no_otherwise(handler_input: HandlerInput, services: SkillServices) -> Response:
    if state(handler_input).playing is not None:
        return leave_practice(handler_input, services)
    return goodbye(handler_input, services)


def _yes_otherwise(handler_input: HandlerInput, services: SkillServices) -> Response:
    return ask(handler_input, services, "fallback")


ON_YES: Mapping[Awaiting, Answer] = {
    Awaiting.PRACTICE_OFFER: start_offer,
    Awaiting.RESUME_OFFER: resume,
    Awaiting.SEGMENT: next_segment,
    Awaiting.AFFIRMATION_OFFER: speak_affirmation,
    Awaiting.CARE_FOLLOW_UP: care_yes,
    Awaiting.CARE_OPEN: care_yes,
}
ON_NO: Mapping[Awaiting, Answer] = {
    Awaiting.PRACTICE_OFFER: decline_offer,
    Awaiting.RESUME_OFFER: decline_resume,
    Awaiting.SEGMENT: leave_practice,
    Awaiting.CARE_FOLLOW_UP: care_no,
    Awaiting.CARE_OPEN: care_no,
}
ON_UNCLEAR: Mapping[Awaiting, Answer] = {
    Awaiting.CARE_FOLLOW_UP: care_fallback,
    Awaiting.CARE_OPEN: care_fallback,
}


def answer(
    handler_input: HandlerInput, services: SkillServices, table: Mapping[Awaiting, Answer], otherwise: Answer
) -> Response:
    """Answer with the table's entry for what is awaited, or with otherwise."""
    awaiting = state(handler_input).awaiting
    chosen = table.get(awaiting, otherwise) if awaiting is not None else otherwise
    return chosen(handler_input, services)


class YesHandler(KindHandler):
    """Accepts whatever KindWell just offered."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.YesIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return answer(handler_input, self.services, ON_YES, _yes_otherwise)


class NoHandler(KindHandler):
    """Declines whatever KindWell just offered, kindly."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.NoIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        update_session(handler_input, offer=None)
        return answer(handler_input, self.services, ON_NO, _no_otherwise)


class FallbackHandler(KindHandler):
    """Something KindWell did not understand."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.FallbackIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return answer(handler_input, self.services, ON_UNCLEAR, not_understood)
