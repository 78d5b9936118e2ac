"""The runner's AudioPlayer: it obeys the skill's Play and Stop directives the way an Echo does.

A Play directive names a rendered practice by its file:// URI (the runner's LocalAudioCatalog serves
local files). The player decodes it, plays it on the speaker from the directive's offset after any
speech in the same response, and reports PlaybackStarted, PlaybackNearlyFinished and
PlaybackFinished to the skill as sessionless events. Its position is the count of samples the
speaker has played, not wall time, so a pause keeps exactly what was heard.

A command heard during playback first *holds* the player: silent at once, yet still PLAYING at the
held offset, which is how Alexa reports its player while it listens. The reply then decides:
AudioPlayer.Stop stops it (PlaybackStopped with the offset), a new Play replaces it, and speech
alone lets it carry on from the same place once the speech is over. Every Play is taken as
REPLACE_ALL, the only behaviour KindWell's skill sends; there is no queue of streams.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import numpy as np
import soundfile

from .audio import Speaker
from .device import Conversation, PlayerState
from .errors import VoiceError
from .resample import to_mono_int16
from .settings import PlayerSettings

PLAY = "AudioPlayer.Play"
STOP = "AudioPlayer.Stop"
CLEAR_QUEUE = "AudioPlayer.ClearQueue"
STARTED = "AudioPlayer.PlaybackStarted"
STOPPED = "AudioPlayer.PlaybackStopped"
NEARLY_FINISHED = "AudioPlayer.PlaybackNearlyFinished"
FINISHED = "AudioPlayer.PlaybackFinished"
FAILED = "AudioPlayer.PlaybackFailed"


class PlaybackError(VoiceError):
    """A Play directive's audio cannot be played on this machine."""


@dataclass(frozen=True)
class PlayRequest:
    """What an AudioPlayer.Play directive asks for."""

    token: str
    url: str
    offset_ms: int
    """Where to start, in milliseconds from the beginning of the stream."""


