"""The real audio path: PortAudio (sounddevice) through the ALSA pulse plugin into a PulseAudio null
sink (the speaker) and from a virtual source (the microphone), both made by the test.

The microphone hears Korean command words (the real Vosk Korean model, see test_voice_vosk.py);
the speaker's output is captured from the null sink's monitor and measured.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from local_runner.portaudio import SoundDeviceMicrophone, SoundDeviceSpeaker
from local_runner.recognizer import VoskEngine
from local_runner.settings import AudioSettings
from testkit.virtual_audio import VirtualAudio
from testkit.voice import KOREAN_COMMANDS, recording
from tests.integration.test_voice_vosk import korean_loop

pytestmark = [pytest.mark.slow, pytest.mark.audio]
#: The issue's limit: speech goes quiet within this long after the end of the word "stop".
STOP_LIMIT_S = 0.300


def silence(seconds: float, rate: int = 16000) -> np.ndarray:
    return np.zeros(int(rate * seconds), np.int16)


def test_a_reply_is_played_and_captured(virtual_audio: VirtualAudio, renderer: object) -> None:
    audio = renderer.render('<speak>Hello there. <break time="800ms"/> Take a slow breath.</speak>')  # type: ignore[attr-defined]
    speaker = SoundDeviceSpeaker(22050, AudioSettings())
    try:
        recorder = virtual_audio.record_speaker()
        time.sleep(0.3)
        speaker.play(audio)
        speaker.finish()
        assert speaker.wait(timeout=10)
        time.sleep(0.3)
        captured = recorder.stop()
    finally:
        speaker.close()
    first, last = captured.first_loud(), captured.last_loud()
    assert first is not None and last is not None
    heard_seconds = (last - first) / 22050
    played_seconds = audio.size / 22050
    assert abs(heard_seconds - played_seconds) < 0.1
    # The 800 ms break comes through as silence in the captured audio.
    quiet = np.abs(captured.samples()[first:last].astype(np.int32)) < 200
    longest = max(len(run) for run in "".join("1" if q else "0" for q in quiet).split("0"))
    assert 0.75 * 22050 < longest < 0.9 * 22050
    assert speaker.first_sample_at is not None


def test_the_microphone_hears_the_virtual_source(virtual_audio: VirtualAudio, korean_engine: VoskEngine) -> None:
    microphone = SoundDeviceMicrophone(AudioSettings())
    stream = korean_engine.command_stream()
    heard: list[str] = []
    try:
        time.sleep(0.2)
        virtual_audio.say_into_microphone(np.concatenate([silence(0.3), recording("칭찬"), silence(1.2)]))
        deadline = time.monotonic() + 6
        for chunk in microphone.chunks():
            if (utterance := stream.accept(chunk)) is not None:
                heard.append(utterance.text)
                break
            if time.monotonic() > deadline:
                break
    finally:
        microphone.close()
    assert heard == ["칭찬"]


def test_stop_during_playback_silences_within_the_limit(
    virtual_audio: VirtualAudio, korean_engine: VoskEngine, tmp_path: Path
) -> None:
    speaker = SoundDeviceSpeaker(22050, AudioSettings())
    loop = korean_loop(tmp_path, korean_engine, speaker, require_wake=False)
    loop.launch()
    practice = loop.send_intent("StartPracticeIntent", {"practice": "soothing_breath", "minutes": 10})
    microphone = SoundDeviceMicrophone(AudioSettings())
    detector = korean_engine.command_detector(KOREAN_COMMANDS)
    speaker_capture = virtual_audio.record_speaker()
    feed_capture = virtual_audio.record_microphone_feed()
    word = recording("정지")

    def say_stop() -> None:
        time.sleep(2.0)
        virtual_audio.say_into_microphone(np.concatenate([silence(0.2), word, silence(1.0)]))

    talker = threading.Thread(target=say_stop)
    try:
        talker.start()
        command = loop.play_listening(practice, microphone.chunks(), detector)
        talker.join()
        time.sleep(0.5)
    finally:
        microphone.close()
        spoken = speaker_capture.stop()
        fed = feed_capture.stop()
        speaker.close()
    assert command == "AMAZON.StopIntent"
    reply = loop.respond_to_command(command)
    assert reply is not None and reply.request == "AMAZON.StopIntent" and reply.session_ended
    word_start, word_end = fed.first_loud(), fed.last_loud()
    speech_start, speech_end = spoken.first_loud(), spoken.last_loud()
    assert None not in (word_start, word_end, speech_start, speech_end)
    assert spoken.time_of(speech_start) < fed.time_of(word_start)  # KindWell was speaking when "stop" came
    quiet_after = spoken.time_of(speech_end) - fed.time_of(word_end)
    assert loop.stopped_at is not None
    heard_after = loop.stopped_at - fed.time_of(word_end)
    print(
        f"speech went quiet {quiet_after * 1000:.0f} ms after the end of the stop word "
        f"(heard after {heard_after * 1000:.0f} ms, device drained {(quiet_after - heard_after) * 1000:.0f} ms later)"
    )
    assert quiet_after < STOP_LIMIT_S


def test_text_mode_speaks_through_the_speaker(virtual_audio: VirtualAudio, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    recorder = virtual_audio.record_speaker()
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "voice", "--text"],
        input="give me an affirmation\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KINDWELL_DB": str(tmp_path / "kw.sqlite3")},
    )
    time.sleep(0.3)
    captured = recorder.stop()
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("KindWell: ") == 2
    first, last = captured.first_loud(), captured.last_loud()
    assert first is not None and last is not None
    assert (last - first) / 22050 > 3.0  # the affirmation spoken aloud (the typed line cut the welcome short)
