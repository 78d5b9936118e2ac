"""What the classifiers learn from besides the templates: prompts/language/paraphrases*.yaml, and the blind-written
examples, which must hold no held-out sentence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from skill.content import load_yaml, prompts_dir
from skill.errors import ContentError
from skill.language import PARAPHRASE_OUT_OF_DOMAIN, default_language, load_language
from skill.nlu import OUT_OF_DOMAIN, PARAPHRASE_WEIGHT, Matcher
from skill.prompts import load_paraphrases
from skill.text import normalize, parse_minutes

DATA = Path(__file__).parent.parent / "data"
#: Files written blind to tests/data/ and added as training data; none may hold a held-out sentence.
BLIND_TRAINING = (
    "language/paraphrases.yaml",
    "language/paraphrases_more.yaml",
    "language/paraphrases_round3.yaml",
    "practice_phrasings.yaml",
    "safety_examples_angles.yaml",
    "safety_examples_common.yaml",
    "safety_examples_signs.yaml",
    "safety_examples_signs2.yaml",
    "safety_examples_round4.yaml",
    "safety_examples_round5.yaml",
)


def _held_out_sentences() -> set[str]:
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.add(normalize(value))
        elif isinstance(value, dict):
            # A paraphrase case is {text, intent, slots}; the care sets are lists under labels.
            for item in [value["text"]] if "text" in value else value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in DATA.glob("*.yaml"):
        walk(yaml.safe_load(path.read_text()))
    return found


def test_paraphrases_are_labelled_with_real_intents_and_slots_the_matcher_can_fill() -> None:
    language = default_language()
    paraphrases = load_paraphrases(language, prompts_dir())
    intents = {*language.custom_intents, *language.builtin_intents}
    assert set(paraphrases) <= intents | {PARAPHRASE_OUT_OF_DOMAIN}
    assert {"StartPracticeIntent", "AMAZON.StopIntent", PARAPHRASE_OUT_OF_DOMAIN} <= set(paraphrases)
    assert not {"CrisisSupportIntent", "SupportSomeoneIntent", "HardTimeIntent"} & set(paraphrases)
    minutes = language.intents.slot_lists["minutes"]
    matcher = Matcher(use_classifier=False)
    for sentence in paraphrases["StartPracticeIntent"]:
        asked = parse_minutes(sentence)
        assert asked is None or minutes.start <= asked <= minutes.stop, sentence  # type: ignore[attr-defined]
    # Wherever a practice is named, the matcher's own cues find one of the seven.
    named = [s for s in paraphrases["StartPracticeIntent"] if matcher._loose_slots("StartPracticeIntent", s)]
    assert len(named) > 0.7 * len(paraphrases["StartPracticeIntent"])


def test_the_blind_written_training_files_hold_no_held_out_sentence() -> None:
    held_out = _held_out_sentences()
    for name in BLIND_TRAINING:
        data = load_yaml(prompts_dir() / name)
        sentences = {normalize(str(item)) for items in data.values() for item in items or []}
        assert len(sentences) > 100 and not sentences & held_out, name


def test_the_paraphrase_classifier_learns_the_paraphrases_under_their_intents() -> None:
    texts, labels, weights = Matcher()._training_data()
    learnt = {(text, label): weight for text, label, weight in zip(texts, labels, weights, strict=True)}
    assert learnt[("help me slow my breathing down", "StartPracticeIntent")] == PARAPHRASE_WEIGHT
    assert learnt[("scrap that", "AMAZON.CancelIntent")] == PARAPHRASE_WEIGHT
    assert learnt[("do i need an umbrella today", OUT_OF_DOMAIN)] == PARAPHRASE_WEIGHT
    # Every other sentence (filled templates, feelings, cues) counts once.
    assert set(weights) == {1.0, PARAPHRASE_WEIGHT} and weights.count(1.0) > 3000


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('AMAZON.DanceIntent:\n  - "dance with me"\n', "'AMAZON.DanceIntent' is not a key this file takes"),
        ('CrisisSupportIntent:\n  - "i am not ok"\n', "use prompts/safety_examples"),
        ("AMAZON.StopIntent: bye\n", "AMAZON.StopIntent must be a list of phrasings"),
        ('AMAZON.StopIntent:\n  - ""\n', "AMAZON.StopIntent must be a list of phrasings"),
    ],
)
def test_a_malformed_paraphrase_file_is_one_sentence_naming_it(tmp_path: Path, content: str, message: str) -> None:
    copied = tmp_path / "prompts"
    shutil.copytree(prompts_dir(), copied)
    path = copied / "language" / "paraphrases_new.yaml"
    path.write_text(content)  # any file the glob matches is read
    with pytest.raises(ContentError, match=message) as raised:
        load_paraphrases(load_language(copied), copied)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)
