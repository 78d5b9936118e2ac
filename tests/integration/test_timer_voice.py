"""The timer in the offline runner: the stream plays through the device's AudioPlayer, bells and all,
and stop silences a ringing bell through the same playback path as a practice.

Real parts throughout: the bells and the timer are rendered into a temporary KINDWELL_AUDIO_DIR, the
runner's own wiring sends Alexa envelopes to the real skill over a real SQLite file, and sound goes to
a WavFileSpeaker or, where timing matters, through PulseAudio's virtual speaker, captured from its monitor.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from local_runner.audio import Speaker, WavFileSpeaker
from local_runner.bell import BellRenderer
from local_runner.loop import Reply, VoiceLoop
from local_runner.player import FINISHED, NEARLY_FINISHED, STARTED, STOPPED
from local_runner.portaudio import SoundDeviceSpeaker
from local_runner.render import PracticeRenderer
from local_runner.runner import RunOptions, build_loop
from local_runner.settings import AudioSettings, VoiceSettings
from skill.audio_catalog import AudioCatalog
from skill.content import default_content
from testkit.bells import strike_onsets
from testkit.virtual_audio import VirtualAudio

RATE = 22050
TIMER_LINE = "set a meditation timer for five minutes"


@pytest.fixture(scope="module")
def timer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bell clips and the five-minute timer, rendered as `kindwell render --all` does."""
    catalog = AudioCatalog(default_content(), tmp_path_factory.mktemp("timer-audio"), None)
    renderer = PracticeRenderer(catalog)
    BellRenderer(renderer).write_clips()
    track = catalog.timer_track(5, "none")
    renderer.write(renderer.render_track(track), catalog.path(track), renderer.bitrate_for(track))
    return catalog.directory


@pytest.fixture()
def environment(timer_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KINDWELL_AUDIO_DIR", str(timer_dir))
    return timer_dir


def timer_file(directory: Path) -> np.ndarray:
    (path,) = directory.glob("timer-5min-*.mp3")
    samples, rate = soundfile.read(path, dtype="int16")
    assert rate == RATE
    return np.asarray(samples)


def text_loop(db: Path, speaker: Speaker) -> VoiceLoop:
    settings = VoiceSettings()
    settings = replace(settings, loop=replace(settings.loop, require_wake=False))
    return build_loop(settings, RunOptions(text=True, database=db), speaker=speaker)


def by_request(loop: VoiceLoop, name: str) -> Reply:
    return [r for r in loop.replies if r.request == name][-1]


def find(haystack: np.ndarray, needle: np.ndarray) -> tuple[int, float]:
    """(index, normalised correlation) of the best match of needle in haystack."""
    h, n = haystack.astype(np.float64), needle.astype(np.float64)
    n = n - n.mean()
    size = 1 << int(np.ceil(np.log2(h.size + n.size)))
    scores = np.fft.irfft(np.fft.rfft(h, size) * np.conj(np.fft.rfft(n, size)), size)[: h.size - n.size + 1]
    index = int(np.argmax(scores))
    window = h[index : index + n.size] - h[index : index + n.size].mean()
    return index, float(np.dot(window, n) / (np.linalg.norm(window) * np.linalg.norm(n) + 1e-9))


def wait_for(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.slow
def test_the_runner_plays_the_whole_timer_with_its_bells_and_counts_it(environment: Path, tmp_path: Path) -> None:
    speaker = WavFileSpeaker(tmp_path / "out", RATE)
    loop = text_loop(tmp_path / "kw.sqlite3", speaker)
    assert loop.player is not None
    loop.run_text([TIMER_LINE, "how am i doing"])

    started = by_request(loop, "MeditationTimerIntent")
    assert [d["type"] for d in started.audio] == ["AudioPlayer.Play"]
    stream = started.audio[0]["audioItem"]["stream"]
    assert stream["url"].startswith("file://") and "/timer-5min-" in stream["url"]
    assert "one bell to begin, and three bells to close" in started.text
    played, rate = soundfile.read(speaker.written[2], dtype="int16")  # welcome, intro, the timer
    expected = timer_file(environment)
    assert rate == RATE and np.array_equal(played, expected)
    onsets = [(i - strike_onsets(played, RATE)[0]) / RATE for i in strike_onsets(played, RATE)]
    assert onsets == pytest.approx([0.0, 300.0, 304.5, 309.0], abs=0.002)  # five minutes, bell to bell
    total_ms = round(expected.size * 1000 / RATE)
    assert loop.player.events == [(STARTED, 0), (NEARLY_FINISHED, total_ms), (FINISHED, total_ms)]
    assert "finished 1 practice in all" in by_request(loop, "ProgressIntent").text


@pytest.mark.slow
@pytest.mark.audio
def test_stop_silences_a_ringing_bell_at_once(environment: Path, virtual_audio: VirtualAudio, tmp_path: Path) -> None:
    speaker = SoundDeviceSpeaker(RATE, AudioSettings())
    loop = text_loop(tmp_path / "kw.sqlite3", speaker)
    assert loop.player is not None
    player = loop.player

    def typed() -> Iterator[str]:
        yield TIMER_LINE
        wait_for(lambda: player.events)  # the intro has been spoken and the stream begun
        wait_for(lambda: player.offset_ms() > 1800)  # the first bell rings from 0.5 s
        yield "stop"

    captured = virtual_audio.record_speaker_during(lambda: loop.run_text(typed()), speaker)

    assert [d["type"] for d in by_request(loop, "AMAZON.StopIntent").audio] == ["AudioPlayer.Stop"]
    (kind_started, _), (kind_stopped, offset) = player.events
    assert (kind_started, kind_stopped) == (STARTED, STOPPED)
    stream = timer_file(environment)
    bell = strike_onsets(stream[: 5 * RATE], RATE)[0]
    at, match = find(captured, stream[bell + RATE // 2 : bell + RATE])
    assert match > 0.98  # the bell came out of the speaker
    stream_start = at - RATE // 2 - bell
    last_loud = stream_start + int(np.flatnonzero(np.abs(captured[stream_start:].astype(np.int32)) >= 200)[-1])
    heard_s = (last_loud - stream_start) / RATE
    # The bell was still ringing loud when stop came, and went quiet where the saved offset says.
    assert offset / 1000 > 1.8 and abs(offset / 1000 - heard_s) < 0.25, (offset, heard_s)
