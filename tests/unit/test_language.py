"""How KindWell speaks: affirmations the listener can say to themselves, varied framing, plain names."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from skill.content import default_content
from skill.nlu import Matcher

from ..conftest import FixtureDevice, text

CONTENT = default_content()
FIRST_PERSON = re.compile(r"\b(I|I'm|I've|me|my|myself)\b")
#: Names that are jargon when spoken (they stay accepted when a listener says them).
JARGON = re.compile(
    r"(?i)common humanity|acts? of service|practice on|reframing|reframe\b|self-compassion|self compassion"
    r"|threat system|metta"
)


def affirmation_in(response: dict[str, Any]) -> Any:
    """The affirmation a response spoke."""
    spoken = text(response)
    found = [a for a in CONTENT.affirmations if a.text in spoken]
    assert len(found) == 1, spoken
    return found[0]


def test_every_affirmation_in_the_first_person_is_marked_as_the_listeners_to_say() -> None:
    for affirmation in CONTENT.affirmations:
        assert bool(FIRST_PERSON.search(affirmation.text)) == affirmation.to_self, affirmation.id
    counts = Counter(a.to_self for a in CONTENT.affirmations)
    assert counts[True] >= 15 and counts[False] >= 40  # about a third rewritten to "you", the rest framed


def test_affirmations_are_framed_and_their_prefaces_vary(device: FixtureDevice) -> None:
    prefaces: Counter[str] = Counter()
    endings: Counter[str] = Counter()
    for _ in range(24):
        response = device.send("affirmation")
        affirmation = affirmation_in(response)
        before, after = text(response).split(affirmation.text)
        if affirmation.to_self:
            assert "saying" in before and "to yourself" in before, before
            assert "Try saying to yourself" in response["response"]["card"]["content"] or "yourself" in before
        else:
            assert "to yourself" not in before
        prefaces[before.strip()] += 1
        endings[after.strip()] += 1
    assert len(prefaces) >= 4
    assert len(endings) >= 2
    assert prefaces.most_common(1)[0][1] <= 12  # not "Here's one for you" every time


@pytest.mark.parametrize(
    ("feeling", "theme"),
    [
        ("really anxious about tomorrow", "rest_and_soothing"),
        ("so lonely since the move", "common_humanity"),
        ("like such a failure", "self_kindness"),
        ("flat and stuck", "growth_as_practice"),
    ],
)
def test_the_affirmation_after_a_check_in_follows_its_theme(device: FixtureDevice, feeling: str, theme: str) -> None:
    device.send("checkin_anxious", slots={"feeling": feeling})
    device.send("amazon_no")  # no to the practice: "an affirmation instead?"
    seen = [affirmation_in(device.send("amazon_yes"))]
    seen += [affirmation_in(device.send("affirmation")) for _ in range(3)]
    assert {a.theme for a in seen} == {theme}
    assert len({a.id for a in seen}) == 4  # the rotation still avoids repeats within the theme


def test_without_a_check_in_affirmations_come_from_every_theme(device: FixtureDevice) -> None:
    themes = {affirmation_in(device.send("affirmation")).theme for _ in range(16)}
    assert len(themes) >= 3


def test_a_themed_round_keeps_what_was_heard_from_the_others(device: FixtureDevice, db_path: Any) -> None:
    from ..unit.test_skill_flows import stored

    first = [affirmation_in(device.send("affirmation")).id for _ in range(5)]
    device.next_day()
    device.send("checkin_anxious", slots={"feeling": "so lonely since the move"})
    device.send("amazon_no")
    device.send("amazon_yes")
    heard = stored(db_path)["heard"]
    assert set(first) <= set(heard) and len(heard) == 6


def spoken_texts() -> list[str]:
    """Everything KindWell can say: responses, care replies, titles, and every step of every variant."""
    texts = [variant for key in CONTENT.responses.entries for variant in CONTENT.responses.variants(key)]
    texts += [p.title for p in CONTENT.practices.values()]
    texts += [s.text for p in CONTENT.practices.values() for m in p.lengths for v in p.variants(m) for s in v.steps]
    texts += [a.text for a in CONTENT.affirmations] + [s.text for s in CONTENT.care_breath]
    return texts


def test_nothing_spoken_names_a_practice_in_jargon() -> None:
    texts = spoken_texts()
    assert len(texts) > 500
    assert [t for t in texts if JARGON.search(t)] == []


def test_offers_and_lists_use_plain_names(device: FixtureDevice) -> None:
    replies = [device.send("list_practices")]
    for feeling in ("so lonely since the move", "flat and stuck", "like such a failure"):
        replies.append(device.send("checkin_anxious", slots={"feeling": feeling}))
        replies.append(device.send("amazon_repeat"))
    slots = {"minutes": None, "practice": "common humanity"}
    asked = device.send("start_practice_breath_10", slots=slots, resolved={"practice": "common_humanity"})
    assert "you're not alone practice for three, five or ten minutes" in text(asked)
    replies.append(asked)
    for reply in replies:
        assert not JARGON.search(text(reply)), text(reply)
        reprompt = reply["response"].get("reprompt")
        if reprompt:
            assert not JARGON.search(reprompt["outputSpeech"]["ssml"])
    assert "you're not alone" in text(replies[1]) and "kindness to others" in text(replies[3])


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(use_classifier=False)


@pytest.mark.parametrize(
    ("said", "practice"),
    [
        # The old names still work...
        ("start acts of service", "acts_of_service"),
        ("start a five minute common humanity practice", "common_humanity"),
        ("play the inner friend reframe", "reframing"),
        ("start the self compassion break", "self_compassion_break"),
        ("give me some reframing", "reframing"),
        # ...and so do the plain ones.
        ("start kindness to others", "acts_of_service"),
        ("start you're not alone for five minutes", "common_humanity"),
        ("play the kinder voice practice", "reframing"),
        ("start the kindness break", "self_compassion_break"),
    ],
)
def test_old_and_plain_names_both_start_the_practice(matcher: Matcher, said: str, practice: str) -> None:
    result = matcher.match(said)
    assert result.intent == "StartPracticeIntent"
    assert result.slots.get("practice") == practice
