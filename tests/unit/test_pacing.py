"""Pacing: room to rest in the long versions, fewer words, and no last part too short to be worth a "next"."""

from __future__ import annotations

import re

import pytest

from skill.content import PracticeScript, Step, default_content, estimate_speech_seconds
from skill.ssml import MIN_FINAL_SECONDS, segment_practice

from ..conftest import FixtureDevice, breaks_seconds, text

CONTENT = default_content()

#: Words spoken in each ten-minute practice before issue 10, measured with `kindwell practices` on
#: commit a063c5b (one script per practice then). The new variants are measured against these.
WORDS_BEFORE = {
    "acts_of_service": 568,
    "common_humanity": 576,
    "loving_kindness": 572,
    "mindfulness": 618,
    "reframing": 609,
    "self_compassion_break": 610,
    "soothing_breath": 604,
}


def ten_minute_variants() -> list[PracticeScript]:
    return [s for p in CONTENT.practices.values() if 10 in p.lengths for s in p.variants(10)]


def all_variants() -> list[PracticeScript]:
    return [s for p in CONTENT.practices.values() for m in p.lengths for s in p.variants(m)]


def name(script: PracticeScript) -> str:
    return f"{script.practice_id}-{script.minutes}-v{script.variant + 1}"


@pytest.mark.parametrize("script", ten_minute_variants(), ids=name)
def test_ten_minutes_hold_one_long_silence_then_one_gentle_return(script: PracticeScript) -> None:
    pauses = [step.pause_seconds for step in script.steps]
    long = [i for i, seconds in enumerate(pauses) if seconds >= 90]
    assert len(long) == 1, pauses
    (at,) = long
    assert 90 <= pauses[at] <= 120
    cue = script.steps[at + 1]
    # One short cue, then more practice: not a closing, not a speech.
    assert len(cue.text.split()) <= 14, cue.text
    assert at + 1 < len(script.steps) - 2
    assert not any(step.pause_seconds >= 90 for step in script.steps[at + 1 :])


@pytest.mark.parametrize("practice_id", sorted(WORDS_BEFORE))
def test_ten_minute_versions_speak_about_a_quarter_fewer_words(practice_id: str) -> None:
    variants = CONTENT.practice(practice_id).variants(10)
    before = WORDS_BEFORE[practice_id]
    for script in variants:
        assert script.words <= 0.82 * before, (script.variant, script.words, before)
    mean = sum(s.words for s in variants) / len(variants)
    assert 0.65 * before <= mean <= 0.80 * before


def test_the_new_wind_down_is_as_sparing_as_the_others() -> None:
    for script in CONTENT.practice("wind_down").variants(10):
        assert script.words <= 0.80 * sum(WORDS_BEFORE.values()) / len(WORDS_BEFORE)


@pytest.mark.parametrize("script", all_variants(), ids=name)
def test_no_last_part_is_shorter_than_a_minute(script: PracticeScript) -> None:
    segments = segment_practice(script)
    if len(segments) > 1:
        assert segments[-1].seconds >= MIN_FINAL_SECONDS
    assert all(segment.seconds <= 235 for segment in segments)


def _script(*seconds_of_silence: float, words: int = 14) -> PracticeScript:
    """A made-up practice: steps of `words` words (6 s) followed by the given silences."""
    return PracticeScript("test", 10, tuple(Step(" ".join(["calm"] * words), s) for s in seconds_of_silence))


def test_a_short_last_part_is_folded_into_the_one_before() -> None:
    # Greedy cutting at 200 s leaves a last part of about 26 s.
    script = _script(54, 54, 54, 54, 54, 54, 20, 0)
    greedy = segment_practice(script, max_seconds=200)
    assert len(greedy) == 2
    covered = [i for s in greedy for i in range(s.first_step, s.last_step + 1)]
    assert covered == list(range(len(script.steps)))
    assert greedy[-1].seconds >= MIN_FINAL_SECONDS


def test_when_folding_would_overrun_steps_move_into_the_last_part_instead() -> None:
    script = _script(54, 54, 54, 54, 54, 54, 54, 54, 54, 0)
    segments = segment_practice(script)
    assert [s.index for s in segments] == list(range(len(segments)))
    assert segments[-1].seconds >= MIN_FINAL_SECONDS
    assert all(s.seconds <= 235 for s in segments)
    assert sum(estimate_speech_seconds(st.text) + st.pause_seconds for st in script.steps[:-1]) + 6 == pytest.approx(
        sum(s.seconds for s in segments), abs=0.1
    )


def test_a_ten_minute_practice_without_audio_streaming_ends_with_a_real_last_part(device: FixtureDevice) -> None:
    response = device.send("start_practice_breath_10")
    parts = [response]
    while device.attributes.get("awaiting") == "segment":
        parts.append(device.send("amazon_next"))
    assert 3 <= len(parts) <= 4
    last = parts[-1]
    spoken = text(last).rsplit("That's the end", 1)[0].rsplit("You've finished", 1)[0]
    seconds = sum(breaks_seconds(last)) + estimate_speech_seconds(spoken)
    assert seconds >= MIN_FINAL_SECONDS
    assert max(breaks_seconds(parts[1]) + breaks_seconds(parts[2])) <= 10  # Alexa's longest break
    assert len(re.findall(r"(?i)thank you for|thanks for|well done", text(last))) <= 1
