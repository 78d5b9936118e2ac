"""The content in prompts/: complete, well-formed, and within the limits the issue and Alexa set."""

from __future__ import annotations

import re

import pytest

from skill.content import PRACTICE_LENGTHS, default_content
from skill.ssml import segment_practice

PRACTICE_IDS = {
    "mindfulness",
    "self_compassion_break",
    "reframing",
    "common_humanity",
    "acts_of_service",
    "soothing_breath",
    "loving_kindness",
}


def test_exactly_the_seven_practices() -> None:
    assert set(default_content().practices) == PRACTICE_IDS


@pytest.mark.parametrize("practice_id", sorted(PRACTICE_IDS))
@pytest.mark.parametrize("minutes", PRACTICE_LENGTHS)
def test_length_within_two_percent_and_room_to_breathe(practice_id: str, minutes: int) -> None:
    # The figures README.md gives under "Writing content".
    script = default_content().practice(practice_id).script(minutes)
    assert abs(script.total_seconds - minutes * 60) <= 0.02 * minutes * 60
    assert 0.44 <= script.silence_share <= 0.60


@pytest.mark.parametrize("practice_id", sorted(PRACTICE_IDS))
@pytest.mark.parametrize("minutes", PRACTICE_LENGTHS)
def test_segments_fit_alexa_limits_and_keep_every_step(practice_id: str, minutes: int) -> None:
    script = default_content().practice(practice_id).script(minutes)
    segments = segment_practice(script)
    assert [s.index for s in segments] == list(range(len(segments)))
    covered = [i for s in segments for i in range(s.first_step, s.last_step + 1)]
    assert covered == list(range(len(script.steps)))
    for segment in segments:
        assert segment.seconds <= 235
        assert len(segment.ssml_body) < 7500
        breaks = [int(ms) for ms in re.findall(r'time="(\d+)ms"', segment.ssml_body)]
        assert all(0 < ms <= 10_000 for ms in breaks)
    if minutes == 10:
        assert len(segments) >= 3


def test_affirmations_cover_four_themes_with_unique_ids() -> None:
    affirmations = default_content().affirmations
    assert len(affirmations) >= 60
    assert {a.theme for a in affirmations} == {
        "self_kindness",
        "common_humanity",
        "growth_as_practice",
        "rest_and_soothing",
    }
    assert len({a.id for a in affirmations}) == len(affirmations)
    assert len({a.text for a in affirmations}) == len(affirmations)


def test_no_toxic_positivity_phrases() -> None:
    banned = ("everything happens for a reason", "just be happy", "good vibes only", "think positive")
    texts = [a.text.lower() for a in default_content().affirmations]
    assert not [t for t in texts if any(b in t for b in banned)]


def test_every_feeling_theme_offers_a_real_practice() -> None:
    content = default_content()
    assert {t.id for t in content.feelings} == {"threat", "self_critical", "lonely", "low"}
    assert {t.practice for t in content.feelings} <= PRACTICE_IDS
