"""Frozen settings for the offline voice runner; every number says its unit."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AudioSettings:
    """Microphone audio as Vosk wants it."""

    sample_rate: int = 16000
    """Sample rate of microphone audio, in hertz."""
    chunk_ms: int = 30
    """Length of one audio chunk handed to the recognizer, in milliseconds."""
    leading_silence_ms: int = 250
    """Silence put before a WAV-file utterance (a recording cut tight to the word confuses Vosk), in milliseconds."""
    trailing_silence_ms: int = 600
    """Silence appended after a WAV-file utterance so Vosk sees its end, in milliseconds."""
    input_device: int | str | None = None
    """PortAudio input device (index or name); None for the system default."""
    output_device: int | str | None = None
    """PortAudio output device (index or name); None for the system default."""
    input_latency_s: float = 0.02
    """Input buffer latency requested from PortAudio, in seconds (smaller hears "stop" sooner)."""
    output_latency_s: float = 0.05
    """Output buffer latency requested from PortAudio, in seconds (smaller stops sooner)."""

    @property
    def chunk_frames(self) -> int:
        """Samples in one chunk."""
        return self.sample_rate * self.chunk_ms // 1000


@dataclass(frozen=True)
class SpeechSettings:
    """How replies are spoken through espeak-ng."""

    voice: str = "en-us"
    """espeak-ng voice name."""
    words_per_minute: int = 140
    """espeak-ng's rate setting at <prosody rate="100%">, in its words per minute. espeak-ng really speaks
    about 1.1x its setting: about 155 wpm in conversation, and 140 wpm for practice text at 90 %, the
    rate practice lengths are written for (skill.content.SPEAKING_RATE_WPM)."""
    sentence_gap_ms: int = 120
    """Silence between two text runs that SSML does not separate with a <break>, in milliseconds."""
    edge_threshold: int = 64
    """Absolute int16 sample value below which a synthesised run's edges count as silence."""
    volume: float = 1.0
    """espeak-ng volume, 0.0 to 1.0."""


@dataclass(frozen=True)
class RecognizerSettings:
    """How Vosk listens."""

    unknown_words: tuple[str, ...] = ("[unk]", "<UNK>", "<unk>")
    """Symbols a model may use for unknown speech, tried in order ("[unk]" in English models)."""
    snap_min_score: float = 85.0
    """Lowest rapidfuzz score (0-100) at which a transcript is snapped to a template sentence."""
    frames_per_chunk: int | None = 6
    """Kaldi decoding step, in 10 ms feature frames (smaller: partial results sooner, a little more CPU;
    None keeps the model's own, which made "stop" take up to 0.3 s longer to show)."""
    spot_confirmations: int = 3
    """Partial results in a row (one per audio chunk) that must show a command word during playback."""
    spot_quiet_ratio: float = 0.1
    """Chunk RMS, as a share of the loudest chunk so far, below which a spoken command has ended."""


@dataclass(frozen=True)
class LoopSettings:
    """The conversation around the recognizer."""

    locale: str = "en-US"
    """Locale sent in every request envelope."""
    user_id: str = "amzn1.ask.account.kindwell-local-user"
    """User id sent in every envelope (stored only as a SHA-256 hash)."""
    wake_phrases: tuple[str, ...] = ()
    """Phrases that open a session when no session is open; empty for prompts/words.yaml's `wake_phrases`."""
    require_wake: bool = True
    """False opens a session at once (text and WAV modes)."""
    reprompt_after_s: float = 8.0
    """Silence after a reply before the reprompt is spoken, in seconds (microphone mode)."""
    barge_in: bool = True
    """Listen for stop, pause, resume and next while KindWell speaks."""
    commands: tuple[tuple[str, str], ...] = ()
    """(spoken command word, intent name) pairs heard during playback; empty for prompts/words.yaml's `barge_in`."""


@dataclass(frozen=True)
class PlayerSettings:
    """The runner's AudioPlayer: how it plays a rendered practice and reports on it."""

    nearly_finished_s: float = 10.0
    """Time left in a stream when PlaybackNearlyFinished is sent, in seconds (a skill may queue what follows)."""
    poll_s: float = 0.02
    """How often the playing position is checked for events due, in seconds."""


@dataclass(frozen=True)
class VoiceSettings:
    """Everything the runner needs, grouped."""

    audio: AudioSettings = field(default_factory=AudioSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    recognizer: RecognizerSettings = field(default_factory=RecognizerSettings)
    loop: LoopSettings = field(default_factory=LoopSettings)
    player: PlayerSettings = field(default_factory=PlayerSettings)
