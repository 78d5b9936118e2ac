"""Speech out: the skill's SSML rendered by us, text through pyttsx3 / espeak-ng, breaks as exact silence.

espeak-ng (through pyttsx3) would read SSML tags aloud, and pyttsx3's say() plays whole utterances
through aplay, which cannot be stopped mid-word; so the SSML is parsed here and played by our Speaker:
text runs are synthesised to WAV at a rate that honours <prosody rate>, <break> becomes exact zero
samples, <say-as interpret-as="digits"> is spelled out, and Alexa-only tags (<audio>,
<amazon:effect>, <voice>, <lang>...) are skipped or read as plain text.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import soundfile

from skill.words import spell as spell_digits

from .errors import SpeechEngineError
from .settings import SpeechSettings

#: Alexa's named break strengths, in milliseconds.
BREAK_STRENGTH_MS = {"none": 0, "x-weak": 0, "weak": 250, "medium": 500, "strong": 750, "x-strong": 1000}
#: Alexa's named prosody rates, as a share of the normal rate.
RATE_NAMES = {"x-slow": 0.6, "slow": 0.8, "medium": 1.0, "fast": 1.2, "x-fast": 1.4}
#: Alexa's named prosody volumes, in decibels relative to the voice (silent is as good as silent).
VOLUME_NAMES_DB = {"silent": -90.0, "x-soft": -12.0, "soft": -6.0, "medium": 0.0, "loud": 4.0, "x-loud": 6.0}
#: Tags whose content is never spoken offline.
SKIPPED_TAGS = {"audio"}
_PREFIXED_TAG = re.compile(r"<(/?)([A-Za-z]+):")


@dataclass(frozen=True)
class SpeechRun:
    """Text spoken at one rate."""

    text: str
    rate: float
    """Share of the normal speaking rate (0.9 for <prosody rate="90%">)."""
    volume_db: float = 0.0
    """Loudness relative to the voice, in decibels (-6 for <prosody volume="-6dB">)."""


@dataclass(frozen=True)
class Silence:
    """An exact pause."""

    ms: int
    """Length, in milliseconds."""


Piece = SpeechRun | Silence


def parse_ssml(ssml: str, digit_names: Sequence[str] | None = None) -> list[Piece]:
    """SSML -> speech runs and silences in order (adjacent runs at one rate merged, silences summed);
    digit_names (zero to nine) read <say-as> digits, prompts/words.yaml's by default."""
    # Namespaced Alexa tags (<amazon:effect>) have no declared namespace: make them plain names.
    source = _PREFIXED_TAG.sub(lambda m: f"<{m.group(1)}{m.group(2)}-", ssml.strip())
    if not source.startswith("<speak"):
        source = f"<speak>{source}</speak>"
    try:
        root = ET.fromstring(source)
    except ET.ParseError:
        # Not well-formed: speak its words rather than fail in front of a user.
        return [SpeechRun(" ".join(re.sub(r"<[^>]+>", " ", ssml).split()), 1.0)]
    pieces: list[Piece] = []
    _walk(root, 1.0, 0.0, pieces, digit_names)
    return _merge(pieces)


def _walk(element: ET.Element, rate: float, volume: float, out: list[Piece], digit_names: Sequence[str] | None) -> None:
    """Append an element's content; its tail belongs to the parent and is the caller's job."""
    tag = element.tag
    if tag in SKIPPED_TAGS:
        return
    if tag == "break":
        out.append(Silence(_break_ms(element)))
        return
    inner = rate * _rate(element.get("rate")) if tag == "prosody" else rate
    louder = volume + _volume(element.get("volume")) if tag == "prosody" else volume
    if tag == "say-as" and element.get("interpret-as") in ("digits", "characters", "spell-out", "telephone"):
        _text(spell("".join(element.itertext()), digit_names), inner, louder, out)
    else:
        _text(element.text, inner, louder, out)
        for child in element:
            _walk(child, inner, louder, out, digit_names)
            _text(child.tail, inner, louder, out)
    if tag in ("p", "s"):
        out.append(Silence(BREAK_STRENGTH_MS["strong" if tag == "p" else "medium"]))


def _text(text: str | None, rate: float, volume: float, out: list[Piece]) -> None:
    words = " ".join((text or "").split())
    if words:
        out.append(SpeechRun(words, rate, volume))


def _break_ms(element: ET.Element) -> int:
    time = (element.get("time") or "").strip().lower()
    if time.endswith("ms"):
        return max(0, round(float(time[:-2])))
    if time.endswith("s"):
        return max(0, round(float(time[:-1]) * 1000))
    return BREAK_STRENGTH_MS.get(element.get("strength") or "medium", 500)


