"""Affirmations, check-ins, the practice list, progress, and yes / no answers to our offers."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentConfirmationStatus, Response, Slot, SlotConfirmationStatus
from ask_sdk_model.dialog import ElicitSlotDirective

from .. import ssml
from ..checkin import practice_for_feeling
from ..progress import Attributes, get_position, next_affirmation, summarize
from .base import (
    AWAITING,
    OFFER,
    PLAYING,
    KindHandler,
    is_intent,
    practice_list_sentence,
    respond,
    session,
    slot_text,
    today,
    update_user,
    user,
)
from .practice import NextHandler, ResumeHandler, start


class AffirmationHandler(KindHandler):
    """Speaks the next affirmation in this user's rotation (no repeats until the pool is used up)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AffirmationIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return speak_affirmation(handler_input, self)


def speak_affirmation(handler_input: HandlerInput, handler: KindHandler) -> Response:
    """Pick, remember and speak one affirmation."""
    pool = [a.id for a in handler.content.affirmations]
    chosen: list[str] = []

    def pick(attributes: Attributes) -> None:
        chosen.append(next_affirmation(attributes, pool, handler.services.rng))

    update_user(handler_input, handler.services, pick)
    affirmation = handler.content.affirmation(chosen[-1])
    text = affirmation.text if affirmation else ""
    speech = " ".join(
        (
            ssml.sentence(handler.say("affirmation")),
            ssml.pause(0.6),
            ssml.guided(text),
            ssml.pause(2.0),
            ssml.sentence(handler.say("affirmation_more")),
        )
    )
    return respond(
        handler_input,
        speech,
        reprompt=ssml.sentence(handler.say("affirmation_reprompt")),
        awaiting="affirmation_offer",
        card=(handler.words.title("affirmation_card"), text),
    )


class CheckInHandler(KindHandler):
    """Answers a feeling with warmth and offers the practice that suits it."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "CheckInIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        feeling = slot_text(handler_input, "feeling")
        if not feeling:
            # Ask for the feeling as a free-text slot: Alexa (and the offline runner) then listen
            # openly for the answer instead of matching it against commands.
            response = respond(
                handler_input,
                ssml.sentence(self.say("checkin_ask")),
                reprompt=ssml.sentence(self.say("checkin_ask_reprompt")),
                awaiting="feeling",
            )
            intent = Intent(
                name="CheckInIntent",
                confirmation_status=IntentConfirmationStatus.NONE,
                slots={"feeling": Slot(name="feeling", confirmation_status=SlotConfirmationStatus.NONE)},
            )
            response.directives = [ElicitSlotDirective(updated_intent=intent, slot_to_elicit="feeling")]
            return response
        # The feeling text is used here and dropped: it is never stored or logged.
        theme, practice_id = practice_for_feeling(feeling, self.content)
        practice = self.content.practice(practice_id)
        session(handler_input)[OFFER] = {"practice": practice_id, "minutes": self.words.offers.minutes}
        return respond(
            handler_input,
            ssml.sentence(self.say(f"checkin_{theme}")),
            reprompt=ssml.sentence(self.say("checkin_offer_reprompt", title=practice.title)),
            awaiting="practice_offer",
        )


class ListPracticesHandler(KindHandler):
    """Names every practice."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "ListPracticesIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        names = practice_list_sentence(list(self.content.practices.values()), self.words)
        return respond(
            handler_input,
            ssml.sentence(self.say("list_practices", practice_list=names)),
            reprompt=ssml.sentence(self.say("list_reprompt")),
            awaiting="practice",
        )


class ProgressHandler(KindHandler):
    """Reports practices finished, days this week and the current streak."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "ProgressIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        summary = summarize(user(handler_input, self.services), today(handler_input, self.services))
        if summary.total == 0:
            text = self.say("progress_none")
        else:
            streak = (
                self.say(
                    "streak_sentence_active",
                    streak=summary.streak,
                    streak_word=self.words.plural(summary.streak, "day"),
                )
                if summary.streak > 1
                else self.say("streak_sentence_none")
            )
            text = self.say(
                "progress",
                total=summary.total,
                total_word=self.words.plural(summary.total, "practice"),
                week_days=summary.week_days,
                week_day_word=self.words.plural(summary.week_days, "day"),
                streak_sentence=streak,
            )
        return respond(
            handler_input,
            ssml.sentence(text),
            reprompt=ssml.sentence(self.say("progress_reprompt")),
            awaiting="practice",
        )


class YesHandler(KindHandler):
    """Accepts whatever KindWell just offered."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.YesIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes = session(handler_input)
        awaiting = attributes.get(AWAITING)
        if awaiting == "practice_offer" and attributes.get(OFFER):
            offer = attributes[OFFER]
            return start(handler_input, self, str(offer["practice"]), int(offer["minutes"]))
        if awaiting == "resume_offer":
            return ResumeHandler(self.services).handle(handler_input)
        if awaiting == "segment":
            return NextHandler(self.services).handle(handler_input)
        if awaiting == "affirmation_offer":
            return speak_affirmation(handler_input, self)
        return self.ask(handler_input, "fallback")


class NoHandler(KindHandler):
    """Declines whatever KindWell just offered, kindly."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.NoIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes = session(handler_input)
        awaiting = attributes.get(AWAITING)
        attributes.pop(OFFER, None)
        if awaiting == "practice_offer":
            return respond(
                handler_input,
                ssml.sentence(self.say("offer_declined")),
                reprompt=ssml.sentence(self.say("offer_declined_reprompt")),
                awaiting="affirmation_offer",
            )
        if awaiting == "resume_offer":
            return self.ask(handler_input, "resume_declined")
        if awaiting == "segment" or attributes.get(PLAYING):
            position = get_position(user(handler_input, self.services))
            title = self.content.practice(position.practice).title if position else ""
            attributes.pop(PLAYING, None)
            return respond(handler_input, ssml.sentence(self.say("goodbye_saved", title=title)), end_session=True)
        return respond(handler_input, ssml.sentence(self.say("goodbye")), end_session=True)
