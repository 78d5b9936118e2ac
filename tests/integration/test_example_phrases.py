"""The store's example phrases reach their intents in the exported model, as certification checks them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from unicode_rbnf import RbnfEngine

from skill.alexa_examples import LAUNCH, resolve, slot_pattern, utterances

from ..package_support import ROOT, ExportedPackage, export, run_export

ALEXA_YAML = ROOT / "prompts" / "language" / "alexa.yaml"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> ExportedPackage:
    return export(tmp_path_factory.mktemp("export") / "project")


def declared() -> dict[str, str]:
    """Example phrase -> the intent alexa.yaml says it reaches."""
    manifest = yaml.safe_load(ALEXA_YAML.read_text())["manifest"]
    return {entry["say"]: entry["intent"] for entry in manifest["example_phrases"]}


def test_every_example_phrase_reaches_its_intent_in_every_exported_locale(package: ExportedPackage) -> None:
    intents = declared()
    locales = package.manifest()["manifest"]["publishingInformation"]["locales"]
    assert len(locales) == 5
    for locale, listing in locales.items():
        assert listing["examplePhrases"] == list(intents)
        model = package.model(locale)
        for phrase in listing["examplePhrases"]:
            assert resolve(phrase, model) == [intents[phrase]], (locale, phrase)
    assert LAUNCH in intents.values()  # one phrase shows how to open the skill
    assert len(set(intents.values())) == len(intents)  # each phrase shows something different


def test_each_example_utterance_is_a_sample_with_its_slots_filled(package: ExportedPackage) -> None:
    # Spelled out for the phrases shipped today, independently of resolve(): the utterance after the
    # carrier is one exported sample with the slot values from the exported slot types.
    model = package.model()
    language_model = model["interactionModel"]["languageModel"]
    samples = {i["name"]: set(i["samples"]) for i in language_model["intents"]}
    practice = next(t for t in language_model["types"] if t["name"] == "PracticeType")
    breath = next(v for v in practice["values"] if v["id"] == "soothing_breath")
    assert breath["name"]["value"] == "soothing breath"
    assert "a {minutes} minute {practice}" in samples["StartPracticeIntent"]  # {minutes}: five
    assert "an affirmation" in samples["AffirmationIntent"]
    assert utterances("Alexa, ask kind well for a five minute soothing breath", "kind well")[0] == (
        "a five minute soothing breath"
    )


def test_the_offline_matcher_hears_each_example_the_same_way(package: ExportedPackage) -> None:
    phrases = [(p, i) for p, i in declared().items() if i != LAUNCH]
    lines = [utterances(p, "kind well")[0] for p, _ in phrases]
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "nlu", "--templates-only"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    heard = [json.loads(line) for line in result.stdout.splitlines()]
    assert [h["intent"] for h in heard] == [i for _, i in phrases]
    breath = next(h for h in heard if h["intent"] == "StartPracticeIntent")
    assert breath["slots"] == {"minutes": 5, "practice": "soothing_breath"}


@pytest.mark.parametrize(
    ("phrase", "readings"),
    [
        ("Alexa, open kind well", [""]),
        ("Alexa, start kind well.", [""]),
        ("Alexa, ask kind well for an affirmation", ["an affirmation", "for an affirmation"]),
        ("Alexa, tell kind well to play metta", ["play metta", "to play metta"]),
        ("Alexa, ask kind well how am I doing?", ["how am i doing"]),
        ("Alexa, open kind well and encourage me", ["encourage me"]),
        ("Alexa, play metta using kind well", ["play metta"]),
        ("Alexa, ask calm well for an affirmation", []),
        ("ask kind well for an affirmation", []),
    ],
)
def test_the_carrier_is_taken_off_as_alexa_does(phrase: str, readings: list[str]) -> None:
    assert utterances(phrase, "kind well") == readings


def test_spoken_numbers_fill_a_number_slot() -> None:
    number = re.compile(slot_pattern("AMAZON.NUMBER", {}))
    engine = RbnfEngine.for_language("en")
    for n in range(1000):
        spoken = engine.format_number(n).text.replace("-", " ")
        assert number.fullmatch(spoken), spoken
    for not_a_number in ("soothing", "twenty twenty", "five minute", "a", ""):
        assert number.fullmatch(not_a_number) is None, not_a_number


def _with_phrases(tmp_path: Path, entries: str) -> dict[str, str]:
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    alexa = prompts / "language" / "alexa.yaml"
    text = alexa.read_text()
    start = text.index("  example_phrases:\n")
    end = text.index("  keywords:")
    alexa.write_text(text[:start] + "  example_phrases:\n" + entries + text[end:])
    return {"KINDWELL_PROMPTS": str(prompts)}


@pytest.mark.parametrize(
    ("entries", "complaint"),
    [
        (
            '    - {say: "Alexa, ask kind well for a cup of tea", intent: AffirmationIntent}\n',
            "should reach AffirmationIntent, but it matches no sample utterance",
        ),
        (
            '    - {say: "Alexa, ask kind well for an affirmation", intent: StartPracticeIntent}\n',
            "should reach StartPracticeIntent, but it reaches AffirmationIntent",
        ),
        ('    - {say: "open kind well", intent: LaunchRequest}\n', "must start with 'Alexa,'"),
        ('    - "Alexa, open kind well"\n', "needs `say` (the words) and `intent`"),
        ('    - {say: "Alexa, open kind well", intent: LaunchRequest}\n' * 4, "1 to 3 example phrases"),
    ],
)
def test_an_example_phrase_that_would_fail_certification_stops_the_export(
    tmp_path: Path, entries: str, complaint: str
) -> None:
    result = run_export(tmp_path / "out", env=_with_phrases(tmp_path, entries))
    assert result.returncode == 2, result.stdout
    assert complaint in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
