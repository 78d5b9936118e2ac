"""The offline runner's AudioPlayer: a rendered practice plays as one stream, as on an Echo.

Everything is real: the practice is rendered by espeak-ng into a temporary KINDWELL_AUDIO_DIR, the
runner's own wiring (build_loop) sends Alexa envelopes to the real skill over a real SQLite file,
and the audio goes to a WavFileSpeaker or, where timing matters, through PulseAudio's virtual
speaker, captured from its monitor.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from local_runner.audio import Speaker, WavFileSpeaker
from local_runner.loop import Reply, VoiceLoop
from local_runner.player import FAILED, FINISHED, NEARLY_FINISHED, STARTED, STOPPED
from local_runner.portaudio import SoundDeviceMicrophone, SoundDeviceSpeaker
from local_runner.recognizer import VoskEngine
from local_runner.runner import RunOptions, build_loop
from local_runner.settings import AudioSettings, LoopSettings, VoiceSettings
from skill.audio_catalog import AudioCatalog
from skill.content import default_content
from testkit.virtual_audio import VirtualAudio
from testkit.voice import KOREAN_COMMANDS, recording

from ..conftest import local_variant

RATE = 22050
PLAY_LINE = "play the three minute soothing breath"
USER = LoopSettings().user_id


def text_loop(db: Path, speaker: Speaker, mute: bool = False, engine: VoskEngine | None = None) -> VoiceLoop:
    """The runner's own loop over a given speaker, a session open at once (--text, or the microphone
    with the Korean test engine's grammar)."""
    settings = VoiceSettings()
    settings = replace(settings, loop=replace(settings.loop, require_wake=False))
    grammar = engine.grammar if engine is not None else None
    return build_loop(settings, RunOptions(text=True, mute=mute, database=db), grammar=grammar, speaker=speaker)


def saved_audio(db: Path) -> dict[str, Any] | None:
    """The AudioPlayer place the skill keeps for the runner's user in the SQLite file."""
    key = hashlib.sha256(USER.encode()).hexdigest()
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT attributes FROM attributes WHERE id = ?", (key,)).fetchone()
    audio = json.loads(row[0]).get("audio") if row else None
    return audio if isinstance(audio, dict) else None


def by_request(loop: VoiceLoop, name: str) -> Reply:
    return [r for r in loop.replies if r.request == name][-1]


def directive_types(reply: Reply) -> list[str]:
    return [d["type"] for d in reply.audio]


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def find(haystack: np.ndarray, needle: np.ndarray) -> tuple[int, float]:
    """(index, normalised correlation) of the best match of needle in haystack."""
    h, n = haystack.astype(np.float64), needle.astype(np.float64)
    n = n - n.mean()
    size = 1 << int(np.ceil(np.log2(h.size + n.size)))
    scores = np.fft.irfft(np.fft.rfft(h, size) * np.conj(np.fft.rfft(n, size)), size)[: h.size - n.size + 1]
    index = int(np.argmax(scores))
    window = h[index : index + n.size] - h[index : index + n.size].mean()
    return index, float(np.dot(window, n) / (np.linalg.norm(window) * np.linalg.norm(n) + 1e-9))


# --- WavFileSpeaker: the practice "plays" at once, sample for sample -----------------------------


def test_a_rendered_practice_plays_to_the_end_and_counts(
    environment: Path, practice_file: np.ndarray, tmp_path: Path
) -> None:
    db = tmp_path / "kw.sqlite3"
    speaker = WavFileSpeaker(tmp_path / "out", RATE)
    loop = text_loop(db, speaker)
    assert loop.conversation.has_audio_player and loop.player is not None
    loop.run_text([PLAY_LINE, "how am i doing"])

    started = by_request(loop, "StartPracticeIntent")
    assert directive_types(started) == ["AudioPlayer.Play"]
    stream = started.audio[0]["audioItem"]["stream"]
    assert stream["url"].startswith("file://") and stream["offsetInMilliseconds"] == 0
    assert "soothing breath" in started.text
    # Welcome, the intro, the practice itself, the progress reply.
    assert len(speaker.written) == 4
    played, rate = soundfile.read(speaker.written[2], dtype="int16")
    assert rate == RATE and np.array_equal(played, practice_file)
    total_ms = round(practice_file.size * 1000 / RATE)
    assert loop.player.events == [(STARTED, 0), (NEARLY_FINISHED, total_ms), (FINISHED, total_ms)]
    assert loop.conversation.player.activity == "FINISHED"
    assert "finished 1 practice in all" in by_request(loop, "ProgressIntent").text
    assert saved_audio(db) is None  # finished: nothing left to resume


