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
from local_runner.device import Conversation
from local_runner.grammar import template_grammar
from local_runner.loop import VoiceLoop, elicits_free_text
from local_runner.settings import LoopSettings
from skill.app import build_skill
from skill.care import CareTier
from skill.nlu import Matcher
from skill.persistence import SQLitePersistenceAdapter
from testkit.voice import zero_runs

GRAMMAR = template_grammar()
MATCHER = Matcher()


def make_loop(
    db: Path, replies: Path | None = None, require_wake: bool = True, renderer: Any = None, matcher: Matcher = MATCHER
) -> VoiceLoop:
    skill = build_skill(SQLitePersistenceAdapter(db), rng=random.Random(5))
    speaker = WavFileSpeaker(replies, 22050) if replies else None
    return VoiceLoop(
        Conversation(skill),
        matcher,
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
    reply = loop.hear("my manager shouted at me and now i'm all wound up")
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


# --- care: crisis, someone else at risk, concern -----------------------------------------------

CRISIS_LINE = "i want to end my life"
OTHER_LINE = "my friend says she wants to kill herself"
CONCERN_LINE = "i'm so tired of everything lately, nothing feels worth it"
#: The real care check's tiers for these lines.
TIERS = {CRISIS_LINE: CareTier.CRISIS, OTHER_LINE: CareTier.OTHER, CONCERN_LINE: CareTier.CONCERN}


def tiered_loop(db: Path, require_wake: bool = True) -> VoiceLoop:
    return make_loop(db, require_wake=require_wake)


def test_the_lines_have_the_tiers_the_tests_rely_on() -> None:
    assert {line: MATCHER.safety.care(line) for line in TIERS} == TIERS


def test_text_mode_sends_each_care_tier_as_its_intent(tmp_path: Path) -> None:
    loop = tiered_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.run_text([CRISIS_LINE, "give me an affirmation", OTHER_LINE, CONCERN_LINE])
    assert requests(loop) == [
        "LaunchRequest",
        "CrisisSupportIntent",
        "AffirmationIntent",
        "SupportSomeoneIntent",
        "HardTimeIntent",
    ]
    assert "988" in loop.replies[1].ssml


@pytest.mark.parametrize("line", TIERS)
def test_every_care_tier_comes_before_the_wake_phrase_and_in_a_feeling_answer(tmp_path: Path, line: str) -> None:
    waiting = tiered_loop(tmp_path / "waiting.sqlite3")
    reply = waiting.hear(f"hey kindwell {line}")
    assert reply is not None and reply.request == TIERS[line].intent
    asked = tiered_loop(tmp_path / "asked.sqlite3", require_wake=False)
    asked.launch()
    assert asked.hear("check in") is not None and asked.free_text_next
    reply = asked.hear(line)
    assert reply is not None and reply.request == TIERS[line].intent  # not sent as the feeling slot


def test_before_the_wake_phrase_only_a_life_at_risk_is_answered(tmp_path: Path) -> None:
    """A television's sad line is not spoken to KindWell; a crisis is answered whoever speaks."""
    for line, tier in TIERS.items():
        reply = tiered_loop(tmp_path / f"{tier.value}.sqlite3").hear(line)
        if tier.urgent:
            assert reply is not None and reply.request == tier.intent
        else:
            assert reply is None


@pytest.mark.parametrize(
    ("line", "without_care"),
    [
        ("i'm sitting in the garage with the engine running", None),
        ("i've saved up about sixty of my tablets, i've counted them", None),
        ("my brother keeps saying he wants to end his life", None),
        ("i feel hopeless and exhausted with life", "CheckInIntent"),
        ("give me an affirmation", "AffirmationIntent"),
    ],
)
def test_text_mode_sends_what_the_real_care_check_says(tmp_path: Path, line: str, without_care: str | None) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.run_text([line])
    tier = MATCHER.safety.care(line)
    # Whatever tier the real check gives (today crisis or nothing), its intent is what is sent.
    assert requests(loop)[-1] == (tier.intent if tier is not None else without_care)


def test_the_open_transcript_is_checked_for_care_before_the_grammar_command(tmp_path: Path) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.launch()
    # The grammar cannot write these words down and forces them onto "stop"; the open recognizer can.
    reply = loop.hear_both("stop", "i'm sitting in the garage with the engine running")
    assert reply is not None and reply.request == "CrisisSupportIntent" and loop.in_session
    reply = loop.hear_both("give me an affirmation", "give me an affirmation")
    assert reply is not None and reply.request == "AffirmationIntent"
    # With nothing for care in either, the grammar transcript is the command, as before.
    reply = loop.hear_both("how am i doing", "how am i doing today")
    assert reply is not None and reply.request == "ProgressIntent"
    assert loop.hear_both("", "what a lovely day") is None


def test_the_more_urgent_tier_of_the_two_transcripts_wins(tmp_path: Path) -> None:
    loop = tiered_loop(tmp_path / "kw.sqlite3")
    reply = loop.hear_both(CONCERN_LINE, OTHER_LINE)
    assert reply is not None and reply.request == "SupportSomeoneIntent"
    reply = loop.hear_both(CRISIS_LINE, CONCERN_LINE)
    assert reply is not None and reply.request == "CrisisSupportIntent"


def test_an_alarm_heard_after_the_session_ended_is_still_answered(tmp_path: Path) -> None:
    loop = make_loop(tmp_path / "kw.sqlite3", require_wake=False)
    loop.launch()
    loop.hear("stop")
    assert not loop.in_session
    assert loop.respond_to_command("AMAZON.PauseIntent") is None  # a command needs a session
    reply = loop.respond_to_command("CrisisSupportIntent")
    assert reply is not None and reply.request == "CrisisSupportIntent" and loop.in_session


def test_the_text_command_answers_crisis_language_first(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "voice", "--text", "--mute"],
        input=f"give me an affirmation\n{CRISIS_LINE}\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KINDWELL_DB": str(tmp_path / "kw.sqlite3")},
    )
    assert result.returncode == 0, result.stderr
    replies = [line for line in result.stdout.splitlines() if line.startswith("KindWell: ")]
    assert len(replies) == 3  # the welcome, the affirmation, the crisis reply
    assert "988" in replies[2] and "Suicide and Crisis Lifeline" in replies[2]
