"""Affirmations, check-ins, the practice list and progress."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentConfirmationStatus, Response, Slot, SlotConfirmationStatus
from ask_sdk_model.dialog import ElicitSlotDirective

from .. import ssml
from ..checkin import practice_for_feeling
from ..state import Awaiting, Offer
from .base import (
    KindHandler,
    SkillServices,
    is_intent,
    practice_list_sentence,
    respond,
    say,
    slot_text,
    state,
    today,
    update_session,
    update_user,
    user,
)


class AffirmationHandler(KindHandler):
    """Speaks the next affirmation in this user's rotation (no repeats until the pool is used up)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AffirmationIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return speak_affirmation(handler_input, self.services)


def speak_affirmation(handler_input: HandlerInput, services: SkillServices) -> Response:
    """Pick, remember and speak one affirmation (from the check-in's theme, when this session had one)."""
    everything = [a.id for a in services.content.affirmations]
    theme = state(handler_input).affirm_theme
    pool = [a.id for a in services.content.affirmations if a.theme == theme] or everything
    saved = update_user(handler_input, lambda stored: stored.with_next_affirmation(pool, services.rng, everything))
    affirmation = services.content.affirmation(saved.heard[-1])
    text = affirmation.text if affirmation else ""
    # Words in the first person are the listener's to say, never the speaker talking about itself.
    preface = say(services, "affirmation_to_self" if affirmation and affirmation.to_self else "affirmation")
    speech = " ".join(
        (
            ssml.sentence(preface),
            ssml.pause(0.6),
            ssml.guided(text),
            ssml.pause(2.0),
            ssml.sentence(say(services, "affirmation_more")),
        )
    )
    card = f"{preface} {text}" if affirmation and affirmation.to_self else text
    return respond(
        handler_input,
        speech,
        reprompt=ssml.sentence(say(services, "affirmation_reprompt")),
        awaiting=Awaiting.AFFIRMATION_OFFER,
        card=(services.prompts.words.title("affirmation_card"), card),
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
                awaiting=Awaiting.FEELING,
            )
            intent = Intent(
                name="CheckInIntent",
                confirmation_status=IntentConfirmationStatus.NONE,
                slots={"feeling": Slot(name="feeling", confirmation_status=SlotConfirmationStatus.NONE)},
            )
            response.directives = [ElicitSlotDirective(updated_intent=intent, slot_to_elicit="feeling")]
            return response
        # The feeling text is used here and dropped: it is never stored or logged. The session keeps
        # only the affirmation theme it suggests, so an affirmation offered later can follow it.
        theme, practice_id = practice_for_feeling(feeling, self.content, self.services.prompts.theme_classifier)
        practice = self.content.practice(practice_id)
        family = next((t for t in self.content.feelings if t.id == theme), None)
        update_session(
            handler_input,
            offer=Offer(practice_id, self.words.offers.minutes),
            affirm_theme=family.affirmations if family is not None else None,
        )
        return respond(
            handler_input,
            ssml.sentence(self.say(f"checkin_{theme}")),
            reprompt=ssml.sentence(self.say("checkin_offer_reprompt", title=practice.title)),
            awaiting=Awaiting.PRACTICE_OFFER,
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
            awaiting=Awaiting.PRACTICE,
        )


class ProgressHandler(KindHandler):
    """Reports practices finished, days this week and the current streak."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "ProgressIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        summary = user(handler_input).summary(today(handler_input, self.services))
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
            awaiting=Awaiting.PRACTICE,
        )