def test_an_unrendered_practice_and_mute_keep_spoken_segments(environment: Path, tmp_path: Path) -> None:
    speaker = WavFileSpeaker(tmp_path / "out", RATE)
    loop = text_loop(tmp_path / "kw.sqlite3", speaker)
    loop.run_text(["start a three minute mindful pause"])  # not rendered into the folder
    reply = by_request(loop, "StartPracticeIntent")
    assert reply.audio == () and loop.player is not None and loop.player.events == []
    opening = default_content().practice("mindfulness").script(3, local_variant("mindfulness", 3)).steps[0].text
    assert opening in reply.text
    played, _ = soundfile.read(speaker.written[1], dtype="int16")
    assert played.size / RATE > 20  # the practice's words were spoken by espeak-ng

    muted = text_loop(tmp_path / "kw2.sqlite3", WavFileSpeaker(tmp_path / "muted", RATE), mute=True)
    assert not muted.conversation.has_audio_player and muted.player is None
    muted.run_text([PLAY_LINE])
    reply = by_request(muted, "StartPracticeIntent")
    opening = default_content().practice("soothing_breath").script(3, local_variant("soothing_breath", 3)).steps[0].text
    assert reply.audio == () and opening in reply.text


def test_an_undecodable_rendering_is_one_sentence_and_the_runner_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "audio"
    catalog = AudioCatalog(default_content(), broken, None)
    broken.mkdir()
    track = catalog.track("soothing_breath", 3, local_variant("soothing_breath", 3))
    catalog.path(track).write_bytes(b"half a download, not audio")
    monkeypatch.setenv("KINDWELL_AUDIO_DIR", str(broken))
    loop = text_loop(tmp_path / "kw.sqlite3", WavFileSpeaker(tmp_path / "out", RATE))
    loop.run_text([PLAY_LINE, "how am i doing"])
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1
    assert errors[0].startswith("kindwell: Cannot play ") and errors[0].endswith(f"`kindwell render --all {broken}`.")
    assert loop.player is not None and loop.player.events == [(FAILED, 0)]
    assert "haven't finished a practice yet" in by_request(loop, "ProgressIntent").text


# --- PulseAudio: real time, real barge-in --------------------------------------------------------


