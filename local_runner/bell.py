"""The timer's bell, synthesised with numpy at the loudness of the voice, and the timer streams made of it.

The bell is a struck singing bowl: four inharmonic partials, each a pair of slightly detuned sines of
unequal strength (the slow, shallow beating that makes a bowl shimmer), each decaying exponentially,
the lower ones longest.
It is brought to the integrated loudness (ITU-R BS.1770, through pyloudnorm) that KindWell's rendered
voice has, measured on a calibration passage spoken and levelled exactly as practice steps are, so a
bell is neither startling nor lost after the words. Its peaks stay under -1 dBFS.

A timer stream is exact silence with the bells placed on their sample: the closing bell begins
`minutes * 60 * rate` samples after the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from skill import ssml
from skill.audio_catalog import AudioCatalog, AudioTrack
from skill.timer import BellKind, BellSettings, TimerPlan, plan_for_track

from .render import PracticeRenderer, level

#: Partials of a small singing bowl: frequency ratio to the fundamental, amplitude, time to fall by
#: 60 dB (s), and the beat between the pair of sines that make each one (Hz). Bowls ring at roughly
#: these ratios (1 : 2.7 : 5.1 : 8.3), not at the whole-number ratios of a musical tone.
PARTIALS: tuple[tuple[float, float, float, float], ...] = (
    (1.0, 1.0, 14.0, 0.7),
    (2.71, 0.45, 7.0, 1.3),
    (5.12, 0.25, 3.5, 2.1),
    (8.27, 0.10, 1.8, 2.9),
)
#: Shares of each partial in the lower and upper sine of its pair: unequal, so the beating sways the
#: level by about 10 dB instead of silencing the partial every beat.
PAIR_WEIGHTS = (0.65, 0.35)
#: Fixed starting phases (radians) of each pair, so the attack is not one spike of aligned sines.
PHASES: tuple[tuple[float, float], ...] = ((0.0, 1.9), (2.4, 4.1), (0.9, 5.3), (3.3, 1.2))
ATTACK_SECONDS = 0.004
"""Rise of the strike, in seconds: quick enough to sound struck, slow enough not to click."""
FADE_SECONDS = 1.5
"""Fade at the end of a clip, in seconds, so the ring never stops abruptly."""
TAIL_SECONDS = 0.5
"""Silence after the closing bell in a stream, in seconds."""
PEAK_CEILING_DBFS = -1.0


def strike(bell: BellSettings, sample_rate: int) -> np.ndarray:
    """One strike of the bowl, float64, unscaled (its peak is near 1)."""
    t = np.arange(round(bell.strike_seconds * sample_rate)) / sample_rate
    out = np.zeros_like(t)
    for (ratio, amplitude, t60, beat), (first, second) in zip(PARTIALS, PHASES, strict=True):
        frequency = bell.fundamental_hz * ratio
        envelope = amplitude * np.exp(-np.log(1000.0) * t / t60)
        low = np.sin(2 * np.pi * (frequency - beat / 2) * t + first)
        high = np.sin(2 * np.pi * (frequency + beat / 2) * t + second)
        out += envelope * (PAIR_WEIGHTS[0] * low + PAIR_WEIGHTS[1] * high)
    attack = np.minimum(1.0, t / ATTACK_SECONDS)
    fade = np.clip((bell.strike_seconds - t) / FADE_SECONDS, 0.0, 1.0) ** 2
    return out * attack * fade


def loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness (ITU-R BS.1770-4, gated) of int16 or float audio, in LUFS."""
    import pyloudnorm

    audio = samples.astype(np.float64) / 32768.0 if samples.dtype == np.int16 else samples.astype(np.float64)
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(audio))


def _to_int16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * 32768.0), -32768, 32767).astype(np.int16)


@dataclass
class BellRenderer:
    """Bell clips and timer streams for a catalog, at the loudness of its rendered voice."""

    renderer: PracticeRenderer

    @property
    def catalog(self) -> AudioCatalog:
        """Where the audio goes, and the bell and voice settings."""
        return self.renderer.catalog

    @property
    def bell(self) -> BellSettings:
        """How the bell sounds."""
        return self.catalog.bell

    @property
    def sample_rate(self) -> int:
        """Sample rate of bells and timers, in hertz (the voice's)."""
        return self.renderer.sample_rate

    @cached_property
    def voice_lufs(self) -> float:
        """Loudness of the rendered voice: the mean over the calibration sentences, each spoken and
        levelled as a practice step is (prompts/timer.yaml `calibration:`)."""
        levels = [
            loudness(
                level(self.renderer.speech.render(ssml.speak(ssml.guided(s))), self.catalog.voice), self.sample_rate
            )
            for s in self.catalog.content.timer.calibration
        ]
        return float(np.mean(levels))

    @cached_property
    def strike_samples(self) -> np.ndarray:
        """One strike brought to the voice's loudness, peaks under -1 dBFS, as int16."""
        raw = strike(self.bell, self.sample_rate)
        gain = 10 ** ((self.voice_lufs - loudness(raw, self.sample_rate)) / 20)
        ceiling = 10 ** (PEAK_CEILING_DBFS / 20)
        peak = float(np.max(np.abs(raw))) * gain
        if peak > ceiling:
            gain *= ceiling / peak
        return _to_int16(raw * gain)

    def clip(self, kind: BellKind) -> np.ndarray:
        """A bell clip as int16: one strike, or the closing strikes (each as loud as one strike)."""
        one = self.strike_samples
        if kind == "strike":
            return one
        gap = round(self.bell.closing_gap_seconds * self.sample_rate)
        total = np.zeros(gap * (self.bell.closing_strikes - 1) + one.size, dtype=np.int32)
        for index in range(self.bell.closing_strikes):
            total[index * gap : index * gap + one.size] += one
        return np.clip(total, -32768, 32767).astype(np.int16)

    def timer(self, plan: TimerPlan) -> np.ndarray:
        """A whole timer stream: lead-in, the bells on their exact samples, silence between, a short tail."""
        rate = self.sample_rate
        lead = round(self.bell.lead_in_seconds * rate)
        closing = self.clip("closing")
        size = lead + round(plan.seconds * rate) + closing.size + round(TAIL_SECONDS * rate)
        out = np.zeros(size, dtype=np.int16)
        for ring in plan.timeline():
            clip = self.clip(ring.kind)
            at = lead + round(ring.at * rate)
            out[at : at + clip.size] = clip
        return out

    def render_track(self, track: AudioTrack) -> np.ndarray:
        """The samples of a timer track."""
        plan = plan_for_track(track.practice, track.minutes)
        if plan is None:
            raise ValueError(f"{track.practice} at {track.minutes} minutes is not a timer")
        return self.timer(plan)

    def write_clips(self) -> list[str]:
        """Write the bell clips that are missing (48 kbps MP3, Alexa's SSML audio format); their names."""
        written = []
        for kind in ("strike", "closing"):
            path = self.catalog.clip_path(kind)
            if not path.is_file():
                self.renderer.write(self.clip(kind), path, self.bell.stream_bitrate_kbps)
                written.append(path.name)
            for old in self.catalog.directory.glob(f"bell_{kind}-*.mp3"):
                if old != path:
                    old.unlink(missing_ok=True)
        return written
