"""The hot-path shortcuts give exactly what the libraries they stand in for give."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.content import SAFE_LOADER, prompts_dir
from skill.linear_text_model import LinearTextModel
from skill.model_cache import ngram_pipeline
from skill.ngrams import NGRAM_FEATURES, NgramSpec
from skill.serializer import FastSerializer
from skill.text import normalize

from .conftest import FIXTURES
from .test_crisis import DATA

PROMPTS = prompts_dir()


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_fast_serializer_reads_every_fixture_like_ask_sdk(path: Path) -> None:
    payload = path.read_text()
    assert FastSerializer().deserialize(payload, RequestEnvelope) == DefaultSerializer().deserialize(
        payload, RequestEnvelope
    )


def test_fast_serializer_keeps_the_instant_of_odd_timestamps() -> None:
    envelope = (FIXTURES / "launch.json").read_text().replace("2026-11-25T09:30:00Z", "2026-11-25T10:30:00+01:00")
    fast = FastSerializer().deserialize(envelope, RequestEnvelope)
    assert fast.request.timestamp == DefaultSerializer().deserialize(envelope, RequestEnvelope).request.timestamp


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


def test_fast_serializer_fails_like_ask_sdk_on_nonsense() -> None:
    from ask_sdk_core.exceptions import SerializationException

    bad = json.loads((FIXTURES / "launch.json").read_text())
    bad["request"]["timestamp"] = "yesterday-ish"
    with pytest.raises(SerializationException):
        DefaultSerializer().deserialize(json.dumps(bad), RequestEnvelope)
    with pytest.raises(SerializationException):
        FastSerializer().deserialize_object(bad, RequestEnvelope)


# JSON whose shape cannot be ask-sdk's model: ask-sdk would hand a handler the wrong JSON type, or a number
# that overflows later. Whether a well-shaped value makes sense is the typed state's judgement (test_state.py).
SHAPE_CASES = {
    "offset as an object": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), {"a": 1}),
    "offset as a list": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), [1]),
    "offset beyond 64 bits": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), 2**70),
    "offset infinite": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), math.inf),
    "slots as a string": ("start_practice_breath_10", ("request", "intent", "slots"), "practice"),
    "resolutions as a number": ("start_practice_breath_10", ("request", "intent", "slots", "practice", "resolutions"),
                                5),
    "timestamp as an object": ("launch", ("request", "timestamp"), {"a": 1}),
    "context as a list": ("launch", ("context", "System"), [1]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(SHAPE_CASES))
def test_the_serializer_refuses_values_of_the_wrong_shape(case: str) -> None:
    from ask_sdk_core.exceptions import SerializationException

    name, path, value = SHAPE_CASES[case]
    envelope = json.loads((FIXTURES / f"{name}.json").read_text())
    node = envelope
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(SerializationException):
        FastSerializer().deserialize_object(envelope, RequestEnvelope)


@pytest.mark.parametrize("stamp", ["2026-11-25T09:30:00+25:00", "0001-01-01T00:00:00-01:00"])
def test_the_serializer_reads_well_shaped_absurd_times_for_the_typed_state_to_judge(stamp: str) -> None:
    envelope = json.loads((FIXTURES / "launch.json").read_text())
    envelope["request"]["timestamp"] = stamp
    request = FastSerializer().deserialize_object(envelope, RequestEnvelope).request
    assert isinstance(request.timestamp, dt.datetime)


def test_an_unknown_key_cannot_replace_a_model_attribute() -> None:
    envelope = json.loads((FIXTURES / "launch.json").read_text())
    envelope["request"]["object_type"] = {"not": "a type"}
    envelope["request"]["extra"] = "kept"
    request = FastSerializer().deserialize_object(envelope, RequestEnvelope).request
    assert request.object_type == "LaunchRequest" and request.extra == "kept"
