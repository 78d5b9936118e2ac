"""Speech out: the skill's SSML rendered by us, text through pyttsx3 / espeak-ng, breaks as exact silence.

espeak-ng (through pyttsx3) would read SSML tags aloud and plays whole utterances through aplay, so
the SSML is parsed here: text runs are synthesised to WAV at a rate that honours <prosody rate>,
<break> becomes exact zero samples, <say-as interpret-as="digits"> is spelled out, and Alexa-only
tags (<audio>, <amazon:effect>, <voice>, <lang>...) are skipped or read as plain text.
"""

from __future__ import annotations

import ctypes
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from skill.words import spell as spell_digits

from .errors import SpeechEngineError
from .settings import SpeechSettings

#: Alexa's named break strengths, in milliseconds.
BREAK_STRENGTH_MS = {"none": 0, "x-weak": 0, "weak": 250, "medium": 500, "strong": 750, "x-strong": 1000}
#: Alexa's named prosody rates, as a share of the normal rate.
RATE_NAMES = {"x-slow": 0.6, "slow": 0.8, "medium": 1.0, "fast": 1.2, "x-fast": 1.4}
#: Tags whose content is never spoken offline.
SKIPPED_TAGS = {"audio"}
_PREFIXED_TAG = re.compile(r"<(/?)([A-Za-z]+):")


@dataclass(frozen=True)
class SpeechRun:
    """Text spoken at one rate."""

    text: str
    rate: float
    """Share of the normal speaking rate (0.9 for <prosody rate="90%">)."""


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
    _walk(root, 1.0, pieces, digit_names)
    return _merge(pieces)


def _walk(element: ET.Element, rate: float, out: list[Piece], digit_names: Sequence[str] | None) -> None:
    """Append an element's content; its tail belongs to the parent and is the caller's job."""
    tag = element.tag
    if tag in SKIPPED_TAGS:
        return
    if tag == "break":
        out.append(Silence(_break_ms(element)))
        return
    inner = rate * _rate(element.get("rate")) if tag == "prosody" else rate
    if tag == "say-as" and element.get("interpret-as") in ("digits", "characters", "spell-out", "telephone"):
        _text(spell("".join(element.itertext()), digit_names), inner, out)
    else:
        _text(element.text, inner, out)
        for child in element:
            _walk(child, inner, out, digit_names)
            _text(child.tail, inner, out)
    if tag in ("p", "s"):
        out.append(Silence(BREAK_STRENGTH_MS["strong" if tag == "p" else "medium"]))


def _text(text: str | None, rate: float, out: list[Piece]) -> None:
    words = " ".join((text or "").split())
    if words:
        out.append(SpeechRun(words, rate))


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
        if isinstance(piece, SpeechRun) and isinstance(last, SpeechRun) and last.rate == piece.rate:
            merged[-1] = SpeechRun(f"{last.text} {piece.text}", piece.rate)
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
    """espeak-ng through pyttsx3's espeak driver binding, samples collected in memory (never played by espeak).

    pyttsx3's Engine wraps the same binding in weak references and a WAV file per call; going to the
    binding keeps synthesis synchronous, silent on stdout and free of temporary files.
    """

    sample_rate = 22050
    """espeak-ng's output sample rate, in hertz."""

    def __init__(self, settings: SpeechSettings | None = None) -> None:
        self.settings = settings or SpeechSettings()
        self._espeak = _espeak_binding()
        self._chunks: list[bytes] = []
        # Keep a reference: ctypes frees the C callback when its Python wrapper is collected.
        self._callback = self._on_synth
        with _ESPEAK_LOCK:
            self._espeak.SetSynthCallback(self._callback)
            if self._espeak.SetVoiceByName(self.settings.voice.encode()) != 0:
                raise SpeechEngineError(
                    f"espeak-ng has no voice {self.settings.voice!r}; list voices with `espeak-ng --voices`."
                )
            self._espeak.SetParameter(self._espeak.VOLUME, round(self.settings.volume * 100), 0)

    def _on_synth(self, wav: Any, count: int, events: Any) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * ctypes.sizeof(ctypes.c_short)))
        return 0

    def synthesize(self, text: str, words_per_minute: int) -> np.ndarray:
        """Samples of text spoken at words_per_minute."""
        with _ESPEAK_LOCK:
            self._espeak.SetSynthCallback(self._callback)
            self._espeak.SetParameter(self._espeak.RATE, int(words_per_minute), 0)
            self._chunks = []
            # Retrieval mode is synchronous: Synth returns when every callback has run.
            status = self._espeak.Synth(text.encode("utf-8"), flags=self._espeak.CHARS_UTF8)
            self._espeak.Synchronize()
            data = b"".join(self._chunks)
        if status != 0:
            raise SpeechEngineError(
                f"espeak-ng could not speak (error {status}); reinstall it with `apt-get install espeak-ng`."
            )
        return np.frombuffer(data, dtype=np.int16).copy()


_ESPEAK_LOCK = threading.Lock()
_ESPEAK_STATE: dict[str, Any] = {}


def _espeak_binding() -> Any:
    """pyttsx3's espeak-ng binding, initialised once per process in retrieval (no playback) mode."""
    if "module" in _ESPEAK_STATE:
        return _ESPEAK_STATE["module"]
    try:
        import pyttsx3  # noqa: F401  (the voice extra's engine; its espeak driver holds the binding)
    except ImportError as err:
        raise SpeechEngineError("pyttsx3 is not installed; run `pip install 'kindwell[voice]'`.") from err
    try:
        from pyttsx3.drivers import _espeak
    except (OSError, RuntimeError, ImportError) as err:
        raise SpeechEngineError(
            "espeak-ng is not installed; install it with `sudo apt-get install espeak-ng` (or run `make system-deps`)."
        ) from err
    with _ESPEAK_LOCK:
        if _espeak.Initialize(_espeak.AUDIO_OUTPUT_RETRIEVAL, 500) == -1:
            raise SpeechEngineError("espeak-ng failed to start; reinstall it with `sudo apt-get install espeak-ng`.")
    _ESPEAK_STATE["module"] = _espeak
    return _espeak


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
            previous_was_speech = True
            if audio.size:
                yield audio

    def render(self, ssml: str) -> np.ndarray:
        """The whole document as one buffer."""
        parts = list(self.stream(ssml))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
