"""Guided practices: start, and the transport controls a listener expects (next, pause, resume...)."""

from __future__ import annotations

import re

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .. import ssml
from ..content import PRACTICE_LENGTHS
from ..progress import Attributes, Position, get_position, record_completion, set_position
from .audio import is_playing, play, playable_url, saved_audio, stop
from .base import (
    AWAITING,
    OFFER,
    PENDING,
    PLAYING,
    KindHandler,
    is_intent,
    practice_list_sentence,
    resolved_id,
    respond,
    session,
    slot_text,
    today,
    update_user,
    user,
)

_ISO_DURATION = re.compile(r"^P(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)$")


def parse_duration_minutes(value: str | None) -> float | None:
    """Minutes in an Alexa AMAZON.DURATION value such as PT10M or PT1H30M."""
    if not value:
        return None
    match = _ISO_DURATION.match(value.strip().upper())
    if not match or not any(match.groupdict().values()):
        return None
    hours, minutes, seconds = (float(match.group(g) or 0) for g in ("h", "m", "s"))
    return hours * 60 + minutes + seconds / 60


def snap_minutes(requested: float) -> int:
    """The offered length nearest to what was asked (the shorter one on a tie)."""
    return min(PRACTICE_LENGTHS, key=lambda offered: (abs(offered - requested), offered))


def current_position(handler_input: HandlerInput, handler: KindHandler) -> Position | None:
    """The practice in play: this session's, else the one saved from an earlier session."""
    playing = Position.from_dict(session(handler_input).get(PLAYING))
    if playing is not None:
        return playing
    return get_position(user(handler_input, handler.services))


def deliver(handler_input: HandlerInput, handler: KindHandler, position: Position, intro: str = "") -> Response:
    """Speak one segment of a practice and remember where the listener is."""
    services = handler.services
    practice = handler.content.practice(position.practice)
    segments = services.segments(position.practice, position.minutes)
    index = max(0, min(position.segment, len(segments) - 1))
    segment = segments[index]
    playing = Position(position.practice, position.minutes, index)
    session(handler_input)[PLAYING] = playing.to_dict()
    is_last = index == len(segments) - 1
    day = today(handler_input, services)

    def save(attributes: Attributes) -> None:
        if is_last:
            record_completion(attributes, practice.id, day)
            set_position(attributes, None)
        else:
            # Resume replays the part the listener was in: a pause usually interrupts it.
            set_position(attributes, playing)

    update_user(handler_input, services, save)
    if is_last:
        session(handler_input).pop(PLAYING, None)
        closing = handler.say("practice_complete", title=practice.title)
        return respond(
            handler_input,
            " ".join(p for p in (intro, segment.ssml_body, ssml.pause(1.5), ssml.sentence(closing)) if p),
            reprompt=ssml.sentence(handler.say("practice_complete_reprompt")),
            awaiting="affirmation_offer",
        )
    closing = handler.say("segment_continue")
    return respond(
        handler_input,
        " ".join(p for p in (intro, segment.ssml_body, ssml.pause(1.0), ssml.sentence(closing)) if p),
        reprompt=ssml.sentence(handler.say("segment_reprompt", title=practice.title)),
        awaiting="segment",
    )


def start(
    handler_input: HandlerInput, handler: KindHandler, practice_id: str, minutes: int, prefix: str = ""
) -> Response:
    """Begin a practice from its first segment."""
    practice = handler.content.practice(practice_id)
    intro = ssml.sentence(handler.say("practice_intro", title=practice.title, minutes=minutes))
    attributes = session(handler_input)
    attributes.pop(PENDING, None)
    attributes.pop(OFFER, None)
    if handler.services.audio is not None and playable_url(handler_input, handler.services, practice_id, minutes):
        attributes.pop(PLAYING, None)
        track = handler.services.audio.track(practice_id, minutes)
        return play(handler_input, handler.services, track, 0, " ".join(p for p in (prefix, intro) if p))
    return deliver(
        handler_input,
        handler,
        Position(practice_id, minutes, 0),
        " ".join(p for p in (prefix, intro, ssml.pause(1.0)) if p),
    )


def replay_saved_audio(
    handler_input: HandlerInput, handler: KindHandler, intro_key: str, from_start: bool
) -> Response | None:
    """Play the user's saved practice stream again (at its offset, or from the start), if there is one."""
    saved = saved_audio(handler_input, handler.services)
    if saved is None or session(handler_input).get(PLAYING) is not None:
        return None
    track, offset = saved
    intro = ssml.sentence(handler.say(intro_key, title=handler.content.practice(track.practice).title))
    return play(handler_input, handler.services, track, 0 if from_start else offset, intro)


