"""The Alexa interaction model: generated from the templates, valid, and committed up to date."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skill.alexa_model import build_interaction_model, validate_model
from skill.alexa_package import build_manifest
from skill.language import default_language

from ..package_support import run_export
from ..unit.test_content import PRACTICE_IDS

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    return build_interaction_model()


def test_generated_model_is_valid(model: dict[str, Any]) -> None:
    assert validate_model(model, build_manifest()) == []


def test_committed_package_is_current(tmp_path: Path) -> None:
    result = run_export(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "skill.json" in result.stdout
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.json"))
    assert written == sorted(
        [Path("ask-resources.json"), Path("skill-package/skill.json")]
        + [
            Path(f"skill-package/interactionModels/custom/{loc}.json")
            for loc in ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
        ]
    )
    for relative in written:
        committed = ROOT / relative
        assert committed.exists(), f"{relative} is not committed; run `kindwell export-model .`"
        assert json.loads(committed.read_text()) == json.loads((tmp_path / relative).read_text()), (
            f"{relative} is stale; run `kindwell export-model .`"
        )


def test_model_shape(model: dict[str, Any]) -> None:
    language_model = model["interactionModel"]["languageModel"]
    assert language_model["invocationName"] == "kind well"
    intents = {i["name"]: i for i in language_model["intents"]}
    for name in (
        "StartPracticeIntent",
        "AffirmationIntent",
        "CheckInIntent",
        "ListPracticesIntent",
        "ProgressIntent",
        "CrisisSupportIntent",
    ):
        assert intents[name]["samples"], name
    for name in (
        "AMAZON.HelpIntent",
        "AMAZON.StopIntent",
        "AMAZON.CancelIntent",
        "AMAZON.PauseIntent",
        "AMAZON.ResumeIntent",
        "AMAZON.RepeatIntent",
        "AMAZON.NextIntent",
        "AMAZON.StartOverIntent",
        "AMAZON.YesIntent",
        "AMAZON.NoIntent",
        "AMAZON.FallbackIntent",
        "AMAZON.NavigateHomeIntent",
    ):
        assert name in intents
    assert {s["name"]: s["type"] for s in intents["StartPracticeIntent"]["slots"]} == {
        "practice": "PracticeType",
        "minutes": "AMAZON.NUMBER",
        "duration": "AMAZON.DURATION",
    }
    assert {s["name"]: s["type"] for s in intents["CheckInIntent"]["slots"]} == {"feeling": "AMAZON.SearchQuery"}
    practice_type = next(t for t in language_model["types"] if t["name"] == "PracticeType")
    assert {v["id"] for v in practice_type["values"]} == PRACTICE_IDS
    assert "metta" in next(v for v in practice_type["values"] if v["id"] == "loving_kindness")["name"]["synonyms"]


def test_a_template_gives_exactly_its_sentences() -> None:
    language = default_language()
    sentences = {s for s in language.expand("CheckInIntent", expand_lists=False) if "check in" in s and "{" not in s}
    assert sentences == {
        "i want to check in",
        "i'd like to check in",
        "check in",
        "check in with me",
        "can i check in",
        "can we check in",
        "could i check in",
        "could we check in",
        "let's do a check in",
        "let's have a check in",
        "let us do a check in",
        "let us have a check in",
    }


def _broken(model: dict[str, Any], change: Any) -> list[str]:
    broken = copy.deepcopy(model)
    change(broken["interactionModel"]["languageModel"])
    return validate_model(broken)


def _intent(lm: dict[str, Any], name: str) -> dict[str, Any]:
    return next(i for i in lm["intents"] if i["name"] == name)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda lm: lm.update(invocationName="kindwell"), "at least two words"),
        (lambda lm: lm.update(invocationName="alexa kind well"), "launch phrase, wake word"),
        (lambda lm: lm.update(invocationName="open kind well"), "launch phrase, wake word"),
        (lambda lm: lm.update(invocationName="Kind Well"), "lower-case"),
        (lambda lm: _intent(lm, "AffirmationIntent")["samples"].append("check in"), "appears in both"),
        (lambda lm: _intent(lm, "AffirmationIntent")["samples"].append("give me {mood}"), "does not define"),
        (lambda lm: _intent(lm, "CheckInIntent")["samples"].append("{feeling}"), "no carrier phrase"),
        (
            lambda lm: _intent(lm, "AffirmationIntent")["samples"].append("give me 5 affirmations"),
            "characters Alexa rejects",
        ),
        (lambda lm: _intent(lm, "AffirmationIntent")["samples"].append("give me 'one"), "apostrophe"),
        (
            lambda lm: lm.update(intents=[i for i in lm["intents"] if i["name"] != "AMAZON.StopIntent"]),
            "AMAZON.StopIntent",
        ),
        (
            lambda lm: lm.update(intents=[i for i in lm["intents"] if i["name"] != "AMAZON.NavigateHomeIntent"]),
            "NavigateHome",
        ),
        (
            lambda lm: _intent(lm, "StartPracticeIntent")["slots"].append({"name": "x", "type": "NoSuchType"}),
            "not defined",
        ),
        (lambda lm: lm["types"][0]["values"].append(copy.deepcopy(lm["types"][0]["values"][0])), "used twice"),
    ],
)
def test_validation_catches_what_ask_would_reject(model: dict[str, Any], change: Any, complaint: str) -> None:
    problems = _broken(model, change)
    assert any(complaint in p for p in problems), problems


def test_searchquery_mixed_with_another_slot_is_rejected(model: dict[str, Any]) -> None:
    def change(lm: dict[str, Any]) -> None:
        intent = _intent(lm, "CheckInIntent")
        intent["slots"].append({"name": "minutes", "type": "AMAZON.NUMBER"})
        intent["samples"].append("i feel {feeling} for {minutes} minutes")

    assert any("mixes a SearchQuery" in p for p in _broken(model, change))


def test_export_refuses_an_invalid_model(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    subprocess.run(["cp", "-r", str(ROOT / "prompts"), str(prompts)], check=True)
    alexa = prompts / "language" / "alexa.yaml"
    alexa.write_text(alexa.read_text().replace("invocation_name: kind well", "invocation_name: kindwell skill"))
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "export-model", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "KINDWELL_PROMPTS": str(prompts)},
    )
    assert result.returncode == 2
    assert result.stderr.startswith("kindwell: The interaction model is invalid: Invocation name")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "skill-package" / "skill.json").exists()
