"""How fast practices render: one 10-minute practice (x real time), and `render --all` cold and warm.

Usage: python bench/render.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile

from local_runner.render import PracticeRenderer, measure
from skill.audio_catalog import AudioCatalog
from skill.content import default_content


def main() -> None:
    content = default_content()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        renderer = PracticeRenderer(AudioCatalog(content, folder / "one", None))
        renderer.render("mindfulness", 3)  # load espeak-ng once, as a running process would have
        for practice in ("loving_kindness", "soothing_breath"):
            started = time.perf_counter()
            samples = renderer.render(practice, 10)
            synthesised = time.perf_counter()
            path = renderer.write(samples, folder / f"{practice}.mp3")
            finished = time.perf_counter()
            seconds = measure(samples, renderer.sample_rate).seconds
            print(
                f"{practice} 10 min: {seconds:.0f} s of audio rendered in {finished - started:.2f} s"
                f" (synthesis {synthesised - started:.2f} s, MP3 {finished - synthesised:.2f} s)"
                f" = {seconds / (finished - started):.0f}x real time; {path.stat().st_size / 1e6:.1f} MB"
            )
        out = folder / "all"
        for label in ("cold", "warm"):
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "skill.cli", "render", "--all", str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"render --all {label}: {time.perf_counter() - started:.1f} s ({result.stdout.strip()})")
        total = sum(soundfile.info(str(p)).duration for p in out.glob("*.mp3"))
        print(f"all practices: {len(list(out.glob('*.mp3')))} files, {total / 60:.0f} minutes of audio")


if __name__ == "__main__":
    main()
