"""AudioPlayer: a whole practice as one stream on devices that can play it.

AudioPlayer events carry no session, so the playback offset is saved per user in persistent
attributes; "resume" continues from it in this session or any later one.
"""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_request_type
from ask_sdk_model import Response
from ask_sdk_model.interfaces.audioplayer import (
    AudioItem,
    AudioItemMetadata,
    PlayBehavior,
    PlayDirective,
    StopDirective,
    Stream,
)

from ..audio_catalog import AudioTrack
from ..state_user import SavedAudio, UserState
from ..timer import TIMER_ID, is_timer_track
from .base import KindHandler, SkillServices, facts, is_request, today, update_user, user

_LOGGER = logging.getLogger(__name__)


def supports_audio(handler_input: HandlerInput) -> bool:
    """True when the device can play an AudioPlayer stream."""
    return facts(handler_input).audio_player


def playable_url(
    handler_input: HandlerInput, services: SkillServices, practice_id: str, minutes: int, variant: int = 0
) -> str | None:
    """The stream URL when this device and this endpoint can play the practice (in one variant) as audio."""
    if services.audio is None or not supports_audio(handler_input):
        return None
    return services.audio.url(services.audio.track(practice_id, minutes, variant))


def playable_track(handler_input: HandlerInput, services: SkillServices, track: AudioTrack) -> bool:
    """True when this device and this endpoint can play a track (a timer, say) as a stream."""
    return services.audio is not None and supports_audio(handler_input) and services.audio.url(track) is not None


def saved_audio(handler_input: HandlerInput, services: SkillServices) -> tuple[AudioTrack, int] | None:
    """The user's saved track and offset (ms), if it is still current and playable here."""
    if services.audio is None or not supports_audio(handler_input):
        return None
    saved = user(handler_input).audio
    if saved is None:
        return None
    track = saved.track
    if not services.audio.is_current(track) or services.audio.url(track) is None:
        return None
    offset = saved.offset_ms
    player = facts(handler_input).player
    if player.track == track and player.offset_ms is not None:
        # The device knows where its player is now; the saved offset may predate this play.
        offset = player.offset_ms
    return track, offset


def playing_track(handler_input: HandlerInput) -> AudioTrack | None:
    """The track of ours the device is playing right now, if any."""
    player = facts(handler_input).player
    return player.track if player.playing else None


def is_playing(handler_input: HandlerInput) -> bool:
    """True when the device is playing one of our tracks right now."""
    return facts(handler_input).player.playing


def _save(handler_input: HandlerInput, track: AudioTrack, offset_ms: int) -> None:
    update_user(handler_input, lambda saved: saved.with_audio(SavedAudio(track, offset_ms)))


def play(
    handler_input: HandlerInput, services: SkillServices, track: AudioTrack, offset_ms: int, speech: str = ""
) -> Response:
    """Start (or continue) a practice stream at an offset."""
    assert services.audio is not None
    url = services.audio.url(track)
    title = services.audio.title(track)
    words = services.prompts.words
    _save(handler_input, track, offset_ms)
    builder = handler_input.response_builder
    if speech:
        builder.speak(f"<speak>{speech}</speak>")
    builder.add_directive(
        PlayDirective(
            play_behavior=PlayBehavior.REPLACE_ALL,
            audio_item=AudioItem(
                stream=Stream(token=track.token, url=url, offset_in_milliseconds=offset_ms),
                metadata=AudioItemMetadata(
                    title=words.title("audio", title=title),
                    subtitle=words.title(
                        "audio_subtitle", minutes=track.minutes, minute_word=words.plural(track.minutes, "minute")
                    ),
                ),
            ),
        )
    )
    builder.set_should_end_session(True)
    response: Response = builder.response
    return response


def stop(handler_input: HandlerInput, services: SkillServices) -> Response:
    """Stop the stream, keeping the place; PlaybackStopped brings the exact offset."""
    player = facts(handler_input).player
    if player.track is not None:
        _save(handler_input, player.track, player.offset_ms or 0)
    builder = handler_input.response_builder
    builder.add_directive(StopDirective())
    builder.set_should_end_session(True)
    response: Response = builder.response
    return response


class AudioPlayerEventHandler(KindHandler):
    """PlaybackStarted / Stopped / NearlyFinished / Finished / Failed: keep the place, count completions."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return str(get_request_type(handler_input)).startswith("AudioPlayer.")

    def handle(self, handler_input: HandlerInput) -> Response:
        kind = get_request_type(handler_input)
        event = facts(handler_input).event
        track = event.track
        if track is not None and kind in ("AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackStopped"):
            _save(handler_input, track, event.offset_ms or 0)
        elif track is not None and kind == "AudioPlayer.PlaybackFinished":
            day = today(handler_input, self.services)

            def finish(saved: UserState) -> UserState:
                practice = TIMER_ID if is_timer_track(track.practice) else track.practice
                return saved.finished(practice, day).with_audio(None)

            update_user(handler_input, finish)
        elif kind == "AudioPlayer.PlaybackFailed":
            error = getattr(handler_input.request_envelope.request, "error", None)
            _LOGGER.warning("Playback failed: %s", getattr(getattr(error, "object_type", None), "value", "unknown"))
        # Nothing to enqueue after a practice: NearlyFinished needs no directive.
        response: Response = handler_input.response_builder.response
        return response


class PlaybackControllerHandler(KindHandler):
    """The device's own play and pause buttons."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return str(get_request_type(handler_input)).startswith("PlaybackController.")

    def handle(self, handler_input: HandlerInput) -> Response:
        kind = get_request_type(handler_input)
        if kind == "PlaybackController.PauseCommandIssued":
            return stop(handler_input, self.services)
        if kind == "PlaybackController.PlayCommandIssued":
            saved = saved_audio(handler_input, self.services)
            if saved is not None:
                return play(handler_input, self.services, saved[0], saved[1])
        # Next / previous buttons: a practice is one piece with nothing before or after it.
        response: Response = handler_input.response_builder.response
        return response


class SystemExceptionHandler(KindHandler):
    """Alexa reports an error in our last response: log its type, answer nothing."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request(handler_input, "System.ExceptionEncountered")

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        _LOGGER.warning("Alexa reported an error: %s", getattr(getattr(error, "object_type", None), "value", "unknown"))
        response: Response = handler_input.response_builder.response
        return response
