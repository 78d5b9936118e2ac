"""Microphones and speakers behind small factory seams (after wyoming-satellite), and the WAV-file ones.

A microphone yields 16 kHz mono int16 chunks; a speaker takes int16 buffers, can be silenced at once,
and counts the samples it has played (the AudioPlayer's position comes from that count, not from wall
time). The system's devices are in portaudio.py. Tests put a WAV file, a virtual PulseAudio device or
a test double (tests/microphone_double.py) in their place without patching internals.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile

from skill.errors import UserInputError

from .resample import to_mono_int16
from .settings import AudioSettings


class Microphone(Protocol):
    """A source of 16-bit mono audio chunks at `sample_rate`."""

    sample_rate: int

    def chunks(self) -> Iterator[bytes]:
        """Chunks of int16 little-endian samples, until the source ends."""

    def close(self) -> None:
        """Release the device."""


class Speaker(Protocol):
    """Plays int16 mono buffers and can go quiet at once."""

    sample_rate: int
    first_sample_at: float | None
    """time.monotonic() when the first sample of the current reply reached the device."""

    def play(self, samples: np.ndarray) -> None:
        """Queue samples after whatever is playing (returns at once)."""

    def finish(self) -> None:
        """Mark the end of the current reply."""

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the reply has played or was stopped; False on timeout."""

    def stop(self) -> None:
        """Silence now and drop everything queued."""

    @property
    def playing(self) -> bool:
        """True while queued audio remains."""

    @property
    def played(self) -> int:
        """Samples (at `sample_rate`) that have gone out to the device since it opened."""

    @property
    def queued(self) -> int:
        """Samples (at `sample_rate`) handed to play() since it opened, less what stop() dropped:
        `played` plus what still waits, so audio queued now starts playing at played == queued."""

    def close(self) -> None:
        """Release the device."""


def _pcm(samples: np.ndarray) -> np.ndarray:
    data = np.asarray(samples)
    if data.dtype != np.int16:
        data = np.clip(np.round(data.astype(np.float64) * 32767), -32768, 32767).astype(np.int16)
    return data.reshape(-1)


def split_chunks(samples: np.ndarray, frames: int) -> Iterator[bytes]:
    """int16 samples as bytes chunks of `frames` samples (the last one may be shorter)."""
    for start in range(0, samples.size, frames):
        yield samples[start : start + frames].tobytes()


class WavFileMicrophone:
    """One WAV file as one utterance, framed by silence as a microphone would hear it."""

    def __init__(self, path: Path, settings: AudioSettings | None = None) -> None:
        self.settings = settings or AudioSettings()
        self.sample_rate = self.settings.sample_rate
        self.path = Path(path)
        try:
            data, rate = soundfile.read(self.path, dtype="int16", always_2d=False)
        except (OSError, RuntimeError, soundfile.LibsndfileError) as err:
            raise UserInputError(f"Cannot read {self.path} as audio ({err}); pass a WAV file.") from err
        self.samples = to_mono_int16(data, rate, self.sample_rate)

    def chunks(self) -> Iterator[bytes]:
        """The file's audio, then trailing silence."""
        lead = np.zeros(self.sample_rate * self.settings.leading_silence_ms // 1000, dtype=np.int16)
        tail = np.zeros(self.sample_rate * self.settings.trailing_silence_ms // 1000, dtype=np.int16)
        yield from split_chunks(np.concatenate([lead, self.samples, tail]), self.settings.chunk_frames)

    def close(self) -> None:
        """Nothing to release."""


class WavFileSpeaker:
    """Writes each reply to reply-NNN.wav in a folder instead of playing it.

    Nothing waits for a clock here: audio counts as played the moment it is given, so a practice
    "plays" to its end at once.
    """

    def __init__(self, directory: Path, sample_rate: int) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.sample_rate = sample_rate
        self.first_sample_at: float | None = None
        self.written: list[Path] = []
        self._parts: list[np.ndarray] = []
        self._kept = 0

    def play(self, samples: np.ndarray) -> None:
        """Keep samples for the current reply."""
        if not self._parts:
            self.first_sample_at = time.monotonic()
        data = _pcm(samples)
        self._parts.append(data)
        self._kept += data.size

    def finish(self) -> None:
        """Write the reply's file."""
        if not self._parts:
            return
        path = self.directory / f"reply-{len(self.written) + 1:03d}.wav"
        soundfile.write(path, np.concatenate(self._parts), self.sample_rate, subtype="PCM_16")
        self.written.append(path)
        self._parts = []

    def wait(self, timeout: float | None = None) -> bool:
        """Nothing plays in real time."""
        return True

    def stop(self) -> None:
        """Drop the unfinished reply."""
        self._kept -= sum(part.size for part in self._parts)
        self._parts = []

    @property
    def playing(self) -> bool:
        """Never playing."""
        return False

    @property
    def played(self) -> int:
        """Every sample given and not dropped."""
        return self._kept

    @property
    def queued(self) -> int:
        """The same as played: nothing waits."""
        return self._kept

    def close(self) -> None:
        """Write anything pending."""
        self.finish()


class SilentSpeaker(WavFileSpeaker):
    """--mute: replies are printed only."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.first_sample_at = None
        self.written = []
        self._parts = []
        self._kept = 0

    def finish(self) -> None:
        """Forget the reply."""
        self._parts = []


def open_microphone(settings: AudioSettings) -> Microphone:
    """The system microphone."""
    from .portaudio import SoundDeviceMicrophone

    return SoundDeviceMicrophone(settings)


def open_speaker(
    settings: AudioSettings, sample_rate: int, *, mute: bool = False, save_dir: Path | None = None
) -> Speaker:
    """The speaker a mode asks for: silent, WAV files, or the system output."""
    if mute:
        return SilentSpeaker(sample_rate)
    if save_dir is not None:
        return WavFileSpeaker(save_dir, sample_rate)
    from .portaudio import SoundDeviceSpeaker

    return SoundDeviceSpeaker(sample_rate, settings)
