"""Crisis support: checked before every other handler, for the intent and for any free text."""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.interfaces.audioplayer import StopDirective

from .. import ssml
from .audio import is_playing
from .base import (
    OFFER,
    PENDING,
    PLAYING,
    KindHandler,
    all_slot_texts,
    is_intent,
    is_request,
    locale,
    respond,
    session,
)

_LOGGER = logging.getLogger(__name__)


class CrisisHandler(KindHandler):
    """Any crisis language gets a calm reply with the locale's crisis line, never a practice."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if is_intent(handler_input, "CrisisSupportIntent"):
            return True
        if not is_request(handler_input, "IntentRequest"):
            return False
        return any(self.services.safety.is_crisis(text) for text in all_slot_texts(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        # Log that support was offered, never the words that triggered it.
        _LOGGER.info("Crisis support offered (locale %s)", locale(handler_input))
        line = self.services.safety.line_for(locale(handler_input))
        attributes = session(handler_input)
        for key in (PLAYING, OFFER, PENDING):
            attributes.pop(key, None)
        values = {
            "line_name": line.name,
            "line_spoken": line.spoken,
            "line_display": line.display,
            "line_how": line.how,
            "emergency": line.emergency,
        }
        if line.known:
            speech = self.say("crisis", **values)
            reprompt = self.say("crisis_reprompt", **values)
            card = self.say("crisis_card", **values)
        else:
            speech = self.say("crisis_no_line")
            reprompt = speech
            card = speech
        if is_playing(handler_input):
            # Otherwise the practice audio would carry on after the reply.
            handler_input.response_builder.add_directive(StopDirective())
        return respond(
            handler_input,
            ssml.sentence(speech),
            reprompt=ssml.sentence(reprompt),
            end_session=False,
            card=(self.say("crisis_card_title"), card),
        )
