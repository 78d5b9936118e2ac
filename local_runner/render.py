"""Render whole practices to audio files: speech through espeak-ng, silences exact, loudness even.

Each step's words are synthesised with the same SSML renderer the offline voice speaks with, brought
to one loudness (so no step is louder than the next), and followed by exactly its written silence.
`render_all` keeps a cache keyed by a hash of the script and voice settings (skill.audio_catalog):
only what changed is rendered again, and stale renderings of a practice are removed. It renders the
timer streams and the bell clips too (local_runner.bell).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skill import ssml
from skill.audio_catalog import AudioCatalog, AudioTrack, VoiceSettings
from skill.content import PracticeScript
from skill.errors import UserInputError
from skill.timer import is_timer_track

from .settings import SpeechSettings
from .tts import EspeakSynthesizer, SpeechRenderer, Synthesizer

#: Silence after the last step, so a player's fade or a device's end chime never clips the words.
TAIL_SECONDS = 2.0
#: Frames quieter than this count as silence when measuring a rendering, in dBFS.
SILENCE_DBFS = -45.0
#: Length of one measuring frame, in seconds.
FRAME_SECONDS = 0.05
FORMATS = ("mp3", "wav")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Measurement:
    """What a rendering measures, from its samples."""

    seconds: float
    silence_share: float
    """Share of measuring frames quieter than SILENCE_DBFS."""


def measure(samples: np.ndarray, sample_rate: int) -> Measurement:
    """Length and share of silence of int16 mono audio."""
    frame = max(1, round(sample_rate * FRAME_SECONDS))
    usable = len(samples) - len(samples) % frame
    if usable == 0:
        return Measurement(len(samples) / sample_rate, 1.0)
    frames = samples[:usable].astype(np.float64).reshape(-1, frame) / 32768.0
    rms = np.sqrt(np.mean(frames**2, axis=1))
    quiet = rms < 10 ** (SILENCE_DBFS / 20)
    return Measurement(len(samples) / sample_rate, float(quiet.mean()))


def level(samples: np.ndarray, voice: VoiceSettings, offset_db: float = 0.0) -> np.ndarray:
    """Speech brought to the target RMS level (plus offset_db, negative as a practice fades), peaks under -1 dBFS."""
    if samples.size == 0:
        return samples
    audio = samples.astype(np.float64) / 32768.0
    rms = float(np.sqrt(np.mean(audio**2)))
    if rms == 0.0:
        return samples
    gain = 10 ** ((voice.loudness_dbfs + offset_db) / 20) / rms
    return np.clip(np.round(_limit_peaks(audio * gain) * 32768.0), -32768, 32767).astype(np.int16)


def _limit_peaks(audio: np.ndarray, knee_dbfs: float = -4.0, ceiling_dbfs: float = -1.0) -> np.ndarray:
    """Peaks above the knee bent smoothly (tanh) towards the ceiling, so no step is turned down as a whole.

    Turning a whole step down to fit its loudest consonant made steps up to 1 dB quieter than the
    rest. Hand-written: a memoryless soft knee on the few samples over -4 dBFS is all this needs, and
    the audio libraries installed here (soxr, pyloudnorm, soundfile) have no limiter.
    """
    knee, ceiling = 10 ** (knee_dbfs / 20), 10 ** (ceiling_dbfs / 20)
    magnitude = np.abs(audio)
    over = magnitude > knee
    if not over.any():
        return audio
    bent = audio.copy()
    bent[over] = np.sign(audio[over]) * (knee + (ceiling - knee) * np.tanh((magnitude[over] - knee) / (ceiling - knee)))
    return bent


class PracticeRenderer:
    """Turns practice scripts into int16 mono audio and writes MP3 or WAV files."""

    def __init__(self, catalog: AudioCatalog, synthesizer: Synthesizer | None = None) -> None:
        self.catalog = catalog
        self.voice = catalog.voice
        speech = SpeechSettings(voice=self.voice.voice, words_per_minute=self.voice.espeak_rate_wpm)
        self._speech = SpeechRenderer(synthesizer or EspeakSynthesizer(speech), speech)

    @property
    def sample_rate(self) -> int:
        """Sample rate of rendered audio, in hertz."""
        return self._speech.sample_rate

    @property
    def speech(self) -> SpeechRenderer:
        """The SSML renderer practice words are spoken with."""
        return self._speech

    def pieces(self, script: PracticeScript) -> Iterator[np.ndarray]:
        """Audio of each step's words, then its silence, in order."""
        for index, step in enumerate(script.steps):
            # The step's own loudness is applied here, once: the words are synthesised at the voice's level.
            words = self._speech.render(ssml.speak(ssml.guided(step.text)))
            yield level(words, self.voice, step.volume_db)
            last = index == len(script.steps) - 1
            yield self._speech.silence(round(1000 * (TAIL_SECONDS if last else step.pause_seconds)))

    def render(self, practice_id: str, minutes: int, progress: Progress | None = None, variant: int = 0) -> np.ndarray:
        """One variant of a practice as one buffer; progress(steps_done) after each step."""
        script = self.catalog.content.practice(practice_id).script(minutes, variant)
        parts: list[np.ndarray] = []
        for count, piece in enumerate(self.pieces(script), start=1):
            parts.append(piece)
            if progress is not None and count % 2 == 0:
                progress(1)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)

    def write(self, samples: np.ndarray, path: Path, bitrate_kbps: int | None = None) -> Path:
        """Write audio as MP3 (at bitrate_kbps, else the voice's) or WAV by the file's extension, atomically."""
        kind = path.suffix.lower().lstrip(".")
        if kind not in FORMATS:
            raise UserInputError(f"Cannot write {path.name}: use a file name ending in .mp3 or .wav.")
        temporary = self._temporary(path)
        try:
            if kind == "wav":
                import soundfile

                soundfile.write(temporary, samples, self.sample_rate, format="WAV", subtype="PCM_16")
            else:
                temporary.write_bytes(self.encode_mp3(samples, bitrate_kbps))
            temporary.replace(path)
        except OSError as err:
            raise _cannot_write(path, err) from None
        finally:
            temporary.unlink(missing_ok=True)
        return path

    def check_writable(self, path: Path) -> None:
        """UserInputError, naming path, unless a rendering can be written there (checked before rendering)."""
        if path.is_dir():
            raise UserInputError(f"Cannot write {path}: it is a folder; give a file name ending in .mp3 or .wav.")
        temporary = self._temporary(path)
        try:
            temporary.touch()
        except OSError as err:
            raise _cannot_write(path, err) from None
        finally:
            temporary.unlink(missing_ok=True)

    @staticmethod
    def _temporary(path: Path) -> Path:
        """The file a rendering is written to before it replaces path (its folder made if missing)."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise _cannot_write(path, err) from None
        return path.with_name(f".{path.name}.{os.getpid()}.tmp")

    def encode_mp3(self, samples: np.ndarray, bitrate_kbps: int | None = None) -> bytes:
        """Constant-bitrate mono MP3 (LAME, through lameenc) at the sample rate it was rendered at."""
        import lameenc

        encoder = lameenc.Encoder()
        encoder.set_bit_rate(bitrate_kbps or self.voice.mp3_bitrate_kbps)
        encoder.set_in_sample_rate(self.sample_rate)
        # LAME would resample low bitrates to a lower rate; Alexa's SSML audio must stay at 22,050 Hz.
        encoder.set_out_sample_rate(self.sample_rate)
        encoder.set_channels(1)
        # LAME quality 5 ("good, fast"): at 64 kbps mono speech it sounds like 2, encoding in 60 % of the time.
        encoder.set_quality(5)
        return bytes(encoder.encode(samples.astype(np.int16).tobytes()) + encoder.flush())

    def steps_in(self, practice_id: str, minutes: int, variant: int = 0) -> int:
        """How many progress ticks rendering a practice (or a timer: one) makes."""
        if is_timer_track(practice_id):
            return 1
        return len(self.catalog.content.practice(practice_id).script(minutes, variant).steps)

    def _track_steps(self, track: AudioTrack) -> int:
        return self.steps_in(track.practice, track.minutes, self.catalog.variant_of(track) or 0)

    def render_track(self, track: AudioTrack, progress: Progress | None = None) -> np.ndarray:
        """The samples of any track: a practice, or a timer stream."""
        if is_timer_track(track.practice):
            from .bell import BellRenderer

            samples = BellRenderer(self).render_track(track)
            if progress is not None:
                progress(1)
            return samples
        return self.render(track.practice, track.minutes, progress, self.catalog.variant_of(track) or 0)

    def bitrate_for(self, track: AudioTrack) -> int:
        """MP3 bitrate of a track, in kbps: the voice's for practices, the bell's for timers."""
        return self.catalog.bell.stream_bitrate_kbps if is_timer_track(track.practice) else self.voice.mp3_bitrate_kbps

    def render_all(self, progress: Progress | None = None, workers: int | None = None) -> list[tuple[AudioTrack, bool]]:
        """Render every variant of every practice at every length, every timer and the bell clips into the
        catalog's folder; (track, rendered now) for each practice and timer.

        Tracks render in parallel, one process per core: espeak-ng and LAME each use one core.
        """
        from .bell import BellRenderer

        BellRenderer(self).write_clips()
        tracks = self.catalog.tracks()
        missing = [t for t in tracks if not self.catalog.path(t).is_file()]
        for track in tracks:
            if track not in missing and progress is not None:
                progress(self._track_steps(track))
        count = max(1, min(workers or os.cpu_count() or 1, len(missing)))
        if count == 1:
            for track in missing:
                self.write(self.render_track(track, progress), self.catalog.path(track), self.bitrate_for(track))
        else:
            # Spawned, not forked: a forked child inherits espeak-ng's state mid-flight and can hang.
            with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = {pool.submit(_render_track, self.catalog, t): t for t in missing}
                for future in as_completed(futures):
                    future.result()
                    if progress is not None:
                        progress(self._track_steps(futures[future]))
        self._remove_stale(tracks)
        return [(track, track in missing) for track in tracks]

    def _remove_stale(self, current: list[AudioTrack]) -> None:
        """Delete earlier renderings of the practices and lengths rendered now (every other variant is kept)."""
        keep = {track.stem for track in current}
        for practice, minutes in {(track.practice, track.minutes) for track in current}:
            for old in self.catalog.directory.glob(f"{practice}-{minutes}min-*.*"):
                if old.stem not in keep and old.suffix in (".mp3", ".wav"):
                    old.unlink(missing_ok=True)


def _render_track(catalog: AudioCatalog, track: AudioTrack) -> Path:
    """Render one track in a worker process (each process loads its own espeak-ng)."""
    renderer = PracticeRenderer(catalog)
    return renderer.write(renderer.render_track(track), catalog.path(track), renderer.bitrate_for(track))


def _cannot_write(path: Path, err: OSError) -> UserInputError:
    return UserInputError(f"Cannot write {path}: {err.strerror or err}; choose a folder you can write to.")
