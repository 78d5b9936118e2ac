"""The content in prompts/: complete, well-formed, and within the limits the issue and Alexa set."""

from __future__ import annotations

import re

import pytest

from skill.content import PRACTICE_LENGTHS, PracticeScript, default_content
from skill.ssml import segment_practice

PRACTICE_IDS = {
    "mindfulness",
    "self_compassion_break",
    "reframing",
    "common_humanity",
    "acts_of_service",
    "soothing_breath",
    "loving_kindness",
    "wind_down",
}


def every_variant() -> list[PracticeScript]:
    """Every variant of every practice at every length it is offered at."""
    content = default_content()
    return [s for p in content.practices.values() for m in p.lengths for s in p.variants(m)]


def variant_id(script: PracticeScript) -> str:
    return f"{script.practice_id}-{script.minutes}-v{script.variant + 1}"


def silence_bounds(minutes: int) -> tuple[float, float]:
    """The share of silence README.md gives under "Writing content", by length."""
    return {3: (0.44, 0.60), 5: (0.44, 0.60), 10: (0.55, 0.70), 20: (0.60, 0.75)}[minutes]


def test_exactly_the_eight_practices() -> None:
    content = default_content()
    assert set(content.practices) == PRACTICE_IDS
    assert {p.lengths for p in content.practices.values() if p.id != "wind_down"} == {PRACTICE_LENGTHS}
    assert content.practice("wind_down").lengths == (3, 5, 10, 20)


@pytest.mark.parametrize("script", every_variant(), ids=variant_id)
def test_length_within_two_percent_and_room_to_breathe(script: PracticeScript) -> None:
    assert abs(script.total_seconds - script.minutes * 60) <= 0.02 * script.minutes * 60
    low, high = silence_bounds(script.minutes)
    assert low <= script.silence_share <= high


@pytest.mark.parametrize("script", every_variant(), ids=variant_id)
def test_segments_fit_alexa_limits_and_keep_every_step(script: PracticeScript) -> None:
    minutes = script.minutes
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
    assert {t.id for t in content.feelings} == {"threat", "sleepless", "self_critical", "lonely", "low"}
    assert {t.practice for t in content.feelings} <= PRACTICE_IDS
