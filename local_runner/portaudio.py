"""The system microphone and speaker through PortAudio (the sounddevice package).

The speaker plays from PortAudio's callback, so stop() silences within one device buffer, and counts
the samples the device has taken: the AudioPlayer's position comes from that count, not wall time.
A device that cannot run at the rate asked for is opened at its own default rate and resampled
block by block with soxr (resample.py), which filters out what the new rate cannot carry.
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

from .audio import _pcm
from .errors import AudioDeviceError
from .resample import StreamResampler
from .settings import AudioSettings


def sounddevice_module() -> ModuleType:
    """The sounddevice module, or a one-line error when PortAudio is missing."""
    try:
        import sounddevice
    except OSError as err:
        raise AudioDeviceError(
            "PortAudio is not installed; run `sudo apt-get install libportaudio2`, or use --text or --wav FILE."
        ) from err
    return sounddevice


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
            self._resampler = (
                StreamResampler(self.device_rate, self.sample_rate) if self.device_rate != self.sample_rate else None
            )
            self._stream.start()
        except (sd.PortAudioError, ValueError) as err:
            raise AudioDeviceError(f"No usable microphone ({err}); connect one, or use --text or --wav FILE.") from err
        self._closed = False

    def _callback(self, data: Any, frames: int, time_info: Any, status: Any) -> None:
        chunk = bytes(data)
        if self._resampler is not None:
            chunk = self._resampler.push(np.frombuffer(chunk, dtype=np.int16)).tobytes()
            if not chunk:  # the resampler's filter is still filling (the first block or so)
                return
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
    takes only 44.1 or 48 kHz) is opened at its own default rate and each reply resampled as one
    stream: the blocks of a reply through one StreamResampler, flushed by finish().
    """

    def __init__(self, sample_rate: int, settings: AudioSettings | None = None) -> None:
        self.settings = settings or AudioSettings()
        self.sample_rate = sample_rate
        self.first_sample_at: float | None = None
        self._queue = _Queue()
        # Counted in device samples (the queue holds audio at the device's rate), under the queue's lock.
        self._played_frames = 0
        self._queued_frames = 0
        # Resampling runs outside the queue's lock (the audio callback must never wait for it). stop()
        # takes both locks and counts up `_stops`, so audio resampled before it is dropped, not queued after it.
        self._resample_lock = threading.Lock()
        self._stops = 0
        sd = sounddevice_module()
        try:
            self.device_rate = _supported_rate(sd, "output", self.settings.output_device, sample_rate)
            resample = self.device_rate != sample_rate
            self._resampler = StreamResampler(sample_rate, self.device_rate) if resample else None
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
        data = _pcm(samples)
        with self._resample_lock:
            stops = self._stops
            if self._resampler is not None:
                data = self._resampler.push(data)
        with self._queue.lock:
            if stops != self._stops:
                return
            if self._queue.done.is_set():
                self.first_sample_at = None
            self._append(data)
            self._queue.finished = False
            self._queue.done.clear()

    def finish(self) -> None:
        """No more audio for this reply."""
        tail = None
        with self._resample_lock:
            stops = self._stops
            if self._resampler is not None:
                tail = self._resampler.flush()
        with self._queue.lock:
            if tail is not None and stops == self._stops:
                self._append(tail)
            self._queue.finished = True
            if not self._queue.buffers:
                self._queue.done.set()

    def _append(self, data: np.ndarray) -> None:
        """Queue device-rate samples (under the queue's lock)."""
        if data.size:
            self._queue.buffers.append(data)
            self._queued_frames += data.size

    def wait(self, timeout: float | None = None) -> bool:
        """Block until played or stopped."""
        return self._queue.done.wait(timeout)

    def stop(self) -> None:
        """Silence from the next device buffer on."""
        with self._resample_lock, self._queue.lock:
            if self._resampler is not None:
                self._resampler.reset()
            self._stops += 1
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
