"""The hot-path shortcuts give exactly what the libraries they stand in for give."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

from skill.content import SAFE_LOADER, prompts_dir
from skill.linear_text_model import LinearTextModel
from skill.model_cache import ngram_pipeline
from skill.ngrams import NGRAM_FEATURES, NgramSpec
from skill.text import normalize

from ..unit.test_crisis import DATA

PROMPTS = prompts_dir()


def _texts() -> list[str]:
    data = yaml.safe_load((DATA / "crisis_final.yaml").read_text())
    phrases = [c["text"] for c in yaml.safe_load((DATA / "paraphrases.yaml").read_text())]
    return [normalize(t) for t in data["crisis"] + data["not_crisis"] + phrases + ["", "zzzz qqqq"]]


# Raw text the analyzers may meet when someone skips normalize(): case, runs of whitespace, accents.
ODD_TEXTS = ["", "a", "I", "  two  spaces\tand\ttabs\n", "It's DON'T \u2019curly\u2019", "Café naïve ÉTÉ", "x" * 40,
             "one-two_three 4 5", "ﬁne ǅ ß"]  # fmt: skip


@pytest.mark.parametrize("spec", NGRAM_FEATURES, ids=lambda spec: spec.analyzer)
def test_featuriser_gives_scikit_learns_ngrams(spec: NgramSpec) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    theirs = TfidfVectorizer(**spec.vectorizer_options()).build_analyzer()
    ours = spec.analyzer_function()
    for text in _texts() + ODD_TEXTS:
        assert ours(text) == theirs(text), text


# Its fixture trains every shipped model (the care network alone takes minutes on two cores).
@pytest.mark.timeout(1500)
@pytest.mark.parametrize("name", ["crisis", "nlu"])
def test_classifiers_match_scikit_learn(fresh_models: dict[str, LinearTextModel], name: str) -> None:
    model = fresh_models[name]
    texts = _texts() + ODD_TEXTS
    assert len(texts) >= 200
    ours = np.array([model.predict_proba(t) for t in texts])
    np.testing.assert_allclose(ours, model.pipeline.predict_proba(texts), rtol=0, atol=1e-9)
    assert model.classes == [str(c) for c in model.pipeline.classes_]


@pytest.mark.parametrize("labels", [["concern", "crisis", "none", "other"], ["no", "yes"]], ids=["four", "two"])
def test_any_string_labels_match_scikit_learn_through_a_weight_file(tmp_path: Path, labels: list[str]) -> None:
    texts = _texts()
    pipeline = ngram_pipeline().fit(texts, [labels[i % len(labels)] for i in range(len(texts))])
    model = LinearTextModel.from_pipeline(pipeline)
    assert model.classes == labels
    ours = np.array([model.predict_proba(t) for t in texts])
    np.testing.assert_allclose(ours, pipeline.predict_proba(texts), rtol=0, atol=1e-9)
    model.save(tmp_path / "model.npz")
    loaded = LinearTextModel.load(tmp_path / "model.npz")
    assert loaded.classes == labels and loaded.pipeline is None
    assert np.array_equal(np.array([loaded.predict_proba(t) for t in texts]), ours)
    model.save(tmp_path / "again.npz")
    assert (tmp_path / "again.npz").read_bytes() == (tmp_path / "model.npz").read_bytes()


@pytest.mark.parametrize("path", sorted(PROMPTS.rglob("*.yaml")), ids=lambda p: str(p.relative_to(PROMPTS)))
def test_libyaml_reads_every_content_file_like_pyyaml(path: Path) -> None:
    assert SAFE_LOADER is yaml.CSafeLoader
    text = path.read_text(encoding="utf-8")
    # repr, not ==: 1 == 1.0 == True, but a loader that changed a type would change what is said.
    assert repr(yaml.load(text, Loader=SAFE_LOADER)) == repr(yaml.safe_load(text))


@pytest.mark.parametrize("labels", [["concern", "crisis", "none", "other"], ["no", "yes"]], ids=["four", "two"])
def test_the_network_head_gives_scikit_learns_probabilities_through_a_weight_file(
    tmp_path: Path, labels: list[str]
) -> None:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from skill.embedding_head import EmbeddingHead, _balanced_weights

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(240, 384))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # Uneven classes, so the balancing weights matter.
    classes = [labels[min(len(labels) - 1, int(i**0.5) % len(labels))] for i in range(len(vectors))]
    head = EmbeddingHead.fit_network(vectors, classes, "model-x", units=16)
    theirs = MLPClassifier(hidden_layer_sizes=(16,), alpha=1e-3, batch_size=128, max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(vectors, classes, sample_weight=_balanced_weights(classes))
    head.save(tmp_path / "head.npz")
    loaded = EmbeddingHead.load(tmp_path / "head.npz")
    assert loaded.classes == labels == [str(c) for c in theirs.classes_] and loaded.feature_count == 384
    ours = np.array([loaded.predict_proba(v) for v in vectors])
    np.testing.assert_allclose(ours, theirs.predict_proba(vectors), rtol=0, atol=1e-9)
    head.save(tmp_path / "again.npz")
    assert (tmp_path / "again.npz").read_bytes() == (tmp_path / "head.npz").read_bytes()