@pytest.mark.slow
@pytest.mark.audio
def test_pause_keeps_the_place_heard_and_a_new_loop_resumes_there(
    environment: Path, practice_file: np.ndarray, virtual_audio: VirtualAudio, tmp_path: Path
) -> None:
    db = tmp_path / "kw.sqlite3"
    speaker = SoundDeviceSpeaker(RATE, AudioSettings())
    loop = text_loop(db, speaker)
    assert loop.player is not None
    player = loop.player

    def typed() -> Iterator[str]:
        yield PLAY_LINE
        wait_for(lambda: player.events)  # the intro has been spoken and the practice begun
        time.sleep(1.2)
        yield "pause"

    captured = virtual_audio.record_speaker_during(lambda: loop.run_text(typed()), speaker)

    assert directive_types(by_request(loop, "AMAZON.PauseIntent")) == ["AudioPlayer.Stop"]
    (kind_started, _), (kind_stopped, offset) = player.events
    assert (kind_started, kind_stopped) == (STARTED, STOPPED)
    saved = saved_audio(db)
    assert saved is not None and saved["offset"] == offset and saved["token"].startswith("kindwell:soothing_breath:3:")
    # What came out of the speaker: the rendered file from its start, until the pause.
    start, match = find(captured, practice_file[RATE // 2 : RATE])
    start -= RATE // 2
    assert match > 0.98
    heard = captured[start : start + offset * RATE // 1000]
    _, same = find(heard, practice_file[: heard.size][-RATE // 4 :])
    assert same > 0.98  # the last quarter second before the pause was the file's too
    last_loud = start + int(np.flatnonzero(np.abs(captured[start:].astype(np.int32)) >= 200)[-1])
    heard_s = (last_loud - start) / RATE
    assert offset / 1000 > 1.0 and abs(offset / 1000 - heard_s) < 0.25, (offset, heard_s)

    # Another process, another day: "resume" plays on from the saved offset.
    files = WavFileSpeaker(tmp_path / "later", RATE)
    later = text_loop(db, files)
    later.run_text(["resume"])
    resumed = by_request(later, "AMAZON.ResumeIntent")
    assert resumed.audio[0]["audioItem"]["stream"]["offsetInMilliseconds"] == offset
    assert later.player is not None and later.player.events[0] == (STARTED, offset)
    played, _ = soundfile.read(files.written[-1], dtype="int16")
    first = round(offset * RATE / 1000)
    assert np.array_equal(played[:RATE], practice_file[first : first + RATE])


@pytest.mark.slow
@pytest.mark.audio
def test_next_during_playback_is_answered_and_the_practice_carries_on(
    environment: Path, practice_file: np.ndarray, virtual_audio: VirtualAudio, tmp_path: Path
) -> None:
    speaker = SoundDeviceSpeaker(RATE, AudioSettings())
    loop = text_loop(tmp_path / "kw.sqlite3", speaker)
    assert loop.player is not None
    player = loop.player
    held: list[int] = []

    def typed() -> Iterator[str]:
        yield PLAY_LINE
        wait_for(lambda: player.events)
        time.sleep(0.8)
        yield "next"
        held.append(loop.conversation.player.offset_ms)  # where the answer left the practice waiting
        wait_for(lambda: player.offset_ms() > held[0] + 600)
        yield "stop"

    captured = virtual_audio.record_speaker_during(lambda: loop.run_text(typed()), speaker)

    nxt = by_request(loop, "AMAZON.NextIntent")
    assert nxt.audio == () and "nothing to skip" in nxt.text
    assert directive_types(by_request(loop, "AMAZON.StopIntent")) == ["AudioPlayer.Stop"]
    assert [kind for kind, _ in player.events] == [STARTED, STOPPED]  # one stream, never restarted
    stopped_at = player.events[-1][1]
    assert held[0] > 500 and held[0] + 600 <= stopped_at < held[0] + 1500
    # After the spoken answer the speaker went on with the file from the held place.
    first = round(held[0] * RATE / 1000)
    at, match = find(captured, practice_file[first : first + RATE // 2])
    assert match > 0.98
    begun, _ = find(captured, practice_file[RATE // 2 : RATE])
    speech = (at - (begun - RATE // 2) - first) / RATE
    assert speech > 2.0  # the answer was spoken in between


@pytest.mark.slow
@pytest.mark.audio
def test_ctrl_c_during_playback_saves_the_place_before_goodbye(
    environment: Path, virtual_audio: VirtualAudio, tmp_path: Path
) -> None:
    db = tmp_path / "kw.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "voice", "--text"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KINDWELL_DB": str(db)},
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(PLAY_LINE + "\n")
    process.stdin.flush()
    lines = [process.stdout.readline(), process.stdout.readline()]
    assert "Let's begin the soothing breath" in lines[1]
    sent = time.monotonic()
    time.sleep(8.0)  # the intro (a few seconds, longer on a busy machine), then some of the practice
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "KindWell:" in out  # the goodbye
    saved = saved_audio(db)
    # Somewhere inside what could have played: after the start, before the interrupt.
    assert saved is not None and 200 < saved["offset"] < (time.monotonic() - sent) * 1000


@pytest.mark.slow
@pytest.mark.audio
def test_a_spoken_pause_through_the_microphone_stops_the_practice_where_it_was(
    environment: Path, practice_file: np.ndarray, virtual_audio: VirtualAudio, korean_engine: VoskEngine, tmp_path: Path
) -> None:
    db = tmp_path / "kw.sqlite3"
    speaker = SoundDeviceSpeaker(RATE, AudioSettings())
    loop = text_loop(db, speaker, engine=korean_engine)
    assert loop.player is not None
    player = loop.player
    loop.launch()
    practice = loop.send_intent("StartPracticeIntent", {"practice": "soothing_breath", "minutes": 3})
    microphone = SoundDeviceMicrophone(AudioSettings())
    detector = korean_engine.command_detector(KOREAN_COMMANDS)
    recorder = virtual_audio.record_speaker()

    def say_pause() -> None:
        wait_for(lambda: player.events)
        time.sleep(1.0)
        quiet = np.zeros(3200, np.int16)
        virtual_audio.say_into_microphone(np.concatenate([quiet, recording("일시정지"), quiet, quiet, quiet]))

    talker = threading.Thread(target=say_pause)
    try:
        talker.start()
        chunks = microphone.chunks()
        command = loop.play_listening(practice, chunks, detector)
        assert command == "AMAZON.PauseIntent"
        assert not loop.in_session  # the Play ended the session; the command still reaches the skill
        reply = loop.respond_to_command(command)
        assert reply is not None and directive_types(reply) == ["AudioPlayer.Stop"]
        assert loop.play_listening(reply, chunks, detector) is None
        talker.join()
        time.sleep(0.3)
    finally:
        microphone.close()
        captured = recorder.stop().samples()
        speaker.close()
    (_, _), (kind, offset) = player.events
    assert kind == STOPPED and loop.conversation.player.activity == "STOPPED"
    saved = saved_audio(db)
    assert saved is not None and saved["offset"] == offset
    start, match = find(captured, practice_file[RATE // 2 : RATE])
    start -= RATE // 2
    last_loud = start + int(np.flatnonzero(np.abs(captured[start:].astype(np.int32)) >= 200)[-1])
    played = last_loud - start  # samples of the practice whose sound came out
    assert match > 0.98 and offset > 1000 and offset / 1000 > played / RATE - 0.25
    # The saved position may lie past the last sound heard only by quiet (a pause between words) or a
    # device buffer (0.25 s): the practice has no sound in between that should have been heard. (Comparing
    # with the last sound alone failed twice in full runs on 2 December, by 0.25 and 0.36 s.)
    unheard = practice_file[played + 1 : max(played + 1, round((offset / 1000 - 0.25) * RATE))]
    assert not (np.abs(unheard.astype(np.int32)) >= 200).any()
