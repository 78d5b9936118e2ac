"""The unguided meditation timer: one stream where AudioPlayer exists, honest SSML parts elsewhere.

On a device with AudioPlayer and a rendered stream, the timer is one AudioPlayer.Play: pause, resume
and the device's buttons work as for a practice. Elsewhere Alexa can hold only about three minutes
of silence in one reply, so the timer comes in parts: it says so once at the start, bells are SSML
<audio> clips from the endpoint (spoken cues where no clip can be served), and after each part
"continue" goes on. The silence and bells of all parts add up to the minutes asked for exactly; the
words between parts add a few seconds each.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .. import ssml
from ..content import estimate_speech_seconds
from ..state import Awaiting, TimerInParts
from ..timer import (
    DEFAULT_BELLS,
    TIMER_ID,
    Bell,
    BellSettings,
    TimerPart,
    TimerPlan,
    snap_timer_minutes,
)
from ..timer import timer_parts as cut_parts
from .audio import play, playable_track
from .base import (
    KindHandler,
    facts,
    is_intent,
    respond,
    slot_text,
    state,
    today,
    update_session,
    update_user,
)
from .practice import requested_minutes

#: Intents that go on to the next part, and those that end the timer, while a part waits.
_CONTINUE = ("AMAZON.NextIntent", "AMAZON.ResumeIntent", "AMAZON.YesIntent")
_FINISH = ("AMAZON.PauseIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NoIntent")


class TimerHandler(KindHandler):
    """Starts the meditation timer, asking how long when no length was said."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if is_intent(handler_input, "MeditationTimerIntent"):
            return True
        # "Ten minutes", answering "how long would you like to sit?", arrives as a bare length.
        return (
            state(handler_input).awaiting is Awaiting.TIMER_LENGTH
            and is_intent(handler_input, "StartPracticeIntent")
            and slot_text(handler_input, "practice") is None
            and requested_minutes(handler_input) is not None
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        earlier = state(handler_input).timer_bells
        update_session(handler_input, timer_bells=None)
        heard, snapped_bells = self._bells(handler_input)
        bells = heard or earlier or DEFAULT_BELLS
        requested = requested_minutes(handler_input)
        if requested is None:
            update_session(handler_input, timer_bells=bells)
            return respond(
                handler_input,
                ssml.sentence(self.say("timer_ask_length")),
                reprompt=ssml.sentence(self.say("timer_ask_length_reprompt")),
                awaiting=Awaiting.TIMER_LENGTH,
            )
        minutes = snap_timer_minutes(requested)
        notes = []
        if abs(minutes - requested) > 1e-9:
            notes.append(ssml.sentence(self.say("timer_length_snapped", minutes=minutes)))
        if snapped_bells:
            notes.append(ssml.sentence(self.say("timer_bells_snapped")))
        return start_timer(handler_input, self, minutes, bells, " ".join(notes))

    def _bells(self, handler_input: HandlerInput) -> tuple[str | None, bool]:
        """(interval setting asked for, or None; True when what was asked is not offered)."""
        offered = facts(handler_input).slots.bells
        if offered is not None:
            return offered, False
        heard = slot_text(handler_input, "bells")
        if heard is None:
            return None, False
        # Anything else asked for is bells we do not offer: the nearest we do.
        return "every_five", True


def start_timer(
    handler_input: HandlerInput, handler: KindHandler, minutes: int, bells: str, prefix: str = ""
) -> Response:
    """Begin the timer: one stream where the device and endpoint can play it, else the first SSML part."""
    plan = TimerPlan.of(minutes, bells)
    update_session(handler_input, pending=None, offer=None, playing=None, timer_bells=None)
    intro = ssml.sentence(handler.say(f"timer_intro_{plan.bells}", minutes=minutes))
    catalog = handler.services.audio
    track = catalog.timer_track(minutes, plan.bells) if catalog is not None else None
    if track is not None and playable_track(handler_input, handler.services, track):
        update_session(handler_input, timer=None)
        return play(handler_input, handler.services, track, 0, " ".join(p for p in (prefix, intro) if p))
    return deliver_part(handler_input, handler, plan, 0, " ".join(p for p in (prefix, intro) if p))


def parts_of(handler: KindHandler, plan: TimerPlan) -> list[TimerPart]:
    """The parts this skill speaks a timer in."""
    audio = handler.services.audio
    return cut_parts(plan, audio.bell if audio is not None else BellSettings(), ssml.MAX_SEGMENT_SECONDS)


def deliver_part(
    handler_input: HandlerInput, handler: KindHandler, plan: TimerPlan, index: int, intro: str = ""
) -> Response:
    """Speak one part of the timer: its bells and silence, then the way on (or the close)."""
    parts = parts_of(handler, plan)
    index = max(0, min(index, len(parts) - 1))
    part = parts[index]
    opening: list[str] = []
    if index == 0:
        opening.append(intro)
        if len(parts) > 1:
            part_minutes = round(max(p.seconds for p in parts) / 60)
            opening.append(ssml.sentence(handler.say("timer_in_parts", part_minutes=part_minutes, parts=len(parts))))
    else:
        opening.append(ssml.sentence(handler.say("timer_part_resume")))
    body = " ".join([*(p for p in opening if p), ssml.pause(1.5), part_ssml(handler, part)])
    if index == len(parts) - 1:
        update_session(handler_input, timer=None)
        day = today(handler_input, handler.services)
        update_user(handler_input, lambda saved: saved.finished(TIMER_ID, day))
        closing = ssml.sentence(handler.say("timer_complete", minutes=plan.minutes))
        return respond(handler_input, f"{body} {ssml.pause(1.0)} {closing}", end_session=True)
    update_session(handler_input, timer=TimerInParts(plan.minutes, plan.bells, index))
    done = round(part.end / 60)
    waiting = ssml.sentence(handler.say("timer_part_done", done=done, minutes=plan.minutes))
    return respond(
        handler_input,
        f"{body} {waiting}",
        reprompt=ssml.sentence(handler.say("timer_part_reprompt")),
        awaiting=Awaiting.TIMER_PART,
    )


def part_ssml(handler: KindHandler, part: TimerPart) -> str:
    """A part's bells and silences as SSML: each bell a clip (or spoken cue), the rest exact breaks."""
    audio = handler.services.audio
    bell = audio.bell if audio is not None else None
    pieces: list[str] = []
    cursor = part.start
    for ring in part.bells:
        pieces.append(ssml.pause(max(0.0, ring.at - cursor)))
        url = audio.clip_url(ring.kind) if audio is not None else None
        if url is not None and bell is not None:
            pieces.append(ssml.audio(url))
            cursor = ring.at + bell.clip_seconds(ring.kind)
        else:
            cue = _cue(handler, ring)
            pieces.append(ssml.guided(cue))
            cursor = ring.at + estimate_speech_seconds(cue)
    if not part.bells or part.bells[-1].kind != "closing":
        pieces.append(ssml.pause(max(0.0, part.end - cursor)))
    return "".join(p for p in pieces if p)


def _cue(handler: KindHandler, ring: Bell) -> str:
    if ring.kind == "closing":
        return handler.say("timer_cue_closing")
    return handler.say("timer_cue_start" if ring.at == 0 else "timer_cue_interval")


class TimerPartHandler(KindHandler):
    """While a timer part waits: continue goes on, pause or stop ends the timer, anything else is explained."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        session = state(handler_input)
        return (
            session.awaiting is Awaiting.TIMER_PART
            and session.timer is not None
            and is_intent(handler_input, *_CONTINUE, *_FINISH, "AMAZON.FallbackIntent")
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        timer = state(handler_input).timer
        assert timer is not None
        if is_intent(handler_input, *_CONTINUE):
            return deliver_part(handler_input, self, timer.plan, timer.part + 1)
        if is_intent(handler_input, *_FINISH):
            update_session(handler_input, timer=None)
            return respond(handler_input, ssml.sentence(self.say("timer_stopped")), end_session=True)
        text = ssml.sentence(self.say("timer_part_reprompt"))
        return respond(handler_input, text, reprompt=text, awaiting=Awaiting.TIMER_PART, remember=False)
