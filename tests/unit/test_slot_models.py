"""The practice and check-in theme classifiers (skill/slot_models.py), on the shipped weights, and the
practice phrasings they learn from (prompts/practice_phrasings.yaml).

The sentences below were written for this test, after the training files and apart from them (the
first test checks none of them is a training sentence), so they measure what was learnt, not recalled.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skill.checkin import practice_for_feeling
from skill.content import prompts_dir
from skill.errors import ContentError
from skill.nlu import Matcher
from skill.prompts import NO_PRACTICE, default_prompts, load_prompts
from skill.slot_models import PHRASING_WEIGHT, practice_training_data, theme_training_data
from skill.text import normalize

#: Requests that describe a practice by what it does, never by a name the templates accept.
DESCRIBED = {
    "mindfulness": [
        "something that helps me notice the sounds around me and my body on the chair",
        "i want to spend a few minutes aware of what is happening right now",
    ],
    "self_compassion_break": [
        "i'm going through a tough patch, help me offer myself some warmth",
        "the one where i'm gentle and caring towards myself because it hurts",
    ],
    "reframing": [
        "my head keeps saying i'm an idiot, help me answer it more kindly",
        "help me change the harsh things i think about myself",
    ],
    "common_humanity": [
        "remind me that lots of people struggle just like me",
        "the one about everybody having hard times, not just me",
    ],
    "acts_of_service": [
        "help me think of something nice i could do for my neighbour",
        "i'd like to focus on helping another person today",
    ],
    "soothing_breath": ["help me breathe slowly so my body calms down", "the slow steady breaths one"],
    "loving_kindness": [
        "the one where i wish my friends happiness and health",
        "i want to send kind wishes to everyone in the world",
    ],
    "wind_down": ["something to help me drift into sleep tonight", "i'm about to go to bed and want to relax"],
    NO_PRACTICE: ["can we do a guided session now", "i would like to meditate with you"],
}

#: Check-in answers whose theme is implied, not said in the theme's words.
IMPLIED = {
    "there's too much on my plate and i can't keep up": "threat",
    "my chest is tight thinking about the exam": "threat",
    "everyone else my age has it together and i'm behind": "self_critical",
    "i keep messing things up at work": "self_critical",
    "nobody invited me to the party": "lonely",
    "at lunch everyone at work sits together and i eat at my desk": "lonely",
    "i can't be bothered with anything today": "low",
    "everything feels grey and pointless": "low",
    "it's three in the morning and i'm still awake": "sleepless",
}


def test_the_examples_here_are_not_training_sentences() -> None:
    prompts = default_prompts()
    learnt = set(practice_training_data(prompts)[0]) | set(theme_training_data(prompts)[0])
    ours = [normalize(t) for texts in DESCRIBED.values() for t in texts] + [normalize(t) for t in IMPLIED]
    assert not learnt & set(ours)


@pytest.mark.parametrize(("practice", "text"), [(p, t) for p, texts in DESCRIBED.items() for t in texts])
def test_the_practice_classifier_hears_a_described_practice(practice: str, text: str) -> None:
    assert default_prompts().practice_classifier.predict(text)[0] == practice


def test_the_matcher_fills_a_described_practice_and_leaves_a_generic_request_without_one() -> None:
    matcher = Matcher()
    described = matcher.match("i'd like the one where i wish others well for five minutes")
    assert described.intent == "StartPracticeIntent" and described.source == "classifier"
    assert described.slots == {"practice": "loving_kindness", "minutes": 5}
    for generic in ("can we do a guided session now", "let's do a meditation"):
        result = matcher.match(generic)
        assert result.intent == "StartPracticeIntent" and "practice" not in result.slots, generic


def test_the_theme_classifier_reads_implied_feelings_the_cue_words_miss() -> None:
    prompts = default_prompts()
    learnt = [
        practice_for_feeling(t, prompts.content, prompts.theme_classifier)[0] == want for t, want in IMPLIED.items()
    ]
    words_only = [practice_for_feeling(t, prompts.content)[0] == want for t, want in IMPLIED.items()]
    # One of the nine was heard as lonely when it was written as self-critical (comparing oneself with others).
    assert sum(learnt) >= 8 and sum(words_only) <= 5


def test_clear_cue_words_still_decide_the_theme() -> None:
    prompts = default_prompts()
    assert practice_for_feeling("i can't sleep", prompts.content, prompts.theme_classifier) == (
        "sleepless",
        "wind_down",
    )
    assert (
        practice_for_feeling("i hate myself for that", prompts.content, prompts.theme_classifier)[0] == "self_critical"
    )


def test_the_phrasings_train_under_their_practice_with_their_weight() -> None:
    prompts = default_prompts()
    texts, labels, weights = practice_training_data(prompts)
    phrasings = prompts.practice_phrasings
    assert set(phrasings) == {*prompts.content.practices, NO_PRACTICE}
    assert all(len(items) >= 30 for items in phrasings.values())
    learnt = {(t, label): w for t, label, w in zip(texts, labels, weights, strict=True)}
    first = normalize(phrasings["wind_down"][0])
    assert learnt[(first, "wind_down")] == PHRASING_WEIGHT
    # The generic template sentences name no practice.
    names = {name for names in prompts.language.practice_synonyms().values() for name in names}
    generic = [t for t, label, w in zip(texts, labels, weights, strict=True) if label == NO_PRACTICE and w == 1.0]
    assert generic and not any(f" {name} " in f" {t} " for t in generic for name in names if len(name) > 6)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('mindful_walk:\n  - "a walk"\n', "'mindful_walk' is not a practice id; use one of acts_of_service"),
        ("wind_down: sleep please\n", "wind_down must be a list of phrasings"),
        ('none:\n  - ""\n', "none must be a list of phrasings"),
        ('- "a list, not a mapping"\n', "The file must be a mapping of practice ids"),
    ],
)
def test_a_malformed_phrasings_file_is_one_sentence_naming_it(tmp_path: Path, content: str, message: str) -> None:
    copied = tmp_path / "prompts"
    shutil.copytree(prompts_dir(), copied)
    path = copied / "practice_phrasings.yaml"
    path.write_text(content)
    with pytest.raises(ContentError, match=message) as raised:
        load_prompts(copied).check_all()
    text = str(raised.value)
    assert text.startswith(str(path)) and "\n" not in text and text.endswith(".")
