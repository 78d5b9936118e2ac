"""The practice of the day: named plainly, offered, and started with a yes; suggested on opening to
people who have been here before."""

from __future__ import annotations

import datetime as dt
import hashlib

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .. import ssml
from ..daily import done_on, practice_of_the_day
from ..progress import Attributes
from .base import OFFER, PENDING, KindHandler, is_intent, respond, session, update_user
from .local_day import user_today


def user_key(handler_input: HandlerInput) -> str:
    """A hash of the user id (the rotation's starting place; the id itself is never kept)."""
    system = getattr(handler_input.request_envelope.context, "system", None)
    user_id = str(getattr(getattr(system, "user", None), "user_id", None) or "")
    return hashlib.sha256(user_id.encode()).hexdigest()


def pick_today(attributes: Attributes, handler: KindHandler, handler_input: HandlerInput, day: dt.date) -> str:
    """Today's practice for this user, saved in their attributes."""
    return practice_of_the_day(attributes, list(handler.content.daily.rotation), user_key(handler_input), day)


def offer(
    handler_input: HandlerInput, handler: KindHandler, practice_id: str, key: str, reprompt: str, **values: object
) -> Response:
    """Speak a suggestion of practice_id by response key and wait for yes (or a length, or no)."""
    practice = handler.content.practice(practice_id)
    minutes = handler.content.daily.minutes
    attributes = session(handler_input)
    attributes[OFFER] = {"practice": practice_id, "minutes": minutes}
    # "Ten minutes" in answer starts this practice at ten, as "yes" starts it at the offered length.
    attributes[PENDING] = {"practice": practice_id}
    return respond(
        handler_input,
        ssml.sentence(handler.say(key, title=practice.title, minutes=minutes, **values)),
        reprompt=ssml.sentence(handler.say(reprompt, title=practice.title)),
        awaiting="practice_offer",
    )


class DailyPracticeHandler(KindHandler):
    """Answers "what's today's practice" with the practice, what it is, and an offer to start it."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "DailyPracticeIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        day = user_today(handler_input, self.services)
        chosen: list[tuple[str, bool]] = []

        def choose(attributes: Attributes) -> None:
            practice = pick_today(attributes, self, handler_input, day)
            chosen.append((practice, done_on(attributes, practice, day)))

        update_user(handler_input, self.services, choose)
        practice_id, done = chosen[-1]
        key = "daily_practice_done" if done else "daily_practice"
        about = self.content.daily.rotation[practice_id]
        return offer(handler_input, self, practice_id, key, "daily_practice_reprompt", about=about)
