"""The recognizer grammar compiled from the templates: vocabulary, the OOV check (safety examples
and alarm phrases included), snapping."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from local_runner.grammar import (
    CommandGrammar,
    abstract_values,
    fill_values,
    normalize_template,
    spoken_alarms,
    strip_unknown,
    template_grammar,
)
from local_runner.settings import RecognizerSettings
from skill.content import load_yaml, prompts_dir
from skill.errors import ContentError
from skill.language import PLACEHOLDER, default_language
from skill.prompts import load_prompts
from skill.text import normalize
from testkit.voice import phrasebook_grammar

MIN_SCORE = RecognizerSettings().snap_min_score


@pytest.fixture(scope="module")
def grammar() -> CommandGrammar:
    return template_grammar()


def test_every_template_word_is_in_the_grammar_vocabulary(grammar: CommandGrammar) -> None:
    language = default_language()
    sentences = {
        normalize_template(s) for name in language.intents.intents for s in language.expand(name, expand_lists=False)
    }
    assert sentences == set(grammar.sentences)
    template_words = {word for sentence in sentences for word in PLACEHOLDER.sub(" ", sentence).split()}
    list_words = {word for values in grammar.values.values() for value in values for word in value.split()}
    vocabulary = grammar.vocabulary()
    assert template_words <= vocabulary
    assert list_words <= vocabulary


def test_list_values_wake_phrases_and_crisis_examples_are_phrases(grammar: CommandGrammar) -> None:
    phrases = set(grammar.phrases)
    assert {"soothing breath", "loving kindness", "half an hour", "twenty five", "anxious"} <= phrases
    assert {"hey kind well", "kind well"} <= phrases
    assert "i want to kill myself" in phrases


def test_the_grammar_stays_small_enough_for_vosk(grammar: CommandGrammar) -> None:
    # Fully expanded, the templates make tens of millions of sentences; fragments keep it to thousands.
    assert 1000 < len(grammar.phrases) < 20000
    assert all("{" not in p for p in grammar.phrases)


def test_vocabulary_check_names_exactly_the_unknown_words(grammar: CommandGrammar) -> None:
    unknown = {"metta", "breathwork", "kindwell"}
    report = grammar.check(lambda word: word not in unknown)
    assert set(report.missing) == unknown & grammar.vocabulary()
    assert "metta" in report.summary()
    restricted = grammar.restricted_to(lambda word: word not in unknown)
    assert not any(set(p.split()) & unknown for p in restricted.phrases)
    assert "soothing breath" in restricted.phrases


def test_the_unknown_word_symbol_ends_the_vosk_grammar(grammar: CommandGrammar) -> None:
    assert grammar.vosk_phrases("[unk]")[-1] == "[unk]"
    assert "[unk]" not in grammar.vosk_phrases(None)


SNAPS = {
    # Vosk's grammar lets any sequence of phrases through: snapping finds the sentence meant.
    "start a start a five minute soothing breath practice": "start a five minute soothing breath practice",
    "start the minute mindfulness for ten minutes": "start the mindfulness for ten minutes",
    "how many days is is my streak": "how many days is my streak",
    "i feel really really lonely": "i feel really lonely",
    "[unk] stop [unk]": "stop",
    # Near nothing: left alone, for the matcher to call a fallback.
    "what's the weather like": "what's the weather like",
    "set a timer for five minutes": "set a timer for five minutes",
    "turn off the lights": "turn off the lights",
}


@pytest.mark.parametrize(("heard", "expected"), SNAPS.items())
def test_snapping_to_the_nearest_template_sentence(grammar: CommandGrammar, heard: str, expected: str) -> None:
    assert grammar.snap(heard, MIN_SCORE) == expected


def test_list_values_are_cut_out_and_put_back(grammar: CommandGrammar) -> None:
    abstract, heard = abstract_values("start a twenty five minute loving kindness practice", grammar.values)
    assert abstract == "start a {minutes} minute {practice} practice"
    assert heard == {"minutes": ["twenty five"], "practice": ["loving kindness"]}
    assert fill_values(abstract, heard) == "start a twenty five minute loving kindness practice"
    assert fill_values("{practice} for {minutes} minutes", {"practice": ["metta"]}) is None
    # "one" is a number only before minutes.
    assert abstract_values("next one", grammar.values)[0] == "next one"


def test_unknown_symbols_are_stripped() -> None:
    assert strip_unknown("[unk] give me <UNK> an affirmation <unk>") == "give me an affirmation"


def test_a_phrasebook_maps_heard_phrases_to_matcher_text() -> None:
    book = phrasebook_grammar({"안녕하세요": "hey kind well", "칭찬": "give me an affirmation"})
    assert set(book.phrases) == {"안녕하세요", "칭찬"}
    assert book.snap("칭찬", MIN_SCORE) == "give me an affirmation"
    assert book.vocabulary() == {"안녕하세요", "칭찬"}


# --- safety: the vocabulary check covers every safety example and alarm phrase -------------------


def test_every_safety_example_word_and_alarm_phrase_is_checked(grammar: CommandGrammar) -> None:
    root = prompts_dir()
    expected: set[str] = set()
    files = sorted(root.glob("safety_examples*.yaml"))
    assert len(files) >= 2
    for path in files:
        for key, items in load_yaml(path).items():
            assert isinstance(items, list), (path, key)
            expected.update(word for item in items for word in normalize(str(item)).split())
    alarms = [normalize(a) for a in load_yaml(root / "safety.yaml")["spoken_alarm"]]
    expected.update(word for alarm in alarms for word in alarm.split())
    report = grammar.check(lambda word: True)
    assert expected <= report.words
    assert expected <= grammar.safety_words
    # The spotter's grammar and the turn's grammar hold the alarm phrases themselves.
    assert set(grammar.alarms) == set(alarms) and set(alarms) <= set(grammar.phrases)
    assert {"kill myself", "suicide", "end my life", "want to die", "hurt myself", "self harm"} <= set(alarms)


def test_a_new_safety_example_word_is_named_by_the_check(tmp_path: Path, grammar: CommandGrammar) -> None:
    copied = tmp_path / "prompts"
    shutil.copytree(prompts_dir(), copied)
    # Any file the glob matches, any key: all of it is language the open recognizer must hear.
    (copied / "safety_examples_new.yaml").write_text("concern:\n  - i feel like such a snollygoster\n")
    safety = copied / "safety.yaml"
    safety.write_text(safety.read_text().replace("spoken_alarm:\n", "spoken_alarm:\n  - zonk myself\n"))
    known = grammar.check(lambda word: True).words  # every word the real prompts need: the model knows them
    report = template_grammar(load_prompts(copied)).check(lambda word: word in known)
    assert report.missing == ("snollygoster", "zonk")
    assert report.safety_missing == ("snollygoster", "zonk")
    assert "snollygoster, zonk" in report.summary() and "crisis language" in report.summary()
    assert "zonk myself" in spoken_alarms(load_prompts(copied))


def test_a_malformed_alarm_list_is_one_sentence_naming_the_file(tmp_path: Path) -> None:
    copied = tmp_path / "prompts"
    shutil.copytree(prompts_dir(), copied)
    safety = copied / "safety.yaml"
    safety.write_text(safety.read_text().replace("spoken_alarm:\n", "spoken_alarm: suicide\nunused:\n"))
    with pytest.raises(ContentError, match=r"safety\.yaml line \d+: spoken_alarm must be a list of phrases"):
        load_prompts(copied)


def test_nothing_kindwell_says_holds_an_alarm_phrase_but_a_crisis_lines_name(grammar: CommandGrammar) -> None:
    # Through a laptop's speakers the spotter hears KindWell too: no practice, affirmation or reply may
    # say an alarm phrase, or KindWell would interrupt itself with the crisis reply.
    root = prompts_dir()
    spoken = [*sorted((root / "practices").glob("*.yaml")), root / "affirmations.yaml", root / "responses.yaml"]
    spoken += [root / "checkin.yaml", root / "words.yaml", root / "practice_frames.yaml"]
    for path in spoken:
        text = f" {normalize(path.read_text())} "
        assert [alarm for alarm in grammar.alarms if f" {alarm} " in text] == [], path.name
    # The exception, which the spotter ignores while the reply that says it plays (test_voice_vosk).
    names = [line["name"] for line in load_yaml(root / "safety.yaml")["lines"].values()]
    assert any("suicide" in normalize(name).split() for name in names)
