"""The wind-down: for lying down at night, started by asking for sleep, and fading out instead of waking you."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from skill.audio_catalog import AudioCatalog
from skill.content import default_content
from skill.nlu import Matcher

from ..conftest import FixtureDevice, text

CONTENT = default_content()
WIND_DOWN = CONTENT.practice("wind_down")
WAKING = re.compile(r"(?i)open your eyes|eyes open|come back to the room|lift your gaze|rest of your day")


def test_it_comes_in_four_lengths_and_fades() -> None:
    assert WIND_DOWN.lengths == (3, 5, 10, 20)
    assert WIND_DOWN.ending == "fade"
    for minutes in WIND_DOWN.lengths:
        for script in WIND_DOWN.variants(minutes):
            assert not [s.text for s in script.steps if WAKING.search(s.text)]
            volumes = [step.volume_db for step in script.steps]
            # Full voice until the closing, then quieter step by step.
            assert volumes[-1] <= -8 and volumes[-2] <= -3
            assert volumes[-1] < volumes[-2] < 0 == max(volumes[:-2])
    # Every other practice still ends with a return, never a fade.
    for practice in CONTENT.practices.values():
        if practice.id != "wind_down":
            assert practice.ending == "return"
            assert all(step.volume_db == 0 for m in practice.lengths for v in practice.variants(m) for step in v.steps)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(use_classifier=False)


@pytest.mark.parametrize(
    ("said", "minutes"),
    [
        ("help me fall asleep", None),
        ("wind down", None),
        ("sleep", None),
        ("help me sleep for twenty minutes", 20),
        ("start a ten minute wind down", 10),
        ("play a sleep meditation", None),
    ],
)
def test_asking_for_sleep_starts_it_instead_of_help(matcher: Matcher, said: str, minutes: int | None) -> None:
    result = matcher.match(said)
    assert (result.intent, result.slots.get("practice")) == ("StartPracticeIntent", "wind_down")
    assert result.slots.get("minutes") == minutes
    assert matcher.match("help me").intent == "AMAZON.HelpIntent"


def test_the_alexa_model_and_the_offline_grammar_know_it() -> None:
    import json
    from pathlib import Path

    from local_runner.grammar import template_grammar

    root = Path(__file__).parent.parent.parent
    model = json.loads((root / "skill-package/interactionModels/custom/en-US.json").read_text())
    (practice_type,) = [t for t in model["interactionModel"]["languageModel"]["types"] if t["name"] == "PracticeType"]
    (wind_down,) = [v for v in practice_type["values"] if v["id"] == "wind_down"]
    assert {"fall asleep", "sleep", "wind down"} <= {wind_down["name"]["value"], *wind_down["name"]["synonyms"]}
    (start,) = [i for i in model["interactionModel"]["languageModel"]["intents"] if i["name"] == "StartPracticeIntent"]
    assert "help me {practice}" in start["samples"]
    # Offline, Vosk hears the same: the sentence and the names are in its grammar.
    grammar = template_grammar()
    assert "help me {practice}" in grammar.sentences
    assert {"fall asleep", "sleep", "wind down", "bedtime"} <= set(grammar.values["practice"])
    assert {"help me", "fall asleep"} <= set(grammar.phrases)


def sleep_request(device: FixtureDevice, minutes: int | None) -> dict[str, Any]:
    slots = {"practice": "fall asleep", "minutes": None if minutes is None else str(minutes)}
    return device.send("start_practice_breath_10", slots=slots, resolved={"practice": "wind_down"})


def test_asked_for_without_a_length_it_offers_twenty_minutes_too(device: FixtureDevice) -> None:
    asked = sleep_request(device, None)
    assert "wind-down for three, five, ten or twenty minutes" in text(asked)
    started = device.send("start_practice_minutes_only", slots={"minutes": "20"})
    assert "Let's begin the wind-down, 20 minutes" in text(started)
    assert device.attributes["playing"]["minutes"] == 20


def test_a_long_request_is_not_cut_to_ten_minutes(device: FixtureDevice) -> None:
    assert "we'll do 20 minutes" in text(sleep_request(device, 25))


def test_it_ends_quietly_without_a_question(device: FixtureDevice, db_path: Any) -> None:
    from ..unit.test_skill_flows import stored

    response = sleep_request(device, 10)
    parts = [response]
    while device.attributes.get("awaiting") == "segment":
        # Between parts the prompt to go on is spoken softly.
        assert '<prosody volume="-6dB">' in response["response"]["outputSpeech"]["ssml"]
        response = device.send("amazon_next")
        parts.append(response)
    last = parts[-1]
    assert last["response"]["shouldEndSession"] is True
    assert "reprompt" not in last["response"] or not last["response"]["reprompt"]
    spoken = text(last)
    assert "?" not in spoken and "affirmation" not in spoken and not WAKING.search(spoken)
    ssml = last["response"]["outputSpeech"]["ssml"]
    assert ssml.removesuffix("</speak>").endswith("</prosody>") and 'volume="-9dB"' in ssml
    assert stored(db_path)["completed"] == 1


@pytest.mark.slow
def test_the_rendered_wind_down_fades_out(tmp_path: Any) -> None:
    from local_runner.render import PracticeRenderer

    catalog = AudioCatalog(CONTENT, tmp_path, None)
    renderer = PracticeRenderer(catalog)
    script = WIND_DOWN.script(3, 0)
    levels = []
    for index, piece in enumerate(renderer.pieces(script)):
        if index % 2 == 0:
            levels.append(20 * np.log10(np.sqrt(np.mean((piece.astype(np.float64) / 32768) ** 2))))
    assert len(levels) == len(script.steps)
    # The voice's level throughout, then 4 and 9 dB quieter for the last two steps.
    assert all(abs(level + 20) <= 1.5 for level in levels[:-2])
    assert abs(levels[-2] - (-24)) <= 1.5 and abs(levels[-1] - (-29)) <= 1.5
