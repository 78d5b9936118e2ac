"""Figures for the timer's bell and streams: loudness against the rendered voice, sizes, render time.

    python bench/bells.py

Renders the bell clips and every distinct timer into a temporary folder with the real renderer
(espeak-ng for the voice the bell is measured against, numpy for the bell, LAME for the MP3), decodes
them back and prints integrated loudness (ITU-R BS.1770, pyloudnorm), peaks and file sizes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from local_runner.bell import BellRenderer, loudness
from local_runner.render import PracticeRenderer
from skill.audio_catalog import BELL_KINDS, AudioCatalog
from skill.content import default_content
from testkit.bells import strike_onsets


def decoded(path: Path) -> tuple[np.ndarray, int]:
    samples, rate = soundfile.read(path, dtype="int16")
    return np.asarray(samples), int(rate)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        catalog = AudioCatalog(default_content(), Path(folder), None)
        renderer = PracticeRenderer(catalog)
        bells = BellRenderer(renderer)
        started = time.perf_counter()
        voice = bells.voice_lufs
        print(f"voice reference (calibration, levelled like practice steps): {voice:.2f} LUFS")
        practice = renderer.render("soothing_breath", 3)
        path = Path(folder) / "practice.mp3"
        renderer.write(practice, path)
        samples, rate = decoded(path)
        print(f"rendered practice (soothing breath, 3 min, MP3): {loudness(samples, rate):.2f} LUFS")
        bells.write_clips()
        for kind in BELL_KINDS:
            clip = catalog.clip_path(kind)
            samples, rate = decoded(clip)
            peak = 20 * np.log10(np.abs(samples).max() / 32768)
            print(
                f"bell {kind}: {loudness(samples, rate):.2f} LUFS, peak {peak:.1f} dBFS, "
                f"{samples.size / rate:.2f} s, {clip.stat().st_size / 1024:.0f} KiB at {rate} Hz"
            )
        total = 0
        for track in catalog.tracks():
            if not track.practice.startswith("timer"):
                continue
            begun = time.perf_counter()
            out = catalog.path(track)
            renderer.write(renderer.render_track(track), out, renderer.bitrate_for(track))
            took = time.perf_counter() - begun
            samples, rate = decoded(out)
            onsets = strike_onsets(samples, rate)
            gaps = [round((b - onsets[0]) / rate, 3) for b in onsets]
            total += out.stat().st_size
            print(
                f"{track.stem}: {out.stat().st_size / 2**20:.2f} MiB, {samples.size / rate / 60:.2f} min, "
                f"{loudness(samples, rate):.2f} LUFS, rendered in {took:.1f} s, strikes at {gaps} s"
            )
        print(f"all timer streams: {total / 2**20:.1f} MiB; everything in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
