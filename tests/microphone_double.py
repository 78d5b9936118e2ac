"""A microphone test double: no microphone exists on a test machine."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

import numpy as np

from local_runner.audio import _pcm, split_chunks
from local_runner.settings import AudioSettings


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
