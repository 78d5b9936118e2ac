"""The sentence embedder (real int8 MiniLM on onnxruntime) and nearest-example voting over it."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from skill.embeddings import DIMENSION, SentenceEmbedder, default_embedder
from skill.errors import ModelUnavailableError
from skill.knn import NearestExamples

TEXTS = [
    "i want to do a breathing exercise",
    "let's practise breathing",
    "what's the weather",
    "i've sorted out who gets my dog",
    "tell me something kind about myself, i have had a really long and difficult week at work",
]


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbedder:
    return default_embedder()


def test_unit_vectors_of_model_size(embedder: SentenceEmbedder) -> None:
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), DIMENSION)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, DIMENSION)


def test_paraphrases_are_closer_than_unrelated_sentences(embedder: SentenceEmbedder) -> None:
    exercise, practise, weather = embedder.embed(TEXTS[:3])
    assert exercise @ practise > exercise @ weather + 0.3


def test_no_padding(embedder: SentenceEmbedder) -> None:
    assert embedder.token_ids("breathe") == [101, 7200, 102]
    alone = embedder.embed([TEXTS[1]])[0]
    in_batch = embedder.embed([TEXTS[1], TEXTS[4]])[0]
    np.testing.assert_allclose(in_batch, alone, atol=1e-5)
    np.testing.assert_allclose(embedder.embed_one(TEXTS[1]), alone, atol=1e-5)


def test_concurrent_first_use_gives_the_serial_vectors() -> None:
    serial = default_embedder().embed(TEXTS)
    fresh = SentenceEmbedder()  # not loaded yet: the threads race to load it
    start = threading.Barrier(8)
    results: dict[int, np.ndarray] = {}

    def work(worker: int) -> None:
        start.wait()
        for _ in range(2):
            results[worker] = np.stack([fresh.embed_one(text) for text in TEXTS[worker % 2 :] + TEXTS[: worker % 2]])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    for worker, vectors in results.items():
        rolled = np.roll(serial, -(worker % 2), axis=0)
        np.testing.assert_allclose(vectors, rolled, atol=1e-6)


def test_checksum_mismatch_is_one_clear_sentence(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    broken = SentenceEmbedder(fake, "0" * 64)
    with pytest.raises(ModelUnavailableError, match="does not match its published sha256; reinstall"):
        broken.embed(["hello"])


def test_nearest_examples_vote_and_neighbours(embedder: SentenceEmbedder) -> None:
    index = NearestExamples.build(
        ["breathe with me", "a breathing practice please", "stop", "that's enough, stop", "i feel sad"],
        ["start", "start", "stop", "stop", "checkin"],
        embedder,
    )
    label, score = index.vote("let's do some slow breathing", k=2)
    assert label == "start"
    assert 0.0 < score <= 1.0
    neighbours = index.neighbours("stop", k=10)
    assert len(neighbours) == 5
    assert neighbours[0].text == "stop"
    assert neighbours[0].similarity == pytest.approx(1.0, abs=1e-5)
    assert [n.similarity for n in neighbours] == sorted((n.similarity for n in neighbours), reverse=True)


def test_nearest_examples_save_load_round_trip(embedder: SentenceEmbedder, tmp_path: Path) -> None:
    labels = ["practice", "practice", "other", "crisis", "affirmation"]
    index = NearestExamples.build(TEXTS, labels, embedder)
    path = tmp_path / "index.npz"
    index.save(path)
    loaded = NearestExamples.load(path, embedder)
    assert loaded.labels == index.labels
    assert loaded.texts == index.texts
    assert loaded.model_id == embedder.model_id
    np.testing.assert_allclose(loaded.vectors, index.vectors, atol=2e-3)
    for text in ("a calm breathing exercise", "who gets my dog when i am gone", "is it raining"):
        assert loaded.vote(text, k=1)[0] == index.vote(text, k=1)[0]
        assert loaded.vote(text, k=3)[1] == pytest.approx(index.vote(text, k=3)[1], abs=2e-3)


def test_vectors_from_another_model_are_refused(embedder: SentenceEmbedder) -> None:
    vectors = embedder.embed(["hello"])
    with pytest.raises(ModelUnavailableError, match="rebuild them"):
        NearestExamples(vectors, ["greeting"], ["hello"], embedder, model_id="some-other-model")


def test_vote_weighs_neighbours_by_similarity(embedder: SentenceEmbedder) -> None:
    # Synthetic unit vectors: one near-identical "a" example outvotes two weak "b" examples.
    query = np.zeros(DIMENSION, dtype=np.float32)
    query[0] = 1.0
    close, weak = np.zeros_like(query), np.zeros_like(query)
    close[:2] = (0.95, np.sqrt(1 - 0.95**2))
    weak[[0, 2]] = (0.4, np.sqrt(1 - 0.4**2))
    index = NearestExamples(np.stack([close, weak, weak]), ["a", "b", "b"], ["x", "y", "z"], embedder)
    labels, scores = index.vote_vectors(query[None], k=3)
    assert labels == ["a"]
    assert scores[0] == pytest.approx(0.95 / 3, abs=1e-5)
    indices, similarities = index.nearest(query[None], k=1)
    assert indices.tolist() == [[0]]
    assert similarities[0, 0] == pytest.approx(0.95, abs=1e-5)
