"""The hot-path shortcuts give exactly what the libraries they stand in for give."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.nlu import Matcher
from skill.safety import default_safety
from skill.serializer import FastSerializer
from skill.text import normalize

from .conftest import FIXTURES
from .test_crisis import DATA


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


def test_crisis_classifier_matches_scikit_learn() -> None:
    classifier = default_safety().classifier
    assert classifier is not None
    texts = _texts()
    ours = np.array([classifier.model.predict_proba(t) for t in texts])
    assert np.allclose(ours, classifier.model.pipeline.predict_proba(texts), atol=1e-9)


def test_intent_classifier_matches_scikit_learn() -> None:
    model = Matcher().classifier.model
    texts = _texts()
    ours = np.array([model.predict_proba(t) for t in texts])
    assert np.allclose(ours, model.pipeline.predict_proba(texts), atol=1e-9)
    assert model.classes == [str(c) for c in model.pipeline.classes_]


def test_fast_serializer_fails_like_ask_sdk_on_nonsense() -> None:
    from ask_sdk_core.exceptions import SerializationException

    bad = json.loads((FIXTURES / "launch.json").read_text())
    bad["request"]["timestamp"] = "yesterday-ish"
    with pytest.raises(SerializationException):
        DefaultSerializer().deserialize(json.dumps(bad), RequestEnvelope)
    with pytest.raises(SerializationException):
        FastSerializer().deserialize_object(bad, RequestEnvelope)