def _rate(value: str | None) -> float:
    if not value:
        return 1.0
    value = value.strip().lower()
    if value.endswith("%"):
        # Alexa accepts 20 % and up.
        return max(0.2, float(value[:-1]) / 100)
    return RATE_NAMES.get(value, 1.0)


def _volume(value: str | None) -> float:
    """A prosody volume as decibels relative to the voice: "-6dB", or one of Alexa's names."""
    if not value:
        return 0.0
    value = value.strip().lower()
    if value.endswith("db"):
        try:
            return max(-40.0, min(6.0, float(value[:-2])))
        except ValueError:
            return 0.0
    return VOLUME_NAMES_DB.get(value, 0.0)


def spell(text: str, digit_names: Sequence[str] | None = None) -> str:
    """Digits and letters one by one ("988" -> "nine eight eight"); digits named by digit_names (zero to
    nine), else as prompts/words.yaml's language names them."""
    if digit_names is None:
        from skill.prompts import default_prompts

        digit_names = default_prompts().words.digit_names
    return spell_digits(text, digit_names)


def _merge(pieces: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if (
            isinstance(piece, SpeechRun)
            and isinstance(last, SpeechRun)
            and (last.rate, last.volume_db) == (piece.rate, piece.volume_db)
        ):
            merged[-1] = SpeechRun(f"{last.text} {piece.text}", piece.rate, piece.volume_db)
        elif isinstance(piece, Silence) and isinstance(last, Silence):
            merged[-1] = Silence(last.ms + piece.ms)
        elif not (isinstance(piece, Silence) and piece.ms == 0):
            merged.append(piece)
    return merged


class Synthesizer(Protocol):
    """Turns text into int16 mono samples."""

    sample_rate: int

    def synthesize(self, text: str, words_per_minute: int) -> np.ndarray:
        """Samples of text spoken at a rate, in words per minute."""


class EspeakSynthesizer:
    """espeak-ng through pyttsx3's public API: each text is saved to a WAV file and read back.

    Playback stays ours (the Speaker, stoppable within one device buffer); pyttsx3 only synthesises.
    `save_to_file` + `runAndWait` is pyttsx3's one public way to get the audio instead of having it
    played by aplay, so each call writes one small WAV file into a temporary folder of its own and
    reads it back (about 20 ms a sentence, as fast as espeak-ng's C binding called directly).
    """

    sample_rate = 22050
    """espeak-ng's output sample rate, in hertz (the rate pyttsx3 writes its WAV files at)."""

    def __init__(self, settings: SpeechSettings | None = None) -> None:
        self.settings = settings or SpeechSettings()
        self._engine = _engine()  # pyttsx3 keeps engines by weak reference: this one lives as long as we do
        self.synthesize("Hello.", self.settings.words_per_minute)  # a missing voice is found now, not mid-reply

    def synthesize(self, text: str, words_per_minute: int) -> np.ndarray:
        """Samples of text spoken at words_per_minute."""
        audio = self._synthesize_once(text, words_per_minute)
        if audio.size == 0 and any(c.isalnum() for c in text):
            # Seen once under heavy load (render --all, two busy cores): a sentence came back empty.
            # One more try costs milliseconds; a second empty answer is an error, never silence.
            audio = self._synthesize_once(text, words_per_minute)
            if audio.size == 0:
                raise SpeechEngineError("espeak-ng returned no audio for a sentence; run the command again.")
        return audio

    def _synthesize_once(self, text: str, words_per_minute: int) -> np.ndarray:
        errors: list[BaseException] = []
        with _ENGINE_LOCK, tempfile.TemporaryDirectory(prefix="kindwell-tts-") as folder:
            wav = Path(folder) / "speech.wav"
            # pyttsx3 queues these and runs them in order inside runAndWait, reporting failures to
            # "error" listeners rather than raising. The engine is shared, so each call sets them all.
            token = self._engine.connect("error", lambda exception, **_: errors.append(exception))
            try:
                self._engine.setProperty("voice", self.settings.voice)
                self._engine.setProperty("volume", self.settings.volume)
                self._engine.setProperty("rate", int(words_per_minute))
                self._engine.save_to_file(text, str(wav))
                # pyttsx3's espeak driver prints "Audio saved to FILE" for every file (from espeak-ng's
                # thread, before _wait_for_espeak returns), and stdout carries KindWell's replies.
                with contextlib.redirect_stdout(io.StringIO()):
                    self._engine.runAndWait()
                    _wait_for_espeak()
            finally:
                self._engine.disconnect(token)
            if errors:
                raise self._failure(errors[0])
            try:
                data, rate = soundfile.read(wav, dtype="int16", always_2d=False)
            except (OSError, RuntimeError, soundfile.LibsndfileError) as err:
                raise self._failure(err) from err
        if rate != self.sample_rate:
            raise SpeechEngineError(f"espeak-ng spoke at {rate} Hz, not {self.sample_rate}; reinstall pyttsx3.")
        return np.asarray(data, dtype=np.int16)

    def _failure(self, error: BaseException) -> SpeechEngineError:
        if isinstance(error, ValueError):  # what pyttsx3 reports for a voice espeak-ng lacks
            return SpeechEngineError(
                f"espeak-ng has no voice {self.settings.voice!r}; list voices with `espeak-ng --voices`."
            )
        return SpeechEngineError(
            f"espeak-ng could not speak ({error}); reinstall it with `sudo apt-get install espeak-ng`."
        )


_ENGINE_LOCK = threading.Lock()
"""pyttsx3 has one engine per driver per process, and runAndWait refuses to run twice at once."""


def _wait_for_espeak() -> None:
    """Return once espeak-ng has finished every text queued, so the WAV file is complete.

    pyttsx3's espeak driver starts espeak-ng in AUDIO_OUTPUT_RETRIEVAL mode, where espeak_Synth only
    queues the text for espeak-ng's own synthesis thread, and runAndWait returns about 10 ms later,
    often before the last callback has written the file (or, worse, after the next call has set a
    new file name). pyttsx3 has no public wait for that; espeak_Synchronize is espeak-ng's own,
    documented one, and pyttsx3's ctypes binding exposes it.
    """
    from pyttsx3.drivers import _espeak

    _espeak.Synchronize()


def _engine() -> Any:
    """pyttsx3's espeak-ng engine (one per process, shared), or one sentence on what to install."""
    try:
        import pyttsx3
    except ImportError as err:
        raise SpeechEngineError("pyttsx3 is not installed; run `pip install 'kindwell[voice]'`.") from err
    with _ENGINE_LOCK:
        try:
            return pyttsx3.init("espeak")
        except (OSError, RuntimeError, ImportError) as err:
            raise SpeechEngineError(
                "espeak-ng is not installed; install it with `sudo apt-get install espeak-ng` "
                "(or run `make system-deps`)."
            ) from err


def trim(samples: np.ndarray, threshold: int) -> np.ndarray:
    """Samples without the quiet lead-in and tail espeak-ng adds, so breaks stay exact."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) >= threshold)
    if loud.size == 0:
        return samples[:0]
    return samples[loud[0] : loud[-1] + 1]


class SpeechRenderer:
    """SSML -> audio at one sample rate, one piece at a time so playback can start early."""

    def __init__(
        self, synthesizer: Synthesizer, settings: SpeechSettings | None = None, digit_names: Sequence[str] | None = None
    ) -> None:
        self.synthesizer = synthesizer
        self.settings = settings or SpeechSettings()
        self.digit_names = digit_names
        """Names of the digits zero to nine for <say-as> (None: prompts/words.yaml's, looked up when first needed)."""

    @property
    def sample_rate(self) -> int:
        """Sample rate of rendered audio, in hertz."""
        return self.synthesizer.sample_rate

    def silence(self, ms: int) -> np.ndarray:
        """Exact zero samples lasting ms milliseconds."""
        return np.zeros(round(self.sample_rate * ms / 1000), dtype=np.int16)

    def stream(self, ssml: str) -> Iterator[np.ndarray]:
        """Rendered audio of an SSML document, piece by piece (int16 mono)."""
        previous_was_speech = False
        for piece in parse_ssml(ssml, self.digit_names):
            if isinstance(piece, Silence):
                previous_was_speech = False
                yield self.silence(piece.ms)
                continue
            if previous_was_speech:
                yield self.silence(self.settings.sentence_gap_ms)
            rate = max(80, round(self.settings.words_per_minute * piece.rate))
            audio = trim(self.synthesizer.synthesize(piece.text, rate), self.settings.edge_threshold)
            if piece.volume_db:
                gain = 10 ** (piece.volume_db / 20)
                audio = np.clip(np.round(audio.astype(np.float64) * gain), -32768, 32767).astype(np.int16)
            previous_was_speech = True
            if audio.size:
                yield audio

    def render(self, ssml: str) -> np.ndarray:
        """The whole document as one buffer."""
        parts = list(self.stream(ssml))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
