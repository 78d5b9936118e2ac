"""Guided practices: start, and the transport controls a listener expects (next, pause, resume...)."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .. import ssml
from ..content import PRACTICE_LENGTHS
from ..state import Awaiting, Pending, Position
from ..state_user import UserState
from ..timer import is_timer_track
from ..variety import variant_for
from .audio import is_playing, play, playable_url, playing_track, saved_audio, stop
from .base import (
    KindHandler,
    SkillServices,
    ask,
    facts,
    is_intent,
    listener_key,
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


def snap_minutes(requested: float, lengths: tuple[int, ...] = PRACTICE_LENGTHS) -> int:
    """The offered length nearest to what was asked (the shorter one on a tie)."""
    return min(lengths, key=lambda offered: (abs(offered - requested), offered))


def current_position(handler_input: HandlerInput) -> Position | None:
    """The practice in play: this session's, else the one saved from an earlier session."""
    return state(handler_input).playing or user(handler_input).position


def deliver(handler_input: HandlerInput, services: SkillServices, position: Position, intro: str = "") -> Response:
    """Speak one segment of a practice and remember where the listener is."""
    practice = services.content.practice(position.practice)
    # The variant travels with the position: its segments are the ones the index counts.
    variant = position.variant % practice.variant_count(position.minutes)
    segments = services.segments(position.practice, position.minutes, variant)
    index = max(0, min(position.segment, len(segments) - 1))
    segment = segments[index]
    playing = Position(position.practice, position.minutes, index, variant)
    update_session(handler_input, playing=playing)
    is_last = index == len(segments) - 1
    day = today(handler_input, services) if is_last else None

    def save(saved: UserState) -> UserState:
        if day is not None:
            return saved.finished(practice.id, day).with_position(None)
        # Resume replays the part the listener was in: a pause usually interrupts it.
        return saved.with_position(playing)

    update_user(handler_input, save)
    if is_last and practice.ending == "fade":
        # Someone drifting off to sleep is asked nothing more: the practice fades and the session ends.
        update_session(handler_input, playing=None)
        return respond(handler_input, " ".join(p for p in (intro, segment.ssml_body) if p), end_session=True)
    if is_last:
        update_session(handler_input, playing=None)
        closing = say(services, "practice_complete", title=practice.title)
        return respond(
            handler_input,
            " ".join(p for p in (intro, segment.ssml_body, ssml.pause(1.5), ssml.sentence(closing)) if p),
            reprompt=ssml.sentence(say(services, "practice_complete_reprompt")),
            awaiting=Awaiting.AFFIRMATION_OFFER,
        )
    closing = ssml.sentence(say(services, "segment_continue"))
    if practice.ending == "fade":
        closing = ssml.quiet(closing)
    return respond(
        handler_input,
        " ".join(p for p in (intro, segment.ssml_body, ssml.pause(1.0), closing) if p),
        reprompt=ssml.sentence(say(services, "segment_reprompt", title=practice.title)),
        awaiting=Awaiting.SEGMENT,
    )


def start(
    handler_input: HandlerInput, services: SkillServices, practice_id: str, minutes: int, prefix: str = ""
) -> Response:
    """Begin a practice from its first segment, in the variant this listener hears today."""
    practice = services.content.practice(practice_id)
    intro = ssml.sentence(say(services, "practice_intro", title=practice.title, minutes=minutes))
    update_session(handler_input, pending=None, offer=None)
    day = today(handler_input, services)
    variant = variant_for(listener_key(handler_input), practice_id, minutes, day, practice.variant_count(minutes))
    if services.audio is not None and playable_url(handler_input, services, practice_id, minutes, variant):
        update_session(handler_input, playing=None)
        track = services.audio.track(practice_id, minutes, variant)
        return play(handler_input, services, track, 0, " ".join(p for p in (prefix, intro) if p))
    return deliver(
        handler_input,
        services,
        Position(practice_id, minutes, 0, variant),
        " ".join(p for p in (prefix, intro, ssml.pause(1.0)) if p),
    )


def replay_saved_audio(
    handler_input: HandlerInput, services: SkillServices, intro_key: str, from_start: bool
) -> Response | None:
    """Play the user's saved practice stream again (at its offset, or from the start), if there is one."""
    saved = saved_audio(handler_input, services)
    if saved is None or state(handler_input).playing is not None:
        return None
    track, offset = saved
    assert services.audio is not None  # saved_audio finds nothing without a catalog
    intro = ssml.sentence(say(services, intro_key, title=services.audio.title(track)))
    return play(handler_input, services, track, 0 if from_start else offset, intro)


def next_segment(handler_input: HandlerInput, services: SkillServices) -> Response:
    """The next part of the practice in play (a saved practice continues where it was left)."""
    track = playing_track(handler_input)
    if track is not None:
        # One stream per practice or timer: nothing to skip to, and the audio carries on after this.
        key = "timer_audio_next" if is_timer_track(track.practice) else "audio_next"
        return respond(handler_input, ssml.sentence(say(services, key)), remember=False)
    position = current_position(handler_input)
    if position is None:
        return ask(handler_input, services, "nothing_next")
    in_session = state(handler_input).playing is not None
    segment = position.segment + 1 if in_session else position.segment
    return deliver(handler_input, services, replace(position, segment=segment))


