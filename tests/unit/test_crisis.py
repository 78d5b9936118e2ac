"""Crisis safety: in every path the skill receives free text, first, with the locale's line."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.nlu import Matcher
from skill.safety import default_safety

from ..conftest import FixtureDevice, text

DATA = Path(__file__).parent.parent / "data"

#: Locale -> what the crisis reply must say, when nothing else tells where the person is.
LINES = {
    "en-US": "nine eight eight",
    "en-CA": "nine eight eight",
    "en-GB": "one one six, one two three",
    "en-AU": "thirteen eleven fourteen",
    "en-IN": "one four four one six",
}


@pytest.mark.parametrize(("locale", "spoken"), sorted(LINES.items()))
def test_crisis_intent_gives_the_locale_line_and_keeps_the_session_open(skill: Any, locale: str, spoken: str) -> None:
    device = FixtureDevice(skill, locale=locale)
    response = device.send("crisis_support")
    assert spoken in text(response)
    assert response["response"]["shouldEndSession"] is False
    assert "Let's begin" not in text(response)


def test_card_shows_the_number_written_out(skill: Any) -> None:
    response = FixtureDevice(skill, locale="en-AU").send("crisis_support")
    assert "13 11 14" in response["response"]["card"]["content"]
    assert "000" in response["response"]["card"]["content"]


def test_a_country_without_a_listed_line_hears_the_emergency_number_and_the_directory(skill: Any) -> None:
    spoken = text(FixtureDevice(skill, locale="fr-FR").send("crisis_support"))
    assert "your local emergency number" in spoken
    assert "find a helpline dot com" in spoken


def test_every_line_names_its_source_and_the_date_it_was_checked() -> None:
    lines = {**default_safety().lines, "default": default_safety().default_line}
    assert {"US", "CA", "GB", "IE", "AU", "NZ", "IN", "ZA"} <= set(lines)
    for line in lines.values():
        assert line.source.startswith("https://"), line
        assert line.checked >= "2026-12-01", line
        assert line.spoken and line.display and line.emergency and line.emergency_display


def test_crisis_in_a_check_in_comes_before_any_practice(
    device: FixtureDevice, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    device.send("launch")
    response = device.send("checkin_crisis")
    spoken = text(response)
    assert "nine eight eight" in spoken
    assert response["response"]["shouldEndSession"] is False
    assert "offer" not in device.attributes
    assert "end my life" not in caplog.text


def test_crisis_during_a_practice_stops_it(device: FixtureDevice) -> None:
    device.send("start_practice_breath_10")
    response = device.send("checkin_anxious", slots={"feeling": "i've been hurting myself again"})
    assert "nine eight eight" in text(response)
    assert "playing" not in device.attributes


def test_crisis_wins_over_every_other_intent_with_free_text(device: FixtureDevice) -> None:
    response = device.send("start_practice_unknown_practice", slots={"practice": "i want to kill myself"})
    assert "nine eight eight" in text(response)


def test_idioms_are_not_crises(device: FixtureDevice) -> None:
    response = device.send("checkin_anxious", slots={"feeling": "like this meditation is killing it"})
    assert "nine eight eight" not in text(response)


def test_the_matcher_flags_crisis_before_templates() -> None:
    result = Matcher(use_classifier=False).match("start a breathing practice, I want to die")
    assert result.intent == "CrisisSupportIntent" and result.crisis


def _rates(data: dict[str, list[str]]) -> tuple[float, float]:
    safety = default_safety()
    recall = sum(safety.is_crisis(t) for t in data["crisis"]) / len(data["crisis"])
    alarms = sum(safety.is_crisis(t) for t in data["not_crisis"]) / len(data["not_crisis"])
    return recall, alarms


def test_crisis_detection_on_the_held_out_set() -> None:
    """crisis_final.yaml was written blind and is never trained on (bench/nlu_accuracy.py prints it)."""
    recall, alarms = _rates(yaml.safe_load((DATA / "crisis_final.yaml").read_text()))
    assert recall >= 0.85, f"recall {recall:.1%}"
    assert alarms <= 0.10, f"false alarms {alarms:.1%}"


def test_crisis_detection_fits_its_training_examples() -> None:
    from skill.prompts import default_prompts
    from skill.safety_model import labelled_examples

    examples = labelled_examples(default_prompts())
    recall, alarms = _rates({"crisis": examples["crisis"], "not_crisis": examples["none"]})
    assert recall >= 0.95 and alarms <= 0.03


def test_everyday_requests_rarely_raise_a_false_alarm() -> None:
    cases = [
        c
        for name in ("paraphrases.yaml", "paraphrases_holdout.yaml")
        for c in yaml.safe_load((DATA / name).read_text())
    ]
    ordinary = [c["text"] for c in cases if c.get("intent") != "CrisisSupportIntent"]
    alarms = sum(default_safety().is_crisis(t) for t in ordinary) / len(ordinary)
    assert alarms <= 0.03, f"false alarms on everyday requests {alarms:.1%}"


def test_verdicts_are_remembered_only_for_the_skills_own_slot_values() -> None:
    from skill.safety import load_safety

    policy = load_safety()
    assert {"soothing breath", "10"} <= policy.vocabulary
    assert {word for word in policy.vocabulary if policy.is_crisis(word)} == set()
    assert policy.is_crisis("I don't want to be here anymore")
    assert policy.is_crisis("I feel a little tired") is False
    assert set(policy._verdicts) == set(policy.vocabulary)  # nothing the user said beyond our own words
