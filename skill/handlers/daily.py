"""The practice of the day: named plainly, offered, and started with a yes; suggested on opening to
people who have been here before."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .. import ssml
from ..daily import done_on, with_practice_of_the_day
from ..state import Awaiting, Offer, Pending
from .base import KindHandler, is_intent, listener_key, respond, today, update_session, update_user


def pick_today(handler_input: HandlerInput, handler: KindHandler) -> tuple[str, bool]:
    """Today's practice for this listener, saved with today's date; and whether it was done today."""
    day = today(handler_input, handler.services)
    rotation, key = list(handler.content.daily.rotation), listener_key(handler_input)
    saved = update_user(handler_input, lambda state: with_practice_of_the_day(state, rotation, key, day))
    assert saved.daily is not None
    return saved.daily.practice, done_on(saved, saved.daily.practice, day)


def offer(
    handler_input: HandlerInput, handler: KindHandler, practice_id: str, key: str, reprompt: str, **values: object
) -> Response:
    """Speak a suggestion of practice_id by response key and wait for yes (or a length, or no)."""
    practice = handler.content.practice(practice_id)
    minutes = handler.content.daily.minutes
    # "Ten minutes" in answer starts this practice at ten, as "yes" starts it at the offered length.
    update_session(handler_input, offer=Offer(practice_id, minutes), pending=Pending(practice_id))
    return respond(
        handler_input,
        ssml.sentence(handler.say(key, title=practice.title, minutes=minutes, **values)),
        reprompt=ssml.sentence(handler.say(reprompt, title=practice.title)),
        awaiting=Awaiting.PRACTICE_OFFER,
    )


class DailyPracticeHandler(KindHandler):
    """Answers "what's today's practice" with the practice, what it is, and an offer to start it."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "DailyPracticeIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        practice_id, done = pick_today(handler_input, self)
        key = "daily_practice_done" if done else "daily_practice"
        about = self.content.daily.rotation[practice_id]
        return offer(handler_input, self, practice_id, key, "daily_practice_reprompt", about=about)