def audio_directives(response: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """The AudioPlayer directives of a response, in order."""
    directives = (response.get("response") or {}).get("directives") or []
    return tuple(d for d in directives if str(d.get("type", "")).startswith("AudioPlayer."))


def play_request(directives: Iterable[dict[str, Any]]) -> PlayRequest | None:
    """The stream a Play directive asks for, if there is one."""
    for directive in directives:
        if directive.get("type") == PLAY:
            stream = (directive.get("audioItem") or {}).get("stream") or {}
            offset = int(stream.get("offsetInMilliseconds") or 0)
            return PlayRequest(str(stream.get("token") or ""), str(stream.get("url") or ""), offset)
    return None


def stops_player(directives: Iterable[dict[str, Any]]) -> bool:
    """True for AudioPlayer.Stop, or a ClearQueue that clears the playing stream too."""
    return any(
        d.get("type") == STOP or (d.get("type") == CLEAR_QUEUE and d.get("clearBehavior") == "CLEAR_ALL")
        for d in directives
    )


def local_path(url: str) -> Path:
    """The file a file:// URL names."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        raise PlaybackError(
            "The offline voice plays only rendered files on this machine; render them with "
            "`kindwell render --all DIR` and set KINDWELL_AUDIO_DIR=DIR."
        )
    return Path(url2pathname(parsed.path))


def decode(path: Path, sample_rate: int) -> np.ndarray:
    """A rendered file (MP3 or WAV) as mono int16 at sample_rate."""
    try:
        data, rate = soundfile.read(path, dtype="int16", always_2d=False)
    except (OSError, RuntimeError, soundfile.LibsndfileError) as err:
        raise PlaybackError(
            f"Cannot play {path}: it is missing or not readable audio; "
            f"render it again with `kindwell render --all {path.parent}`."
        ) from err
    if rate == sample_rate and data.ndim == 1:
        return np.asarray(data, dtype=np.int16)
    return to_mono_int16(data, rate, sample_rate)


@dataclass
class _Stream:
    """The stream the player holds, decoded whole at the speaker's rate."""

    token: str
    samples: np.ndarray
    started: bool = False
    nearly_finished: bool = False


@dataclass(frozen=True)
class _Run:
    """One stretch of the stream handed to the speaker."""

    start: int
    """Sample of the stream the stretch begins at."""
    mark: int
    """speaker.queued when it was handed over: the speaker reaches it at played == mark."""


class DevicePlayer:
    """Plays Play directives on the speaker and reports playback to the skill.

    Every request to the skill, from the loop or from the player's own thread, is sent holding
    `lock`, so events and intents reach the skill one at a time and in order.
    """

    def __init__(
        self,
        conversation: Conversation,
        speaker: Speaker,
        lock: threading.RLock,
        settings: PlayerSettings | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.conversation = conversation
        self.speaker = speaker
        self.lock = lock
        self.settings = settings or PlayerSettings()
        self.on_error = on_error or (lambda message: None)
        self.events: list[tuple[str, int]] = []
        """(event type, offset in ms) of every playback event sent, in order."""
        self._stream: _Stream | None = None
        self._run: _Run | None = None
        self._held: int | None = None
        self._generation = 0
        self._thread: threading.Thread | None = None

    # --- what the loop asks ----------------------------------------------------------------------

    @property
    def held(self) -> bool:
        """True while a stream waits, silent, for the reply to a command heard during it."""
        return self._held is not None

    def offset_ms(self) -> int:
        """Where the stream stands now, in milliseconds."""
        with self.lock:
            if self._held is not None:
                return self._ms(self._held)
            if self._run is not None:
                return self._ms(self._position(self._run))
            return self.conversation.player.offset_ms

    def hold(self) -> bool:
        """A command was heard: silence the stream at once and report it PLAYING here; False when none plays."""
        with self.lock:
            if self._held is not None:
                return True
            if not self._advance() or self._run is None:
                return False
            position = self._position(self._run)
            self._cancel_run()
            self.speaker.stop()
            self._held = position
            self._report("PLAYING", position)
            return True

    def before_speech(self, directives: Iterable[dict[str, Any]]) -> None:
        """What a reply's directives do before its speech: Stop, and the stop a new Play implies."""
        directives = tuple(directives)
        with self.lock:
            if stops_player(directives) or play_request(directives) is not None:
                self.stop()

    def after_speech(self, directives: Iterable[dict[str, Any]]) -> None:
        """What they do after it: Play starts; without one, a held stream carries on from its place."""
        request = play_request(directives)
        with self.lock:
            if request is not None:
                self._play(request)
            else:
                self.carry_on()

    def carry_on(self) -> None:
        """Continue a held stream from where it was held (no event: Alexa sends none for this)."""
        with self.lock:
            if self._held is not None and self._stream is not None:
                self._queue(self._held)

    def stop(self) -> None:
        """Stop what plays or is held and send PlaybackStopped, so the skill keeps the place."""
        with self.lock:
            if self._advance() and self._run is not None:
                position = self._position(self._run)
                self._cancel_run()
                self.speaker.stop()
            elif self._held is not None:
                position = self._held
            else:
                return
            self._held = None
            self._report("STOPPED", position)
            self._send(STOPPED, position)

    def wait(self, timeout: float | None = None) -> None:
        """Block until a playing stream has played out and its events are sent."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def close(self) -> None:
        """Stop the watching thread without telling the skill anything."""
        with self.lock:
            self._cancel_run()

    # --- inside ----------------------------------------------------------------------------------

    def _play(self, request: PlayRequest) -> None:
        try:
            samples = decode(local_path(request.url), self.speaker.sample_rate)
        except PlaybackError as err:
            self._stream = None
            self.conversation.player = PlayerState(request.token, request.offset_ms, "STOPPED")
            self._send_failed(request, str(err))
            self.on_error(str(err))
            return
        self._stream = _Stream(request.token, samples)
        self._queue(min(samples.size, max(0, round(request.offset_ms * self.speaker.sample_rate / 1000))))

    def _queue(self, start: int) -> None:
        """Hand the stream from sample `start` to the speaker, after whatever it is already saying."""
        assert self._stream is not None
        self._cancel_run()
        self._held = None
        run = _Run(start, self.speaker.queued)
        self.speaker.play(self._stream.samples[start:])
        self.speaker.finish()
        self._run = run
        self._report("PLAYING", start)
        generation = self._generation
        self._thread = threading.Thread(target=self._watch, args=(generation,), name="kindwell-player", daemon=True)
        self._thread.start()

    def _watch(self, generation: int) -> None:
        """Send the events due as the stream plays, until it ends or is held or stopped."""
        while True:
            with self.lock:
                if generation != self._generation or not self._advance():
                    return
            time.sleep(self.settings.poll_s)

    def _advance(self) -> bool:
        """Send whatever events the position makes due (lock held); True while the run goes on."""
        run, stream = self._run, self._stream
        if run is None or stream is None:
            return False
        # Read before the position: a speaker that has gone quiet has also finished counting.
        still_playing = self.speaker.playing
        total = stream.samples.size
        position = self._position(run)
        if not stream.started and (self.speaker.played > run.mark or position >= total):
            stream.started = True
            self._send(STARTED, run.start)
        near = round(self.settings.nearly_finished_s * self.speaker.sample_rate)
        if stream.started and not stream.nearly_finished and total - position <= near:
            stream.nearly_finished = True
            self._send(NEARLY_FINISHED, position)
        if position >= total:
            self._cancel_run()
            self._report("FINISHED", total)
            self._send(FINISHED, total)
            return False
        if not still_playing:
            # Something else silenced the speaker: the stream stopped where it was.
            self._cancel_run()
            self._report("STOPPED", position)
            self._send(STOPPED, position)
            return False
        return True

    def _position(self, run: _Run) -> int:
        assert self._stream is not None
        played = self.speaker.played - run.mark
        return run.start + max(0, min(played, self._stream.samples.size - run.start))

    def _cancel_run(self) -> None:
        self._run = None
        self._generation += 1

    def _ms(self, sample: int) -> int:
        return round(sample * 1000 / self.speaker.sample_rate)

    def _report(self, activity: str, position: int) -> None:
        token = self._stream.token if self._stream is not None else self.conversation.player.token
        self.conversation.player = PlayerState(token, self._ms(position), activity)

    def _send(self, kind: str, position: int) -> None:
        assert self._stream is not None
        offset = self._ms(position)
        self.conversation.playback_event(kind, self._stream.token, offset)
        self.events.append((kind, offset))

    def _send_failed(self, request: PlayRequest, message: str) -> None:
        self.conversation.playback_event(
            FAILED,
            request.token,
            request.offset_ms,
            error={"type": "MEDIA_ERROR_INVALID_REQUEST", "message": message},
            currentPlaybackState={
                "token": request.token,
                "offsetInMilliseconds": request.offset_ms,
                "playerActivity": "PLAYING",
            },
        )
        self.events.append((FAILED, request.offset_ms))
