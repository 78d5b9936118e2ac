"""Resampling with soxr (local_runner/resample.py): what a 44.1/48 kHz microphone records reaches Vosk
at 16 kHz without aliases, and block-by-block streaming (as the microphone and speaker use it) gives
what resampling the whole signal at once gives.

The linear interpolation this replaced folded a 20 kHz tone at 48 kHz into a 4 kHz tone at -5 dB.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from local_runner.audio import WavFileMicrophone
from local_runner.resample import StreamResampler, to_mono_int16
from local_runner.settings import AudioSettings

AMPLITUDE = 10000


def tone(frequency: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.round(AMPLITUDE * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


def rms(samples: np.ndarray) -> float:
    """Root mean square, leaving out the first and last tenth (the filter's edges)."""
    data = samples.astype(np.float64)
    edge = data.size // 10
    return float(np.sqrt(np.mean(data[edge:-edge] ** 2)))


def peak_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[int(np.argmax(spectrum))])


def blocks(samples: np.ndarray, sizes: Iterator[int]) -> Iterator[np.ndarray]:
    start = 0
    while start < samples.size:
        size = next(sizes)
        yield samples[start : start + size]
        start += size


def streamed(samples: np.ndarray, source_rate: int, target_rate: int, block: int) -> np.ndarray:
    resampler = StreamResampler(source_rate, target_rate)
    parts = [resampler.push(part) for part in blocks(samples, iter(lambda: block, None))]
    return np.concatenate([*parts, resampler.flush()])


@pytest.mark.parametrize("rate", [48000, 44100])
def test_a_tone_above_8_khz_is_removed_not_folded_into_speech(rate: int) -> None:
    for frequency in (20000, 9000):
        source = tone(frequency, rate)
        at_once = to_mono_int16(source, rate, 16000)
        in_blocks = streamed(source, rate, 16000, rate * 30 // 1000)  # 30 ms blocks, as the microphone gives
        for out in (at_once, in_blocks):
            # Below one int16 step: over 80 dB down (linear interpolation left 20 kHz at -5 dB).
            assert rms(out) < 1.0, (rate, frequency, rms(out))


@pytest.mark.parametrize("rate", [48000, 44100])
def test_speech_band_tones_keep_their_level_and_pitch(rate: int) -> None:
    for frequency in (1000, 3000, 7000):
        source = tone(frequency, rate)
        for out in (to_mono_int16(source, rate, 16000), streamed(source, rate, 16000, rate * 30 // 1000)):
            assert out.size == 16000
            assert rms(out) == pytest.approx(rms(source), rel=0.01)
            assert peak_frequency(out, 16000) == pytest.approx(frequency, abs=2)


@pytest.mark.parametrize(("source_rate", "target_rate"), [(48000, 16000), (44100, 16000), (22050, 48000)])
def test_streaming_in_uneven_blocks_equals_resampling_at_once(source_rate: int, target_rate: int) -> None:
    rng = np.random.default_rng(7)
    # Speech-like: a few tones with a noise floor, two seconds.
    signal = sum(tone(f, source_rate, 2.0).astype(np.float64) / 4 for f in (220, 710, 1900, 3300))
    signal = signal + rng.normal(0, 300, signal.size)
    source = np.clip(np.round(signal), -32768, 32767).astype(np.int16)
    at_once = to_mono_int16(source, source_rate, target_rate)
    resampler = StreamResampler(source_rate, target_rate)
    sizes = iter(rng.integers(1, 3000, size=source.size).tolist())
    in_blocks = np.concatenate([*(resampler.push(part) for part in blocks(source, sizes)), resampler.flush()])
    assert in_blocks.size == at_once.size == round(source.size * target_rate / source_rate)
    np.testing.assert_array_equal(in_blocks, at_once)


def test_after_flush_the_next_signal_starts_fresh() -> None:
    source = tone(1000, 48000, 0.5)
    resampler = StreamResampler(48000, 16000)
    first = np.concatenate([resampler.push(source), resampler.flush()])
    resampler.push(tone(5000, 48000, 0.1))
    resampler.reset()  # as the speaker does on stop(): what was held back is dropped
    second = np.concatenate([resampler.push(source), resampler.flush()])
    np.testing.assert_array_equal(first, second)


def test_a_48_khz_stereo_wav_reaches_the_recognizer_at_16_khz_without_aliases(tmp_path: Path) -> None:
    wanted, unwanted = tone(1000, 48000), tone(20000, 48000)
    path = tmp_path / "stereo48k.wav"
    soundfile.write(path, np.stack([wanted // 2, wanted // 2 + unwanted // 2], axis=1), 48000, subtype="PCM_16")
    microphone = WavFileMicrophone(path, AudioSettings())
    heard = microphone.samples
    assert microphone.sample_rate == 16000 and heard.dtype == np.int16 and heard.size == 16000
    assert peak_frequency(heard, 16000) == pytest.approx(1000, abs=2)
    # Left and right averaged: the 1 kHz tone at half level, the 20 kHz one (a quarter) gone, not
    # folded down to 4 kHz.
    assert rms(heard) == pytest.approx(0.5 * rms(wanted), rel=0.01)
    spectrum = np.abs(np.fft.rfft(heard.astype(np.float64) * np.hanning(heard.size)))
    freqs = np.fft.rfftfreq(heard.size, 1 / 16000)
    assert spectrum[np.abs(freqs - 4000) < 50].max() < 1e-4 * spectrum.max()
