"""Opening, help, leaving, and everything that falls outside the other handlers."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .. import ssml
from ..daily import with_practice_of_the_day
from ..state import Awaiting, Position
from ..state_user import UserState
from ..timer import is_timer_track
from .audio import is_playing, saved_audio, stop
from .base import (
    KindHandler,
    SkillServices,
    is_intent,
    is_request,
    listener_key,
    respond,
    state,
    today,
    update_session,
    update_user,
    user,
)
from .daily import offer
from .turn import begin, commit, request_kind

_LOGGER = logging.getLogger(__name__)


class LaunchHandler(KindHandler):
    """Welcomes new and returning users, offering to resume a saved practice."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request(handler_input, "LaunchRequest")

    def handle(self, handler_input: HandlerInput) -> Response:
        before = user(handler_input)
        position = before.position
        audio = saved_audio(handler_input, self.services)
        # A stopped timer is not offered days later: a new sit is a fresh start.
        if audio is not None and not is_timer_track(audio[0].practice):
            variant = self.services.audio.variant_of(audio[0]) if self.services.audio is not None else None
            position = Position(audio[0].practice, audio[0].minutes, 0, variant or 0)
        if position is not None and position.practice not in self.content.practices:
            position = None
        # Returning people hear today's practice; the day is theirs, in their own time zone.
        day = today(handler_input, self.services) if position is None and before.visits else None
        rotation, key = list(self.content.daily.rotation), listener_key(handler_input)

        def visit(state: UserState) -> UserState:
            visited = state.visited()
            if day is not None and state.visits > 0:
                return with_practice_of_the_day(visited, rotation, key, day)
            return visited

        saved = update_user(handler_input, visit)
        if position is not None:
            title = self.content.practice(position.practice).title
            return respond(
                handler_input,
                ssml.sentence(self.say("welcome_resume", title=title, minutes=position.minutes)),
                reprompt=ssml.sentence(self.say("reprompt_main")),
                awaiting=Awaiting.RESUME_OFFER,
            )
        if day is not None and saved.visits > 1 and saved.daily is not None and saved.daily.day == day:
            return offer(handler_input, self, saved.daily.practice, "daily_welcome", "daily_welcome_reprompt")
        key = "welcome_new" if saved.visits == 1 else "welcome_returning"
        return respond(handler_input, ssml.sentence(self.say(key)), reprompt=ssml.sentence(self.say("reprompt_main")))


class HelpHandler(KindHandler):
    """Explains what to say, with the reminder that KindWell is not professional care."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.HelpIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return self.ask(handler_input, "help")


class StopHandler(KindHandler):
    """Ends the conversation; a practice in play stays saved for later."""

    intent_name = "AMAZON.StopIntent"

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, self.intent_name)

    def handle(self, handler_input: HandlerInput) -> Response:
        if is_playing(handler_input):
            return stop(handler_input, self.services)
        playing = state(handler_input).playing
        update_session(handler_input, playing=None)
        if playing is not None:
            title = self.content.practice(playing.practice).title
            return respond(handler_input, ssml.sentence(self.say("goodbye_saved", title=title)), end_session=True)
        return respond(handler_input, ssml.sentence(self.say("goodbye")), end_session=True)


class CancelHandler(StopHandler):
    """Cancel behaves like stop: nothing here is worth keeping someone for."""

    intent_name = "AMAZON.CancelIntent"


class NavigateHomeHandler(KindHandler):
    """Back to the start: forget what was being asked and offer the main choices."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.NavigateHomeIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        update_session(handler_input, playing=None, offer=None, pending=None)
        return self.ask(handler_input, "welcome_returning")


class SessionEndedHandler(KindHandler):
    """The session closed (the user left or stayed silent): nothing to say, progress already saved."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request(handler_input, "SessionEndedRequest")

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        reason = getattr(getattr(request, "reason", None), "value", None)
        error = getattr(request, "error", None)
        if error is not None:
            _LOGGER.warning("Session ended with an error of type %s", getattr(error, "object_type", "unknown"))
        else:
            _LOGGER.debug("Session ended: %s", reason)
        response: Response = handler_input.response_builder.response
        return response


class UnhandledRequestHandler(KindHandler):
    """Any request no other handler claims gets a kind fallback instead of an error."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        _LOGGER.info("No handler for %s", request_kind(handler_input))
        if handler_input.request_envelope.session is None:
            # Requests outside a conversation (device events) must not speak.
            response: Response = handler_input.response_builder.response
            return response
        return self.ask(handler_input, "fallback")


class KindExceptionHandler(AbstractExceptionHandler):
    """Logs what failed (never what the user said) and apologises kindly."""

    def __init__(self, services: SkillServices) -> None:
        self.services = services

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        # Only the request kind and the exception: slot values could hold what someone said.
        if isinstance(exception, PersistenceException):
            # Progress could not be read or saved (no user id, the database unreachable): its own
            # message says which, in one line; a traceback would only show ask-sdk's call chain.
            _LOGGER.error("Could not keep progress for %s: %s", request_kind(handler_input), exception)
        else:
            _LOGGER.error(
                "Error handling %s: %s", request_kind(handler_input), type(exception).__name__, exc_info=exception
            )
        # Response interceptors do not run after a failure: the state is written back here instead.
        begin(handler_input, self.services)
        text = self.services.content.responses.get("error")
        response = respond(
            handler_input,
            ssml.sentence(text),
            reprompt=ssml.sentence(self.services.content.responses.get("reprompt_main")),
        )
        commit(handler_input)
        return response
