"""Shipped classifier weights: current with prompts/, what training gives today, and served without scikit-learn."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from skill.cli import main
from skill.embedding_head import EmbeddingHead
from skill.embeddings import default_embedder
from skill.errors import ContentError
from skill.linear_text_model import LinearTextModel
from skill.model_cache import WEIGHTS_DIR, LazyModel, ngram_pipeline
from skill.safety import load_safety
from skill.training import shipped_models

from ..conftest import FIXTURES
from ..unit.test_fast_paths import ODD_TEXTS, _texts

ROOT = Path(__file__).resolve().parent.parent.parent
TINY_TEXTS = ["hello there", "hi friend", "good morning", "goodbye now", "see you later", "bye for now"]
TINY_LABELS = ["greet", "greet", "greet", "leave", "leave", "leave"]


def test_committed_weights_match_prompts() -> None:
    expected = {lazy.file_name for lazy in shipped_models()}
    committed = {path.name for path in WEIGHTS_DIR.glob("*.npz")}
    assert committed == expected, "skill/weights/ is stale; run `kindwell train` and commit skill/weights/"


#: Every shipped model, one test each (each trains its model; together they outlast one test's timeout).
MODELS = (
    "crisis",
    "care-embedding",
    "nlu",
    "nlu-embedding",
    "practice",
    "practice-embedding",
    "theme",
    "theme-embedding",
)


def test_every_shipped_model_is_checked_below() -> None:
    assert sorted(lazy.name for lazy in shipped_models()) == sorted(MODELS)


# Training the care network alone takes minutes on two busy cores.
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("name", MODELS)
def test_committed_weights_are_what_training_gives_today(fresh_models: dict[str, Any], name: str) -> None:
    texts = _texts() + ODD_TEXTS
    lazy = next(lazy for lazy in shipped_models() if lazy.name == name)
    fresh = fresh_models[name]
    if isinstance(fresh, EmbeddingHead):
        vectors = default_embedder().embed(texts)
        head = EmbeddingHead.load(WEIGHTS_DIR / lazy.file_name)
        assert head.classes == fresh.classes and head.model_id == fresh.model_id
        difference = max(np.abs(head.predict_proba(v) - fresh.predict_proba(v)).max() for v in vectors)
        assert difference < 1e-3, f"{name} trains differently now: bump its format, run `kindwell train`"
        return
    shipped = LinearTextModel.load(WEIGHTS_DIR / lazy.file_name)
    assert shipped.classes == fresh.classes
    for ours, theirs in zip(shipped.parts, fresh.parts, strict=True):
        assert ours.spec == theirs.spec and ours.vocabulary == theirs.vocabulary
    # Loose enough for another BLAS or scikit-learn release, tight enough for a change in how it is trained.
    difference = max(np.abs(shipped.predict_proba(t) - fresh.predict_proba(t)).max() for t in texts)
    assert difference < 1e-3, f"{name} trains differently now: bump its _MODEL_FORMAT, run `kindwell train`"


def tiny_model(source: Path, calls: list[int]) -> LazyModel:
    def train() -> Any:
        calls.append(1)
        return ngram_pipeline().fit(TINY_TEXTS, TINY_LABELS)

    return LazyModel("tiny", [source], 1, train)


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text("greet: [hello]\n")
    return path


def test_a_stale_model_trains_in_memory_once_says_so_and_is_cached(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("KINDWELL_CACHE", str(tmp_path / "cache"))
    caplog.set_level(logging.INFO, logger="skill.model_cache")
    calls: list[int] = []
    lazy = tiny_model(source, calls)
    assert not lazy.shipped and not lazy.loaded and calls == []
    model = lazy.get()
    assert lazy.get() is model and calls == [1]
    assert model.classes == ["greet", "leave"] and model.predict_proba("hello")[0] > 0.5
    assert [r.getMessage() for r in caplog.records] == ["Model tiny is stale; run `kindwell train`."]
    assert (tmp_path / "cache" / lazy.file_name).is_file()
    again = tiny_model(source, calls).get()
    assert calls == [1], "the user cache should have served the second process"
    assert again.classes == model.classes and np.array_equal(again.predict_proba("bye"), model.predict_proba("bye"))
    source.write_text("greet: [hello, hi]\n")
    assert tiny_model(source, calls).file_name != lazy.file_name


def test_a_stale_model_stays_in_memory_when_no_cache_is_writable(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("KINDWELL_CACHE", str(blocker / "cache"))  # as on Lambda, where only /tmp is writable
    calls: list[int] = []
    assert tiny_model(source, calls).get().classes == ["greet", "leave"]
    assert calls == [1] and blocker.read_text() == ""


def test_without_scikit_learn_current_weights_load_and_stale_ones_refuse_in_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as in a Lambda package: no scikit-learn at all
    monkeypatch.setenv("KINDWELL_CACHE", str(tmp_path / "cache"))
    policy = load_safety()
    assert policy.classifier is not None and policy.classifier.weights.shipped
    assert 0.0 <= policy.classifier.probability("i have sorted out who gets my dog") <= 1.0
    assert policy.classifier.weights.loaded
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    examples = prompts / "safety_examples.yaml"
    examples.write_text(examples.read_text() + "\n# a writer's note\n")
    with pytest.raises(ContentError) as raised:
        load_safety(prompts)
    message = str(raised.value)
    assert "crisis model" in message and "`kindwell train`" in message
    assert message.endswith(".") and "\n" not in message and message.count(". ") == 0


def test_kindwell_train_without_scikit_learn_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    result = CliRunner().invoke(main, ["train"])
    assert result.exit_code == 2
    assert "pip install 'kindwell[train]'" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_kindwell_train_retrains_only_what_is_stale_and_removes_the_rest(tmp_path: Path) -> None:
    models = {lazy.name: lazy.file_name for lazy in shipped_models()}
    folder = tmp_path / "weights"
    folder.mkdir()
    current = [name for name in models if name != "nlu"]
    for name in current:
        shutil.copy(WEIGHTS_DIR / models[name], folder)
    (folder / "nlu-0000000000000000.npz").write_bytes(b"old")
    result = CliRunner().invoke(main, ["train", "--weights", str(folder)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{folder / models['crisis']} (already current)"
    assert lines[1] == f"{folder / models['care-embedding']} (already current)"
    assert re.fullmatch(rf"{re.escape(str(folder / models['nlu']))} \(\d+ classes, \d+ features\)", lines[2])
    assert lines[3:-1] == [f"{folder / models[name]} (already current)" for name in current[2:]]
    assert lines[-1] == f"removed {folder / 'nlu-0000000000000000.npz'}"
    assert sorted(p.name for p in folder.iterdir()) == sorted(models.values())
    trained = LinearTextModel.load(folder / models["nlu"])
    committed = LinearTextModel.load(WEIGHTS_DIR / models["nlu"])
    assert trained.classes == committed.classes
    assert [p.vocabulary for p in trained.parts] == [p.vocabulary for p in committed.parts]
    again = CliRunner().invoke(main, ["train", "--weights", str(folder)])
    assert again.stdout.count("(already current)") == len(models) and "training" not in again.stderr


SERVING = """
import json, sys
from pathlib import Path

