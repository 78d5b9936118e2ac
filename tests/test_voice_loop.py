"""English behaviour of the offline runner, from transcripts through the whole loop:
matcher -> Alexa envelope -> the real skill (real SQLite) -> SSML renderer -> espeak-ng WAV.

No English Vosk model exists on this machine, so the recognizer's place is taken by transcripts;
everything after it is real.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import pytest
import soundfile

from local_runner.audio import WavFileSpeaker
from local_runner.grammar import template_grammar
from local_runner.loop import VoiceLoop, elicits_free_text
from local_runner.settings import LoopSettings
from skill.app import build_skill
from skill.envelopes import Conversation
from skill.nlu import Matcher
from skill.persistence import SQLitePersistenceAdapter
from tests.voice_support import zero_runs

GRAMMAR = template_grammar()
MATCHER = Matcher()


def make_loop(db: Path, replies: Path | None = None, require_wake: bool = True, renderer: Any = None) -> VoiceLoop:
    skill = build_skill(SQLitePersistenceAdapter(db), rng=random.Random(5))
    speaker = WavFileSpeaker(replies, 22050) if replies else None
    return VoiceLoop(
        Conversation(skill),
        MATCHER,
        GRAMMAR,
        renderer if replies else None,
        speaker,
        LoopSettings(require_wake=require_wake),
    )


def requests(loop: VoiceLoop) -> list[str]:
    return [r.request for r in loop.replies]


def test_a_spoken_session_end_to_end_with_exact_silences(tmp_path: Path, renderer: Any) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", tmp_path / "replies", renderer=renderer)
    for said in ("hey kind well", "give me an affirmation", "stop"):
        reply = loop.hear(said)
        assert reply is not None
        loop.speak(reply)
    assert requests(loop) == ["LaunchRequest", "AffirmationIntent", "AMAZON.StopIntent"]
    assert not loop.in_session
    speaker = loop.speaker
    assert isinstance(speaker, WavFileSpeaker) and len(speaker.written) == 3
    audio, rate = soundfile.read(speaker.written[1], dtype="int16")
    # The affirmation reply holds <break time="600ms"/> and <break time="2000ms"/>: exact silence.
    assert {round(rate * 0.6), round(rate * 2.0)} <= set(zero_runs(audio))


def test_wake_phrase_opens_a_session_and_an_ended_session_waits_again(tmp_path: Path) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3")
    assert loop.hear("give me an affirmation") is None  # no wake phrase: not for us
    assert loop.hear("kind well give me an affirmation") is not None  # "Alexa, ask KindWell for..."
    assert loop.in_session
    loop.hear("no thank you")
    assert not loop.in_session
    assert loop.hear("how am i doing") is None
    assert loop.hear("hey kindwell") is not None
    assert requests(loop) == ["AffirmationIntent", "AMAZON.NoIntent", "LaunchRequest"]


def test_session_attributes_carry_across_turns(tmp_path: Path) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.launch()
    loop.hear("i want to check in")
    loop.hear("i feel anxious")
    assert loop.conversation.attributes.get("awaiting") == "practice_offer"
    reply = loop.hear("yes")
    assert reply is not None and reply.request == "AMAZON.YesIntent"
    assert "soothing breath" in reply.text.lower()


def test_free_text_feeling_after_elicit_slot(tmp_path: Path) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.launch()
    ask = loop.hear("i want to check in")
    assert ask is not None and ask.free_text_next and loop.free_text_next
    assert elicits_free_text(loop.conversation.last_response or {})
    # Not a template sentence: the whole transcript goes to CheckInIntent as the feeling slot.
    reply = loop.hear("my manager shouted at me and now everything feels like too much")
    assert reply is not None and reply.request == "CheckInIntent"
    assert not loop.free_text_next
    assert "would you like" in reply.text.lower()


def test_a_crisis_in_a_feeling_answer_gets_the_crisis_reply(tmp_path: Path) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.launch()
    loop.hear("check in")
    reply = loop.hear("honestly i don't want to be alive anymore")
    assert reply is not None and reply.request == "CrisisSupportIntent"
    assert "988" in reply.ssml or "nine eight eight" in reply.text


@pytest.mark.parametrize(
    "said",
    ["i want to end my life", "everyone would be better off without me", "i have been cutting myself"],
)
def test_crisis_comes_first_even_without_a_wake_phrase(tmp_path: Path, said: str) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3")
    reply = loop.hear(said)
    assert reply is not None and reply.request == "CrisisSupportIntent"


def test_escape_commands_still_work_while_a_feeling_is_awaited(tmp_path: Path) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.launch()
    loop.hear("check in")
    reply = loop.hear("stop")
    assert reply is not None and reply.request == "AMAZON.StopIntent" and reply.session_ended


def test_snapped_transcripts_fill_slots_like_alexa(tmp_path: Path) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.launch()
    intent, slots = loop.understand("start a start a five minute soothing breath practice")
    assert (intent, slots) == ("StartPracticeIntent", {"practice": "soothing_breath", "minutes": 5})
    reply = loop.send_intent(intent, slots)
    assert reply.request == "StartPracticeIntent"
    assert loop.conversation.attributes["playing"]["practice"] == "soothing_breath"


def test_out_of_domain_speech_is_a_fallback(tmp_path: Path) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.launch()
    reply = loop.hear("what's the weather like")
    assert reply is not None and reply.request == "AMAZON.FallbackIntent"
    assert loop.in_session


def test_progress_persists_in_the_same_sqlite_store(tmp_path: Path) -> None:
    db = tmp_path / "kw.sqlite3"
    first = make_loop(db, require_wake=False)
    first.launch()
    first.hear("start a ten minute mindful pause")
    first.hear("stop")
    # A new runner (another day, another process) on the same file offers to resume.
    second = make_loop(db)
    welcome = second.hear("hey kind well")
    assert welcome is not None and second.conversation.attributes.get("awaiting") == "resume_offer"
    assert "mindful" in welcome.text.lower()


def test_goodbye_on_ctrl_c_saves_the_place(tmp_path: Path) -> None:
    db = tmp_path / "kw.sqlite3"
    loop = make_loop(db, require_wake=False)
    loop.launch()
    loop.hear("start a five minute loving kindness practice")
    reply = loop.goodbye()
    assert reply is not None and reply.request == "AMAZON.StopIntent" and reply.session_ended
    assert "saved your place" in reply.text
    assert loop.goodbye() is None  # nothing open any more


def test_nothing_the_user_said_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    loop = make_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.launch()
    loop.hear("check in")
    loop.hear("my sister zanzibarine ignored me")
    loop.hear("what's the zanzibarine weather")
    assert "zanzibarine" not in caplog.text
    assert b"zanzibarine" not in (tmp_path / "kw.sqlite3").read_bytes()


def test_text_mode_runs_a_typed_conversation(tmp_path: Path, renderer: Any) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", tmp_path / "replies", require_wake=False, renderer=renderer)
    loop.run_text(["give me an affirmation", "", "how am i doing", "goodbye"])
    assert requests(loop) == ["LaunchRequest", "AffirmationIntent", "ProgressIntent", "AMAZON.StopIntent"]
    assert isinstance(loop.speaker, WavFileSpeaker) and len(loop.speaker.written) == 4
