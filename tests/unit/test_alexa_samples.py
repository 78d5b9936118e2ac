"""Sample utterances in the exported model: the common forms first, all grammatical, within the cap."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import inflect
import pytest
import yaml

from skill.alexa_samples import MAX_SAMPLES_PER_INTENT, articles_agree, select_samples, takes_an
from skill.errors import ContentError
from skill.language import default_language, load_language

from ..package_support import ROOT, ExportedPackage, export, run_export

RANKED = ROOT / "prompts" / "language" / "ranked_samples.yaml"
ARTICLE = re.compile(r"\b(a|an) (\S+)")
# Slot names in the export are the template lists' Alexa names; here they are the same words.
SLOT = re.compile(r"\{(\w+)\}")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> ExportedPackage:
    return export(tmp_path_factory.mktemp("export") / "pkg")


def test_the_most_common_forms_are_exported(package: ExportedPackage) -> None:
    intents = package.intents()
    start = set(intents["StartPracticeIntent"]["samples"])
    # The forms the random fill used to drop (issue 10).
    for form in ("start {practice}", "play {practice}", "a {minutes} minute {practice}", "help me relax"):
        assert form in start, form
    assert "i need to breathe" in start
    assert "an affirmation" in intents["AffirmationIntent"]["samples"]


def test_every_ranked_sample_is_exported_first_and_in_order(package: ExportedPackage) -> None:
    ranked = yaml.safe_load(RANKED.read_text())
    intents = package.intents()
    assert ranked, "the ranked list is empty"
    for intent_name, lines in ranked.items():
        samples = intents[intent_name]["samples"]
        assert samples[: len(lines)] == lines, intent_name


def test_no_exported_sample_has_a_or_an_before_the_wrong_word(package: ExportedPackage) -> None:
    # inflect's full rules for indefinite articles, independent of KindWell's own short rule.
    engine = inflect.engine()
    checked = 0
    for intent in package.intents().values():
        for sample in intent["samples"]:
            for article, word in ARTICLE.findall(sample):
                expected = "a" if word.startswith("{") else engine.a(word).split()[0]
                assert article == expected, f"{intent['name']}: {sample!r}"
                checked += 1
    assert checked > 100


def test_the_cap_is_respected_and_small_intents_export_every_grammatical_sentence(package: ExportedPackage) -> None:
    language = default_language()
    intents = package.intents()
    capped = 0
    for name in language.custom_intents:
        samples = intents[name]["samples"]
        assert len(samples) == len(set(samples)), name
        grammatical = {s for s in language.expand(name, expand_lists=False) if articles_agree(s)}
        exported = {SLOT.sub(lambda m: "{" + _list_of(m.group(1)) + "}", s) for s in samples}
        assert exported <= grammatical, name
        if len(grammatical) > MAX_SAMPLES_PER_INTENT:
            assert len(samples) == MAX_SAMPLES_PER_INTENT, name
            capped += 1
        else:
            assert exported == grammatical, name
    assert capped >= 2  # StartPracticeIntent and SupportSomeoneIntent have thousands of sentences


def _list_of(slot_name: str) -> str:
    return next(spec.list_name for spec in default_language().slots.values() if spec.slot_name == slot_name)


def test_every_template_contributes_when_the_cap_bites() -> None:
    language = default_language()
    samples = set(select_samples(language, "StartPracticeIntent"))
    for sentence in language.templates("StartPracticeIntent"):
        made = {s for s in language.expand_sentence(sentence) if articles_agree(s)}
        assert made & samples, sentence.text


def test_the_selection_is_the_same_every_time() -> None:
    language = default_language()
    first = select_samples(language, "SupportSomeoneIntent")
    assert first == select_samples(language, "SupportSomeoneIntent")


def test_the_article_rule_agrees_with_inflect_on_every_word_after_an_article() -> None:
    language = default_language()
    words = {
        word
        for name in (*language.custom_intents, *language.builtin_intents)
        for sentence in language.expand(name, expand_lists=False)
        for _, word in ARTICLE.findall(sentence)
        if not word.startswith("{")
    }
    words |= {word for phrase in language.slot_vocabulary() for _, word in ARTICLE.findall(phrase)}
    engine = inflect.engine()
    disagreements = [w for w in sorted(words) if takes_an(w) != (engine.a(w).split()[0] == "an")]
    assert disagreements == []
    assert {"affirmation", "little", "exercise", "hour", "meditation"} <= words


@pytest.mark.parametrize(
    ("sentence", "agrees"),
    [
        ("begin an little session", False),
        ("play a exercise", False),
        ("begin a little session", True),
        ("give me an affirmation", True),
        ("an hour of {practice}", True),
        ("a {minutes} minute {practice}", True),
        ("an {practice}", False),
    ],
)
def test_articles_agree(sentence: str, agrees: bool) -> None:
    assert articles_agree(sentence) is agrees


def _prompts_copy(tmp_path: Path) -> Path:
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    return prompts


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("start your {practice} now", "is not a sentence its templates in en.yaml make"),
        ("begin an little session", 'has "a" or "an" before the wrong word'),
        ("start {practice}", "is listed twice"),
    ],
)
def test_a_bad_ranked_line_stops_the_export_with_one_sentence(tmp_path: Path, line: str, complaint: str) -> None:
    prompts = _prompts_copy(tmp_path)
    ranked = prompts / "language" / "ranked_samples.yaml"
    ranked.write_text(ranked.read_text().replace("StartPracticeIntent:\n", f'StartPracticeIntent:\n  - "{line}"\n', 1))
    result = run_export(tmp_path / "out", env={"KINDWELL_PROMPTS": str(prompts)})
    assert result.returncode == 2
    assert complaint in result.stderr and "ranked_samples.yaml" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_intent_in_the_ranked_list_is_named(tmp_path: Path) -> None:
    prompts = _prompts_copy(tmp_path)
    ranked = prompts / "language" / "ranked_samples.yaml"
    ranked.write_text(ranked.read_text() + '\nSleepIntent:\n  - "help me sleep"\n')
    with pytest.raises(ContentError, match="'SleepIntent' is not an exported intent"):
        select_samples(load_language(prompts), "StartPracticeIntent", None)