def envelope(name):
    return json.loads((Path(sys.argv[1]) / f"{name}.json").read_text())

def imported(*names):
    return sorted(n for n in names if n in sys.modules)

from skill.app import build_skill
from skill.envelopes import invoke, speech_of
skill = build_skill()
launch = speech_of(invoke(skill, envelope("launch")))
at_launch = imported("numpy", "hassil", "unicode_rbnf", "snowballstemmer", "sklearn", "scipy", "cryptography")
checkin = speech_of(invoke(skill, envelope("checkin_anxious")))
after_free_text = imported("numpy", "sklearn", "scipy")

from skill.web.lambda_function import lambda_handler
lambda_speech = speech_of(lambda_handler(envelope("launch"), None))
from skill.nlu import Matcher
understood = len(Matcher().classifier.model.classes)
from skill.settings import EndpointSettings
from skill.web import create_app
create_app(EndpointSettings(verify=False))
print(json.dumps({"launch": launch, "checkin": checkin, "lambda": lambda_speech, "understood": understood,
                  "at_launch": at_launch, "after_free_text": after_free_text, "end": imported("sklearn", "scipy")}))
"""


def test_serving_loads_nothing_heavy_at_launch_and_never_scikit_learn(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KINDWELL_", "XDG_"))}
    env.update(HOME=str(tmp_path), KINDWELL_CACHE=str(tmp_path / "cache"), KINDWELL_PERSISTENCE="sqlite",
               KINDWELL_DB=str(tmp_path / "progress.sqlite3"))  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", SERVING, str(FIXTURES)], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["launch"] and result["checkin"] and result["lambda"] and result["understood"]
    assert result["at_launch"] == []
    assert result["after_free_text"] == ["numpy"]
    assert result["end"] == []
    assert "stale" not in done.stderr
    assert not (tmp_path / "cache").exists(), "current weights should never need the user cache"
