"""Sample-rate conversion with libsoxr (the python-soxr package), whole or block by block.

Microphones often record only at 44.1 or 48 kHz and Vosk wants 16 kHz; bare ALSA speakers often take
only 44.1 or 48 kHz and espeak-ng speaks at 22.05 kHz. soxr low-pass filters before it decimates, so
sound above the new Nyquist frequency is removed instead of folding back into the speech band as
aliases (what plain linear interpolation does).
"""

from __future__ import annotations

import numpy as np
import soxr

#: soxr's high-quality preset (20-bit precision; pass band to about 91 % of the lower Nyquist frequency).
QUALITY = "HQ"


def to_mono_int16(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Audio of any shape and rate as mono int16 at target_rate, resampled in one go."""
    data = np.asarray(samples)
    if data.ndim == 2:
        data = data.astype(np.float32).mean(axis=1)
    if source_rate != target_rate and data.size:
        data = soxr.resample(np.ascontiguousarray(data, dtype=np.float32), source_rate, target_rate, quality=QUALITY)
    return _int16(data)


def _int16(data: np.ndarray) -> np.ndarray:
    if data.dtype == np.int16:
        return data.reshape(-1)
    return np.clip(np.round(data), -32768, 32767).astype(np.int16).reshape(-1)


class StreamResampler:
    """int16 mono audio that arrives in blocks, resampled as one continuous signal.

    The filter's state carries from block to block, so block edges leave no clicks, and the result
    equals resampling the whole signal at once with to_mono_int16. soxr holds back a few milliseconds
    of audio (its filter delay) until more arrives or flush() is called at the end of a signal.
    It works in float32, as to_mono_int16 does (soxr's own int16 mode adds random dither).
    """

    def __init__(self, source_rate: int, target_rate: int) -> None:
        self.source_rate = source_rate
        self.target_rate = target_rate
        self._stream = soxr.ResampleStream(source_rate, target_rate, 1, dtype="float32", quality=QUALITY)

    def push(self, block: np.ndarray) -> np.ndarray:
        """The resampled audio that block makes available (may be empty for the first tiny blocks)."""
        return _int16(self._stream.resample_chunk(np.asarray(block, dtype=np.float32).reshape(-1)))

    def flush(self) -> np.ndarray:
        """The audio still held back; the next push() starts a new signal."""
        tail = self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        self._stream.clear()
        return _int16(tail)

    def reset(self) -> None:
        """Drop what is held back and start a new signal."""
        self._stream.clear()