class StartPracticeHandler(KindHandler):
    """Starts a practice, asking for whatever is missing (which practice, how long)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "StartPracticeIntent")

    def _practice_id(self, handler_input: HandlerInput) -> str | None:
        practice_id = resolved_id(handler_input, "practice")
        if practice_id in self.content.practices:
            return practice_id
        # Local front ends send ids directly as the slot value.
        spoken = slot_text(handler_input, "practice")
        if spoken and spoken in self.content.practices:
            return spoken
        return None

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes = session(handler_input)
        pending = attributes.get(PENDING) or {}
        practice_id = self._practice_id(handler_input) or pending.get("practice")
        heard_practice = slot_text(handler_input, "practice")
        requested = _requested_minutes(handler_input) or pending.get("minutes")
        if practice_id is None and requested is not None and not heard_practice:
            # "a five minute meditation": the practice words.yaml offers as the plain meditation.
            practice_id = self.words.offers.meditation
        if practice_id is None:
            attributes[PENDING] = {"minutes": requested} if requested else {}
            suggestions = practice_list_sentence(
                [self.content.practice(p) for p in self.words.offers.suggested], self.words
            )
            text = self.say("ask_practice", suggestions=suggestions)
            return respond(handler_input, ssml.sentence(text), reprompt=ssml.sentence(text), awaiting="practice")
        practice = self.content.practice(practice_id)
        if requested is None:
            attributes[PENDING] = {"practice": practice_id}
            return respond(
                handler_input,
                ssml.sentence(self.say("ask_length", title=practice.title)),
                reprompt=ssml.sentence(self.say("ask_length_reprompt")),
                awaiting="length",
            )
        minutes = snap_minutes(float(requested))
        prefix = ""
        if abs(minutes - float(requested)) > 1e-9:
            prefix = ssml.sentence(
                self.say(
                    "length_snapped",
                    title=practice.title,
                    offered=self.words.lengths(PRACTICE_LENGTHS),
                    minutes=minutes,
                )
            )
        return start(handler_input, self, practice_id, minutes, prefix)


def _requested_minutes(handler_input: HandlerInput) -> float | None:
    minutes = slot_text(handler_input, "minutes")
    if minutes:
        try:
            value = float(minutes)
        except ValueError:
            value = 0.0
        if value > 0:
            return value
    return parse_duration_minutes(slot_text(handler_input, "duration"))


class NextHandler(KindHandler):
    """Plays the next segment of the practice in play."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.NextIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        if is_playing(handler_input):
            # One stream per practice: nothing to skip to, and the audio carries on after this.
            return respond(handler_input, ssml.sentence(self.say("audio_next")), remember=False)
        position = current_position(handler_input, self)
        if position is None:
            return self.ask(handler_input, "nothing_next")
        in_session = session(handler_input).get(PLAYING) is not None
        segment = position.segment + 1 if in_session else position.segment
        return deliver(handler_input, self, Position(position.practice, position.minutes, segment))


class ResumeHandler(KindHandler):
    """Continues a paused or saved practice."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.ResumeIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        replayed = replay_saved_audio(handler_input, self, "resume_intro", from_start=False)
        if replayed is not None:
            return replayed
        attributes = session(handler_input)
        position = current_position(handler_input, self)
        if position is None:
            return self.ask(handler_input, "nothing_to_resume")
        if attributes.get(AWAITING) == "segment" and attributes.get(PLAYING) is not None:
            # Waiting at the end of a part: "continue" means the next part.
            position = Position(position.practice, position.minutes, position.segment + 1)
        title = self.content.practice(position.practice).title
        return deliver(
            handler_input, self, position, ssml.sentence(self.say("resume_intro", title=title)) + ssml.pause(1.0)
        )


class PauseHandler(KindHandler):
    """Pauses: the place is saved so resume, now or in a later session, continues from it."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.PauseIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        if is_playing(handler_input):
            return stop(handler_input, self.services)
        position = current_position(handler_input, self)
        if position is None:
            return self.ask(handler_input, "nothing_to_resume")
        update_user(handler_input, self.services, lambda attributes: set_position(attributes, position))
        title = self.content.practice(position.practice).title
        session(handler_input).pop(PLAYING, None)
        return respond(handler_input, ssml.sentence(self.say("paused", title=title)), end_session=True)


class RepeatHandler(KindHandler):
    """Says the last thing again: the current part of a practice, or the last reply."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.RepeatIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes = session(handler_input)
        playing = Position.from_dict(attributes.get(PLAYING))
        if playing is not None:
            return deliver(handler_input, self, playing)
        last = attributes.get("last_speech")
        if last:
            return respond(
                handler_input,
                str(last),
                reprompt=attributes.get("last_reprompt") or ssml.sentence(self.say("reprompt_main")),
                awaiting=attributes.get(AWAITING),
            )
        return self.ask(handler_input, "nothing_to_repeat")


class StartOverHandler(KindHandler):
    """Starts the practice in play again from its beginning."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent(handler_input, "AMAZON.StartOverIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        replayed = replay_saved_audio(handler_input, self, "start_over", from_start=True)
        if replayed is not None:
            return replayed
        position = current_position(handler_input, self)
        if position is None:
            return self.ask(handler_input, "nothing_next")
        title = self.content.practice(position.practice).title
        intro = ssml.sentence(self.say("start_over", title=title)) + ssml.pause(1.0)
        return deliver(handler_input, self, Position(position.practice, position.minutes, 0), intro)


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
        awaiting = session(handler_input).get(AWAITING)
        return respond(
            handler_input,
            ssml.sentence(self.say("not_supported")),
            reprompt=ssml.sentence(self.say("reprompt_main")),
            awaiting=awaiting,
        )
