"""The offline matcher and `kindwell nlu`: templates exactly, paraphrases measured on blind sets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from skill.nlu import Matcher

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher()


def test_kindwell_nlu_reads_lines_and_writes_json_lines() -> None:
    lines = (
        "start a ten minute loving kindness\n\nI want to die\nmy son says he wants to end his life\n"
        "nothing matters anymore\ni'm done trying\nwhat's the weather like\ni feel so anxious\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "nlu"], input=lines, capture_output=True, text=True, check=True
    )
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out == [
        {
            "text": "start a ten minute loving kindness",
            "intent": "StartPracticeIntent",
            "slots": {"practice": "loving_kindness", "minutes": 10},
            "crisis": False,
            "care": None,
        },
        {"text": "I want to die", "intent": "CrisisSupportIntent", "slots": {}, "crisis": True, "care": "crisis"},
        {
            "text": "my son says he wants to end his life",
            "intent": "SupportSomeoneIntent",
            "slots": {},
            "crisis": True,
            "care": "other",
        },
        {
            "text": "nothing matters anymore",
            "intent": "HardTimeIntent",
            "slots": {},
            "crisis": False,
            "care": "concern",
        },
        {"text": "i'm done trying", "intent": "HardTimeIntent", "slots": {}, "crisis": False, "care": "concern"},
        {"text": "what's the weather like", "intent": None, "slots": {}, "crisis": False, "care": None},
        {
            "text": "i feel so anxious",
            "intent": "CheckInIntent",
            "slots": {"feeling": "anxious"},
            "crisis": False,
            "care": None,
        },
    ]


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("start a five minute soothing breath", "StartPracticeIntent", {"practice": "soothing_breath", "minutes": 5}),
        (
            "Alexa, begin the loving kindness meditation for 10 minutes please",
            "StartPracticeIntent",
            {"practice": "loving_kindness", "minutes": 10},
        ),
        ("guide me through the inner critic practice", "StartPracticeIntent", {"practice": "reframing"}),
        ("half an hour of mindfulness", "StartPracticeIntent", {"practice": "mindfulness", "minutes": 30}),
        ("give me an affirmation", "AffirmationIntent", {}),
        ("what practices do you have", "ListPracticesIntent", {}),
        ("how am i doing", "ProgressIntent", {}),
        ("next", "AMAZON.NextIntent", {}),
        ("pause", "AMAZON.PauseIntent", {}),
        ("carry on", "AMAZON.ResumeIntent", {}),
        ("start over", "AMAZON.StartOverIntent", {}),
        ("yes please", "AMAZON.YesIntent", {}),
        ("no thanks", "AMAZON.NoIntent", {}),
        ("go home", "AMAZON.NavigateHomeIntent", {}),
        ("say that again", "AMAZON.RepeatIntent", {}),
        ("goodbye", "AMAZON.StopIntent", {}),
        ("never mind", "AMAZON.CancelIntent", {}),
        ("help", "AMAZON.HelpIntent", {}),
    ],
)
def test_templates_match_exactly(matcher: Matcher, text: str, intent: str, slots: dict[str, object]) -> None:
    result = matcher.match(text)
    assert (result.intent, result.slots, result.source) == (intent, slots, "template")


def test_free_text_feeling_is_captured_whole(matcher: Matcher) -> None:
    result = matcher.match("I've been feeling like nothing I do is good enough")
    assert result.intent == "CheckInIntent"
    assert result.slots == {"feeling": "like nothing i do is good enough"}


def test_paraphrase_accuracy_on_blind_sets(matcher: Matcher) -> None:
    """Written blind to the templates; bench/nlu_accuracy.py prints the per-intent breakdown."""
    from testkit.paraphrases import is_correct

    for name, floor in (("paraphrases.yaml", 0.80), ("paraphrases_holdout.yaml", 0.75)):
        cases = yaml.safe_load((DATA / name).read_text())
        accuracy = sum(is_correct(c, matcher.match(c["text"])) for c in cases) / len(cases)
        assert accuracy >= floor, f"{name}: {accuracy:.1%}"


def test_out_of_domain_requests_are_rejected(matcher: Matcher) -> None:
    for text in ("set a timer for ten minutes", "play some jazz", "order a pizza"):
        assert matcher.match(text).intent is None, text


def test_empty_and_punctuation_only_input(matcher: Matcher) -> None:
    assert matcher.match("").intent is None
    assert matcher.match("?!...").intent is None
