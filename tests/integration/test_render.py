"""Rendering practices to audio: lengths, exact silences, even loudness, MP3 format and the cache."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from local_runner.render import PracticeRenderer, measure
from skill.audio_catalog import AudioCatalog
from skill.content import default_content, load_content

ROOT = Path(__file__).resolve().parent.parent.parent


def kindwell(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill.cli", *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def zero_runs(samples: np.ndarray, sample_rate: int, min_seconds: float) -> list[float]:
    """Lengths of runs of exact digital silence at least min_seconds long, in seconds."""
    zero = np.concatenate(([False], samples == 0, [False]))
    edges = np.flatnonzero(np.diff(zero.astype(np.int8)))
    lengths = (edges[1::2] - edges[::2]) / sample_rate
    return [float(x) for x in lengths if x >= min_seconds]


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> PracticeRenderer:
    return PracticeRenderer(AudioCatalog(default_content(), tmp_path_factory.mktemp("audio"), None))


@pytest.mark.parametrize("variant", [0, 1, 2])
@pytest.mark.parametrize("practice_id", sorted(default_content().practices))
def test_every_three_minute_variant_renders_with_its_length_and_silence(
    renderer: PracticeRenderer, practice_id: str, variant: int
) -> None:
    script = default_content().practice(practice_id).script(3, variant)
    samples = renderer.render(practice_id, 3, variant=variant)
    measured = measure(samples, renderer.sample_rate)
    assert abs(measured.seconds - 180) <= 18
    # Written silences are really silent; speech adds its own small pauses on top.
    assert script.silence_share <= measured.silence_share <= script.silence_share + 0.12


def test_ten_minute_render_has_every_written_silence_exactly(renderer: PracticeRenderer) -> None:
    script = default_content().practice("loving_kindness").script(10)
    samples = renderer.render("loving_kindness", 10)
    assert abs(len(samples) / renderer.sample_rate - 600) <= 60
    long_pauses = sorted(p.pause_seconds for p in script.steps[:-1] if p.pause_seconds >= 3)
    runs = sorted(zero_runs(samples, renderer.sample_rate, 2.9))
    # Each written pause is one run of exact zeros, as long as written (to the sample, plus a few
    # milliseconds where espeak-ng's own trailing silence touches it).
    assert len(runs) >= len(long_pauses)
    for pause in long_pauses:
        assert any(pause <= run <= pause + 0.05 for run in runs), pause


def test_speech_steps_are_equally_loud(renderer: PracticeRenderer) -> None:
    script = default_content().practice("mindfulness").script(5)
    levels = []
    for index, piece in enumerate(renderer.pieces(script)):
        if index % 2 == 0 and piece.size:
            levels.append(20 * np.log10(np.sqrt(np.mean((piece.astype(np.float64) / 32768) ** 2))))
    assert len(levels) == len(script.steps)
    assert max(levels) - min(levels) <= 1.0
    assert all(abs(level + 20) <= 1.5 for level in levels)


def test_cli_writes_mp3_and_wav_that_decode_to_the_same_length(tmp_path: Path) -> None:
    mp3, wav = tmp_path / "breath.mp3", tmp_path / "breath.wav"
    for path in (mp3, wav):
        result = kindwell("render", "soothing_breath", "--minutes", "3", "-o", str(path))
        assert result.returncode == 0, result.stderr
        assert str(path) in result.stdout
    header = mp3.read_bytes()[:4]
    assert header[0] == 0xFF and header[1] & 0xE0 == 0xE0  # an MPEG audio frame, no container
    info = soundfile.info(str(mp3))
    assert (info.samplerate, info.channels) == (22050, 1)
    decoded, rate = soundfile.read(str(mp3), dtype="int16")
    seconds = len(decoded) / rate
    # The encoder adds at most a couple of frames of padding.
    assert 0 <= seconds - soundfile.info(str(wav)).duration < 0.2
    # 64 kbps constant bitrate, as configured for streaming.
    assert abs(mp3.stat().st_size * 8 / seconds / 1000 - 64) < 1


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["render", "yoga", "--minutes", "5", "-o", "x.mp3"], "There is no practice 'yoga'"),
        (["render", "mindfulness", "--minutes", "7", "-o", "x.mp3"], "comes in 3, 5, 10 minutes"),
        (["render", "mindfulness", "--minutes", "5", "-o", "x.ogg"], "use a file name ending in .mp3 or .wav"),
        (["render", "mindfulness"], "Say what to render"),
    ],
)
def test_bad_render_requests_get_one_clear_line(tmp_path: Path, args: list[str], complaint: str) -> None:
    result = subprocess.run([sys.executable, "-m", "skill.cli", *args], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert complaint in result.stderr and result.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir())


@pytest.fixture()
def edited_prompts(tmp_path: Path) -> Iterator[Path]:
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    yield prompts


def test_render_all_renders_every_variant_and_only_what_changed(tmp_path: Path, edited_prompts: Path) -> None:
    out = tmp_path / "audio"
    env = {"KINDWELL_PROMPTS": str(edited_prompts), "KINDWELL_CACHE": str(tmp_path / "cache")}
    assert sum(p.variant_count(m) for p in default_content().practices.values() for m in p.lengths) == 7 * 9 + 12
    # Three minutes only here, so the test takes seconds, not minutes: every variant of every practice.
    for path in (edited_prompts / "practices").glob("*.yaml"):
        source = path.read_text()
        path.write_text(re.sub(r"(?m)^lengths: .*\n", "", source).replace("\nframe:", "\nlengths: [3]\nframe:", 1))
    # The check-in's default offer must be a length every practice has (words.yaml `offers: minutes:`).
    words = edited_prompts / "words.yaml"
    words.write_text(re.sub(r"(?m)^(  minutes:) 5$", r"\1 3", words.read_text()))
    content = load_content(edited_prompts)
    practice_total = sum(p.variant_count(m) for p in content.practices.values() for m in p.lengths)
    assert practice_total == 8 * 3
    # And the 10 distinct timers (4 lengths, with or without interval bells), which have no variants.
    tracks = AudioCatalog(content, out, None).tracks()
    total = len(tracks)
    assert total == practice_total + 10
    first = kindwell("render", "--all", str(out), env=env)
    assert first.returncode == 0, first.stderr
    assert f"{total} rendered, 0 already current" in first.stdout
    clips = sorted(p.stem for p in out.glob("bell_*.mp3"))
    assert len(clips) == 2  # the two bell clips SSML plays
    assert sorted(p.stem for p in out.glob("*.mp3") if not p.stem.startswith("bell_")) == sorted(t.stem for t in tracks)
    again = kindwell("render", "--all", str(out), env=env)
    assert f"0 rendered, {total} already current" in again.stdout

    # An edit to one middle of one practice renders again only the variants that speak it.
    practice = edited_prompts / "practices" / "soothing_breath.yaml"
    text = practice.read_text()
    practice.write_text(text.replace("Not forced.", "Never forced.", 1))
    assert practice.read_text() != text
    changed = load_content(edited_prompts).practice("soothing_breath")
    scripts = [s for m in changed.lengths for s in changed.variants(m)]
    edited = [s for s in scripts if any("Never forced" in step.text for step in s.steps)]
    assert 0 < len(edited) < total
    third = kindwell("render", "--all", str(out), env=env)
    assert f"{len(edited)} rendered, {total - len(edited)} already current" in third.stdout
    # The stale renderings of the edited variants are gone; one file per variant and timer remains.
    assert len(list(out.glob("*.mp3"))) == total + 2
