"""Microphones and speakers behind small factory seams (after wyoming-satellite).

A microphone yields 16 kHz mono int16 chunks; a speaker takes int16 buffers, plays them from a
PortAudio callback, can be silenced at once, and counts the samples it has played (the AudioPlayer's
position comes from that count, not from wall time). Tests put a WAV file, a virtual PulseAudio device
or the named test double `MicrophoneDouble` in their place without patching internals.
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import soundfile

from skill.errors import UserInputError

from .errors import AudioDeviceError
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


def sounddevice_module() -> ModuleType:
    """The sounddevice module, or a one-line error when PortAudio is missing."""
    try:
        import sounddevice
    except OSError as err:
        raise AudioDeviceError(
            "PortAudio is not installed; run `sudo apt-get install libportaudio2`, or use --text or --wav FILE."
        ) from err
    return sounddevice


def _pcm(samples: np.ndarray) -> np.ndarray:
    data = np.asarray(samples)
    if data.dtype != np.int16:
        data = np.clip(np.round(data.astype(np.float64) * 32767), -32768, 32767).astype(np.int16)
    return data.reshape(-1)


def to_mono_int16(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Audio of any shape and rate as mono int16 at target_rate (linear resampling)."""
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if source_rate != target_rate and data.size:
        count = round(data.size * target_rate / source_rate)
        data = np.interp(np.linspace(0, data.size - 1, count), np.arange(data.size), data)
    return np.clip(np.round(data), -32768, 32767).astype(np.int16)


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


class MicrophoneDouble:
    """TEST DOUBLE for a microphone (none exists on a test machine): replays given audio as chunks.

    With `realtime=True` each chunk is released at the pace a real microphone would deliver it, so
    barge-in and latency behave as they would live.
    """

    def __init__(
        self, audio: Iterable[np.ndarray], settings: AudioSettings | None = None, realtime: bool = False
    ) -> None:
        self.settings = settings or AudioSettings()
        self.sample_rate = self.settings.sample_rate
        self.realtime = realtime
        self._audio = [_pcm(a) for a in audio]
        self.delivered_at: list[float] = []
        """time.monotonic() at which each chunk was handed out."""

    def chunks(self) -> Iterator[bytes]:
        """Every buffer, chunk by chunk."""
        pace = self.settings.chunk_ms / 1000
        next_at = time.monotonic()
        for chunk in split_chunks(
            np.concatenate(self._audio) if self._audio else np.zeros(0, np.int16), self.settings.chunk_frames
        ):
            if self.realtime:
                next_at += pace
                time.sleep(max(0.0, next_at - time.monotonic()))
            self.delivered_at.append(time.monotonic())
            yield chunk

    def close(self) -> None:
        """Nothing to release."""


class SoundDeviceMicrophone:
    """The system microphone through PortAudio (sounddevice), delivered as 16 kHz mono int16.

    A device that cannot record at 16 kHz is opened at its default rate and resampled.
    """

    def __init__(self, settings: AudioSettings | None = None) -> None:
        self.settings = settings or AudioSettings()
        self.sample_rate = self.settings.sample_rate
        sd = sounddevice_module()
        self._queue: queue.Queue[bytes] = queue.Queue()
        try:
            self.device_rate = _supported_rate(sd, "input", self.settings.input_device, self.sample_rate)
            self._stream = sd.RawInputStream(
                samplerate=self.device_rate,
                blocksize=self.device_rate * self.settings.chunk_ms // 1000,
                device=self.settings.input_device,
                channels=1,
                dtype="int16",
                latency=self.settings.input_latency_s,
                callback=self._callback,
            )
            self._stream.start()
        except (sd.PortAudioError, ValueError) as err:
            raise AudioDeviceError(f"No usable microphone ({err}); connect one, or use --text or --wav FILE.") from err
        self._closed = False

    def _callback(self, data: Any, frames: int, time_info: Any, status: Any) -> None:
        chunk = bytes(data)
        if self.device_rate != self.sample_rate:
            samples = np.frombuffer(chunk, dtype=np.int16)
            chunk = to_mono_int16(samples, self.device_rate, self.sample_rate).tobytes()
        self._queue.put(chunk)

    def chunks(self) -> Iterator[bytes]:
        """Chunks as the device delivers them, until closed."""
        while not self._closed:
            try:
                yield self._queue.get(timeout=0.5)
            except queue.Empty:
                continue

    def close(self) -> None:
        """Stop recording."""
        self._closed = True
        self._stream.stop()
        self._stream.close()


def _supported_rate(sd: ModuleType, kind: str, device: int | str | None, wanted: int) -> int:
    """wanted if the device takes it, else the device's default rate (PortAudioError if neither)."""
    check = sd.check_output_settings if kind == "output" else sd.check_input_settings
    try:
        check(device=device, channels=1, dtype="int16", samplerate=wanted)
        return wanted
    except (sd.PortAudioError, ValueError):
        default = int(sd.query_devices(device, kind)["default_samplerate"])
        check(device=device, channels=1, dtype="int16", samplerate=default)
        return default