def resume(handler_input: HandlerInput, services: SkillServices) -> Response:
    """Continue a paused or saved practice: its stream at the saved offset, or its segments."""
    replayed = replay_saved_audio(handler_input, services, "resume_intro", from_start=False)
    if replayed is not None:
        return replayed
    position = current_position(handler_input)
    if position is None:
        return ask(handler_input, services, "nothing_to_resume")
    session = state(handler_input)
    if session.awaiting is Awaiting.SEGMENT and session.playing is not None:
        # Waiting at the end of a part: "continue" means the next part.
        position = replace(position, segment=position.segment + 1)
    title = services.content.practice(position.practice).title
    return deliver(
        handler_input, services, position, ssml.sentence(say(services, "resume_intro", title=title)) + ssml.pause(1.0)
    )


class StartPracticeHandler(KindHandler):
    """Starts a practice, asking for whatever is missing (which practice, how long)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "StartPracticeIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        slots = facts(handler_input).slots
        pending = state(handler_input).pending or Pending()
        practice_id = slots.practice or pending.practice
        heard_practice = slot_text(handler_input, "practice")
        requested = slots.minutes or slots.duration_minutes or pending.minutes
        if practice_id is None and requested is not None and not heard_practice:
            # "a five minute meditation": the practice words.yaml offers as the plain meditation.
            practice_id = self.words.offers.meditation
        if practice_id is None:
            update_session(handler_input, pending=Pending(minutes=requested))
            suggestions = practice_list_sentence(
                [self.content.practice(p) for p in self.words.offers.suggested], self.words
            )
            text = self.say("ask_practice", suggestions=suggestions)
            return respond(handler_input, ssml.sentence(text), reprompt=ssml.sentence(text), awaiting=Awaiting.PRACTICE)
        practice = self.content.practice(practice_id)
        lengths = self.words.lengths(practice.lengths)
        if requested is None:
            update_session(handler_input, pending=Pending(practice=practice_id))
            return respond(
                handler_input,
                ssml.sentence(self.say("ask_length", title=practice.title, lengths=lengths)),
                reprompt=ssml.sentence(self.say("ask_length_reprompt", lengths=lengths.capitalize())),
                awaiting=Awaiting.LENGTH,
            )
        minutes = snap_minutes(requested, practice.lengths)
        prefix = ""
        if abs(minutes - requested) > 1e-9:
            prefix = ssml.sentence(self.say("length_snapped", title=practice.title, offered=lengths, minutes=minutes))
        return start(handler_input, self.services, practice_id, minutes, prefix)


def requested_minutes(handler_input: HandlerInput) -> float | None:
    """The length asked for in this request (minutes or a duration), before it is snapped."""
    slots = facts(handler_input).slots
    return slots.minutes or slots.duration_minutes


class NextHandler(KindHandler):
    """Plays the next segment of the practice in play."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.NextIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return next_segment(handler_input, self.services)


class ResumeHandler(KindHandler):
    """Continues a paused or saved practice."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.ResumeIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return resume(handler_input, self.services)


class PauseHandler(KindHandler):
    """Pauses: the place is saved so resume, now or in a later session, continues from it."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.PauseIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        if is_playing(handler_input):
            return stop(handler_input, self.services)
        position = current_position(handler_input)
        if position is None:
            return self.ask(handler_input, "nothing_to_resume")
        update_user(handler_input, lambda saved: saved.with_position(position))
        title = self.content.practice(position.practice).title
        update_session(handler_input, playing=None)
        return respond(handler_input, ssml.sentence(self.say("paused", title=title)), end_session=True)


class RepeatHandler(KindHandler):
    """Says the last thing again: the current part of a practice, or the last reply."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.RepeatIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        session = state(handler_input)
        if session.playing is not None:
            return deliver(handler_input, self.services, session.playing)
        if session.last_speech:
            return respond(
                handler_input,
                session.last_speech,
                reprompt=session.last_reprompt or ssml.sentence(self.say("reprompt_main")),
                awaiting=session.awaiting,
            )
        return self.ask(handler_input, "nothing_to_repeat")


class StartOverHandler(KindHandler):
    """Starts the practice in play again from its beginning."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.StartOverIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        replayed = replay_saved_audio(handler_input, self.services, "start_over", from_start=True)
        if replayed is not None:
            return replayed
        position = current_position(handler_input)
        if position is None:
            return self.ask(handler_input, "nothing_next")
        title = self.content.practice(position.practice).title
        intro = ssml.sentence(self.say("start_over", title=title)) + ssml.pause(1.0)
        return deliver(handler_input, self.services, replace(position, segment=0), intro)


class UnsupportedHandler(KindHandler):
    """Loop, shuffle and previous have no meaning for a spoken practice."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(
            handler_input,
            "AMAZON.LoopOnIntent",
            "AMAZON.LoopOffIntent",
            "AMAZON.ShuffleOnIntent",
            "AMAZON.ShuffleOffIntent",
            "AMAZON.PreviousIntent",
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(
            handler_input,
            ssml.sentence(self.say("not_supported")),
            reprompt=ssml.sentence(self.say("reprompt_main")),
            awaiting=state(handler_input).awaiting,
        )
