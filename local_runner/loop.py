"""The conversation loop: wake phrase, transcript -> matcher -> Alexa envelope -> the skill -> speech.

The runner is a device: it sends the same skill the same request envelopes Alexa would (through
local_runner.device.Conversation), carries the session the same way and ends it when a response says
so. Every transcript, including a free-text feeling, goes through the care check first
(safety.care: crisis, someone else at risk, concern), and a tier found is sent as its intent, even
before the wake phrase. Spoken turns are heard twice (local_runner.hearing): the open recognizer's
transcript is checked for care as well as the grammar's, since the grammar cannot write down most
crisis phrasings.

With a speaker it also has an AudioPlayer (local_runner.player): a rendered practice plays as one
stream, and a command heard while it plays goes to the skill with the player PLAYING at its place,
as Alexa sends it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from skill.care import TIER_OF_INTENT, CareTier, most_urgent
from skill.envelopes import speech_of
from skill.nlu import Matcher
from skill.text import normalize

from .audio import Microphone, Speaker
from .device import Conversation
from .grammar import CommandGrammar, strip_unknown
from .hearing import Heard, TurnListener
from .player import DevicePlayer, audio_directives
from .recognizer import CommandDetector, Stream
from .replies import Reply, elicits_free_text, finish_writes_first, print_error
from .settings import LoopSettings, PlayerSettings, RecognizerSettings
from .tts import SpeechRenderer

_LOGGER = logging.getLogger(__name__)
FALLBACK_INTENT = "AMAZON.FallbackIntent"
STOP_INTENT = "AMAZON.StopIntent"
#: Intents that still work while KindWell waits for a free-text answer, as they do on Alexa.
ESCAPE_INTENTS = frozenset({STOP_INTENT, "AMAZON.CancelIntent", "AMAZON.HelpIntent"})


class VoiceLoop:
    """One user's device: hears transcripts, talks to the skill, speaks replies."""

    def __init__(
        self,
        conversation: Conversation,
        matcher: Matcher,
        grammar: CommandGrammar,
        renderer: SpeechRenderer | None,
        speaker: Speaker | None,
        settings: LoopSettings | None = None,
        recognizer_settings: RecognizerSettings | None = None,
        on_reply: Callable[[Reply], None] | None = None,
        player_settings: PlayerSettings | None = None,
        on_error: Callable[[str], None] = print_error,
    ) -> None:
        self.conversation = conversation
        self.matcher = matcher
        self.grammar = grammar
        self.renderer = renderer
        self.speaker = speaker
        self.settings = settings or LoopSettings()
        self.recognizer_settings = recognizer_settings or RecognizerSettings()
        self.on_reply = on_reply
        self.free_text_next = False
        self.replies: list[Reply] = []
        self.stopped_at: float | None = None
        """time.monotonic() when barge-in last silenced the speaker."""
        words = matcher.prompts.words
        wake = sorted({normalize(p) for p in self.settings.wake_phrases or words.wake_phrases}, key=len, reverse=True)
        self._wake = tuple(wake)
        self.commands: dict[str, str] = dict(self.settings.commands or words.barge_in.items())
        """Spoken command word -> the intent it sends, heard while KindWell speaks or plays."""
        # One request at a time reaches the skill: the player's events come from its own thread.
        self._lock = threading.RLock()
        self.player: DevicePlayer | None = None
        """The AudioPlayer, when the conversation advertises one and there is a speaker to play on."""
        if conversation.has_audio_player and speaker is not None:
            self.player = DevicePlayer(conversation, speaker, self._lock, player_settings, on_error)

    @property
    def in_session(self) -> bool:
        """True while a session is open."""
        return self.conversation.in_session

    # --- requests -------------------------------------------------------------------------------

    def launch(self) -> Reply:
        """Open a session as "Alexa, open KindWell" does."""
        with finish_writes_first(), self._lock:
            response = self.conversation.launch()
        return self._reply("LaunchRequest", response)

    def send_intent(self, name: str, slots: dict[str, Any] | None = None, dialog_state: str | None = None) -> Reply:
        """Send an IntentRequest in the current session (a new one if none is open)."""
        with finish_writes_first(), self._lock:
            response = self.conversation.intent(name, self._slots(slots or {}), dialog_state=dialog_state)
        return self._reply(name, response)

    def end_session(self, reason: str = "USER_INITIATED") -> None:
        """Send a SessionEndedRequest, as a speaker does when the user leaves or stays silent."""
        if self.in_session:
            with finish_writes_first(), self._lock:
                self.conversation.end(reason)
        self.free_text_next = False

    def _reply(self, request: str, response: dict[str, Any]) -> Reply:
        ended = not self.conversation.in_session
        reply = Reply(
            request,
            speech_of(response),
            ended,
            False if ended else elicits_free_text(response),
            audio_directives(response),
        )
        self.free_text_next = reply.free_text_next
        self.replies.append(reply)
        _LOGGER.debug("Sent %s; session %s", request, "ended" if ended else "open")
        if self.on_reply:
            self.on_reply(reply)
        return reply

    def _slots(self, slots: dict[str, Any]) -> dict[str, Any]:
        converted: dict[str, Any] = {}
        synonyms = self.matcher.practice_synonyms
        for name, value in slots.items():
            if name == "practice":
                spoken = (synonyms.get(str(value)) or [str(value).replace("_", " ")])[0]
                converted[name] = (spoken, str(value))
            else:
                converted[name] = str(value)
        return converted

    # --- understanding ----------------------------------------------------------------------------

    def care(self, text: str) -> CareTier | None:
        """The care tier of a transcript (read through the grammar's phrasebook, if it has one), or None."""
        clean = normalize(strip_unknown(text))
        if not clean:
            return None
        return self.matcher.safety.care(self.grammar.aliases.get(clean, clean))

    def understand(self, text: str) -> tuple[str, dict[str, Any]]:
        """(intent, slots) for a command transcript: care first, then templates, snapping, paraphrases."""
        tier = self.care(text)
        if tier is not None:
            return tier.intent, {}
        return self._intent_of(text)

    def _intent_of(self, text: str) -> tuple[str, dict[str, Any]]:
        """understand() once the text's own care check is done."""
        clean = normalize(strip_unknown(text))
        clean = self.grammar.aliases.get(clean, clean)
        result = self.matcher.match(clean)
        if result.intent is None or result.source == "classifier":
            snapped = self.grammar.snap(clean, self.recognizer_settings.snap_min_score)
            if snapped != clean:
                # The grammar holds crisis examples: a transcript snapped to one carries its tier.
                tier = self.matcher.safety.care(snapped)
                if tier is not None:
                    return tier.intent, {}
                better = self.matcher.match(snapped)
                if better.intent is not None and better.source in ("template", "safety"):
                    result = better
        if result.intent is None:
            return FALLBACK_INTENT, {}
        return result.intent, dict(result.slots)

    def _after_wake(self, clean: str) -> str | None:
        """The words after a wake phrase, or None when the text does not start with one."""
        for phrase in self._wake:
            if clean == phrase or clean.startswith(phrase + " "):
                return clean[len(phrase) :].strip()
        return None

    def hear(self, text: str) -> Reply | None:
        """Act on one transcript (typed, or one recognizer's); None when it is ignored (no wake
        phrase, nothing heard). Care comes first, in a feeling answer too."""
        return self.hear_both(text, text)

    def hear_spoken(self, heard: Heard) -> Reply | None:
        """Act on one utterance as both recognizers wrote it down."""
        return self.hear_both(heard.command, heard.open)

    def hear_both(self, command: str, free: str) -> Reply | None:
        """Act on a grammar transcript and an open one of the same words: the more urgent care tier
        of the two first, even before a wake phrase (someone in crisis gets support, not silence);
        else the open one as the feeling when one is asked for, else the grammar one as a command."""
        command = normalize(strip_unknown(command))
        free = normalize(strip_unknown(free))
        tier = most_urgent([self.care(text) for text in {command, free}])
        if tier is not None and (tier.urgent or self._addressed(command)):
            return self.send_intent(tier.intent)
        if self.in_session and self.free_text_next:
            return self._free_text(free or command) if (free or command) else None
        if not command:
            return None
        return self._command(command)

    def _addressed(self, command: str) -> bool:
        """True when KindWell is being spoken to: a session is open, no wake phrase is needed, or the
        words begin with one. Concern is answered only then, so a television's sad line is not; a
        crisis or someone else at risk is answered whoever speaks."""
        if self.in_session or not self.settings.require_wake:
            return True
        return self._after_wake(self.grammar.aliases.get(command, command)) is not None

    def _command(self, clean: str) -> Reply | None:
        """A command transcript without a care tier: the wake phrase when no session is open, then the intent."""
        if not self.in_session:
            heard = self.grammar.aliases.get(clean, clean)
            rest = self._after_wake(heard)
            if rest is None:
                if self.settings.require_wake:
                    return None
                rest = heard
            if not rest:
                return self.launch()
            clean = rest
        intent, slots = self._intent_of(clean)
        return self.send_intent(intent, slots)

    def _free_text(self, clean: str) -> Reply:
        """The answer to a check-in question (its care already checked): a few escapes, else the feeling itself."""
        heard = self.grammar.aliases.get(clean, clean)
        result = self.matcher.match(heard)
        if result.intent in ESCAPE_INTENTS and result.source == "template":
            return self.send_intent(str(result.intent))
        return self.send_intent("CheckInIntent", {"feeling": clean}, dialog_state="IN_PROGRESS")

    # --- speech -------------------------------------------------------------------------------

    def speak(self, reply: Reply) -> None:
        """Queue a reply's audio on the speaker (returns when it is queued, not played).

        Its AudioPlayer directives are obeyed around the speech, as on an Echo: Stop before it, Play
        after it; with neither, a stream held for the command carries on after it.
        """
        if self.player is not None:
            self.player.before_speech(reply.audio)
        if self.renderer is not None and self.speaker is not None and reply.ssml:
            for audio in self.renderer.stream(reply.ssml):
                self.speaker.play(audio)
            self.speaker.finish()
        if self.player is not None:
            self.player.after_speech(reply.audio)

    def silence(self) -> None:
        """Go quiet for something heard: a playing stream is held at its place, speech is dropped."""
        if self.player is not None and self.player.hold():
            return
        if self.speaker is not None:
            self.speaker.stop()

    def drain(self) -> None:
        """Wait until everything queued has played and the player has reported it."""
        if self.speaker is not None:
            self.speaker.wait()
        if self.player is not None:
            self.player.wait()

    def play_listening(self, reply: Reply, chunks: Iterator[bytes], detector: CommandDetector | None) -> str | None:
        """Speak a reply (and play a practice it starts) while listening for a command word; the command heard."""
        self.speak(reply)
        if self.speaker is None or detector is None or not self.settings.barge_in:
            self.drain()
            return None
        detector.reset(reply.text)
        while self.speaker.playing:
            chunk = next(chunks, None)
            if chunk is None:
                self.drain()
                return None
            command = detector.accept(chunk)
            if command is not None:
                self.silence()
                self.stopped_at = time.monotonic()
                return command
        return None

    def respond_to_command(self, command: str) -> Reply | None:
        """Send the intent a barge-in command or alarm stands for. A command does nothing once the
        session is over unless a practice stream was playing (commands then go to the skill that
        plays it); an alarm's care intent is always sent."""
        urgent = command in TIER_OF_INTENT
        if not urgent and not self.in_session and not (self.player is not None and self.player.held):
            return None
        return self.send_intent(command)

    # --- modes ----------------------------------------------------------------------------------

    def run_text(self, lines: Iterable[str]) -> None:
        """--text: a session opens at once; each line is one utterance; a new line interrupts speech
        or a playing practice (which goes on after a reply that does not stop it)."""
        self.speak(self.launch())
        for line in lines:
            if not line.strip():
                continue
            self.silence()
            reply = self.hear(line)
            if reply is not None:
                self.speak(reply)
            elif self.player is not None:
                self.player.carry_on()
        self.drain()

    def run_utterances(self, utterances: Iterable[Iterable[bytes]], stream: Stream, open_stream: Stream) -> None:
        """--wav: each item is one utterance's audio, heard by both recognizers; a session opens at
        once unless a wake phrase is required."""
        if not self.settings.require_wake:
            self._say_and_wait(self.launch())
        listener = TurnListener(stream, open_stream)
        for chunks in utterances:
            listener.reset()
            heard = None
            for chunk in chunks:
                heard = listener.accept(chunk) or heard
            heard = listener.finish() or heard
            if heard is None:
                continue
            reply = self.hear_spoken(heard)
            if reply is not None:
                self._say_and_wait(reply)

    def _say_and_wait(self, reply: Reply) -> None:
        self.speak(reply)
        self.drain()

    def run_microphone(
        self,
        microphone: Microphone,
        stream: Stream,
        open_stream: Stream,
        detector: CommandDetector | None,
        chunk_ms: int,
    ) -> None:
        """Microphone mode: wait for the wake phrase, converse, return to waiting when a session ends.
        Both recognizers hear every chunk, so crisis language is heard while waiting too."""
        chunks = iter(microphone.chunks())
        listener = TurnListener(stream, open_stream)
        silent_ms = 0
        reprompts = 0
        if not self.settings.require_wake:
            self._play(self.launch(), chunks, detector)
        for chunk in chunks:
            heard = listener.accept(chunk)
            reply = self.hear_spoken(heard) if heard is not None else None
            if reply is None:
                # Nothing for KindWell (the open recognizer writes down room noise too): still silence.
                if heard is not None:
                    listener.reset()
                silent_ms += chunk_ms
                if self.in_session and silent_ms >= self.settings.reprompt_after_s * 1000:
                    if (listener.open if self.free_text_next else listener.command).partial():
                        silent_ms = 0  # still talking: not silence
                        continue
                    silent_ms, reprompts = 0, reprompts + 1
                    self._reprompt_or_close(reprompts, chunks, detector)
                continue
            silent_ms, reprompts = 0, 0
            self._play(reply, chunks, detector)
            listener.reset()

    def _play(self, reply: Reply, chunks: Iterator[bytes], detector: CommandDetector | None) -> None:
        """Speak, and keep answering barge-in commands until a reply plays out."""
        current: Reply | None = reply
        while current is not None:
            command = self.play_listening(current, chunks, detector)
            current = self.respond_to_command(command) if command else None

    def _reprompt_or_close(self, count: int, chunks: Iterator[bytes], detector: CommandDetector | None) -> None:
        """Silence after a reply: the reprompt once, then close the session as a speaker does."""
        last = self.conversation.last_response or {}
        reprompt = (((last.get("response") or {}).get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        if count == 1 and reprompt:
            self._play(Reply("reprompt", str(reprompt), False, self.free_text_next), chunks, detector)
            return
        self.end_session("EXCEEDED_MAX_REPROMPTS")

    def goodbye(self) -> Reply | None:
        """Ctrl-C: stop a playing practice (PlaybackStopped keeps its place), stop speaking, save the
        place of a spoken practice (AMAZON.StopIntent) and say goodbye."""
        if self.player is not None:
            self.player.stop()
            self.player.close()
        if self.speaker is not None:
            self.speaker.stop()
        if not self.in_session:
            return None
        reply = self.send_intent(STOP_INTENT)
        self.speak(reply)
        if self.speaker is not None:
            self.speaker.wait(timeout=6.0)
        return reply