class _Queue:
    """Buffers waiting to play, shared by the playing thread and the audio callback."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.buffers: collections.deque[np.ndarray] = collections.deque()
        self.offset = 0
        self.finished = True
        self.done = threading.Event()
        self.done.set()

    def take(self, frames: int) -> np.ndarray | None:
        """Up to frames samples (None when nothing is queued)."""
        parts: list[np.ndarray] = []
        needed = frames
        while needed and self.buffers:
            head = self.buffers[0]
            part = head[self.offset : self.offset + needed]
            parts.append(part)
            needed -= part.size
            self.offset += part.size
            if self.offset >= head.size:
                self.buffers.popleft()
                self.offset = 0
        return np.concatenate(parts) if parts else None


class SoundDeviceSpeaker:
    """Plays through PortAudio from a callback, so stop() silences within one device buffer.

    Audio arrives at `sample_rate`; a device that cannot run at that rate (bare ALSA hardware often
    takes only 44.1 or 48 kHz) is opened at its own default rate and the audio resampled.
    """

    def __init__(self, sample_rate: int, settings: AudioSettings | None = None) -> None:
        self.settings = settings or AudioSettings()
        self.sample_rate = sample_rate
        self.first_sample_at: float | None = None
        self._queue = _Queue()
        # Counted in device samples (the queue holds audio at the device's rate), under the queue's lock.
        self._played_frames = 0
        self._queued_frames = 0
        sd = sounddevice_module()
        try:
            self.device_rate = _supported_rate(sd, "output", self.settings.output_device, sample_rate)
            self._stream = sd.OutputStream(
                samplerate=self.device_rate,
                device=self.settings.output_device,
                channels=1,
                dtype="int16",
                latency=self.settings.output_latency_s,
                callback=self._callback,
            )
            self._stream.start()
        except (sd.PortAudioError, ValueError) as err:
            raise AudioDeviceError(f"No usable speaker ({err}); connect one, or pass --mute.") from err

    def _callback(self, out: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        q = self._queue
        with q.lock:
            data = q.take(frames)
            if data is not None:
                self._played_frames += data.size
                if self.first_sample_at is None:
                    self.first_sample_at = time.monotonic()
            if not q.buffers and q.finished:
                q.done.set()
        out.fill(0)
        if data is not None:
            out[: data.size, 0] = data

    def play(self, samples: np.ndarray) -> None:
        """Queue samples (returns at once)."""
        with self._queue.lock:
            if self._queue.done.is_set():
                self.first_sample_at = None
            data = _pcm(samples)
            if self.device_rate != self.sample_rate:
                data = to_mono_int16(data, self.sample_rate, self.device_rate)
            self._queue.buffers.append(data)
            self._queued_frames += data.size
            self._queue.finished = False
            self._queue.done.clear()

    def finish(self) -> None:
        """No more audio for this reply."""
        with self._queue.lock:
            self._queue.finished = True
            if not self._queue.buffers:
                self._queue.done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until played or stopped."""
        return self._queue.done.wait(timeout)

    def stop(self) -> None:
        """Silence from the next device buffer on."""
        with self._queue.lock:
            self._queue.buffers.clear()
            self._queue.offset = 0
            self._queued_frames = self._played_frames
            self._queue.finished = True
            self._queue.done.set()

    @property
    def playing(self) -> bool:
        """True while audio is queued."""
        return not self._queue.done.is_set()

    @property
    def played(self) -> int:
        """Samples (at `sample_rate`) taken by the device so far; once taken they are heard, even after stop()."""
        with self._queue.lock:
            return self._at_sample_rate(self._played_frames)

    @property
    def queued(self) -> int:
        """Samples (at `sample_rate`) played or waiting."""
        with self._queue.lock:
            return self._at_sample_rate(self._queued_frames)

    def _at_sample_rate(self, frames: int) -> int:
        if self.device_rate == self.sample_rate:
            return frames
        return round(frames * self.sample_rate / self.device_rate)

    def close(self) -> None:
        """Stop and release the device."""
        self.stop()
        self._stream.stop()
        self._stream.close()


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
    return SoundDeviceMicrophone(settings)


def open_speaker(
    settings: AudioSettings, sample_rate: int, *, mute: bool = False, save_dir: Path | None = None
) -> Speaker:
    """The speaker a mode asks for: silent, WAV files, or the system output."""
    if mute:
        return SilentSpeaker(sample_rate)
    if save_dir is not None:
        return WavFileSpeaker(save_dir, sample_rate)
    return SoundDeviceSpeaker(sample_rate, settings)
