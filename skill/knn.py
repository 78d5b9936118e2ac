"""Nearest labelled examples by sentence-embedding cosine: a vote that needs no training.

Index vectors are computed once (a training step can save them with save()), so serving only
embeds the query and takes one matrix-vector product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embeddings import DIMENSION, SentenceEmbedder, default_embedder
from .errors import ModelUnavailableError

_FORMAT = 1


@dataclass(frozen=True)
class Neighbour:
    """One indexed example near a query."""

    label: str
    similarity: float
    """Cosine similarity to the query, -1 to 1."""
    text: str


class NearestExamples:
    """Labelled sentences as unit vectors; a query takes the label its k nearest examples vote for."""

    def __init__(
        self,
        vectors: np.ndarray,
        labels: Sequence[str],
        texts: Sequence[str],
        embedder: SentenceEmbedder | None = None,
        model_id: str | None = None,
    ) -> None:
        if len(vectors) == 0 or vectors.shape[1:] != (DIMENSION,) or not len(vectors) == len(labels) == len(texts):
            raise ValueError("NearestExamples needs one vector of the embedder's size per label and text.")
        self.embedder = embedder or default_embedder()
        self.model_id = model_id or self.embedder.model_id
        if self.model_id != self.embedder.model_id:
            raise ModelUnavailableError(
                f"These example vectors were made by {self.model_id}, not {self.embedder.model_id}; rebuild them."
            )
        # float32 in memory whatever was stored: numpy's float16 products are many times slower.
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.labels = tuple(labels)
        self.texts = tuple(texts)
        self._label_ids, self._label_index = np.unique(np.array(self.labels, dtype=str), return_inverse=True)

    @classmethod
    def build(
        cls, texts: Sequence[str], labels: Sequence[str], embedder: SentenceEmbedder | None = None
    ) -> NearestExamples:
        """Embed every example (batched); takes a few seconds per thousand."""
        embedder = embedder or default_embedder()
        return cls(embedder.embed(list(texts)), labels, texts, embedder)

    def nearest(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(indices, similarities) of each query vector's k nearest examples, best first; both (n, k)."""
        queries = np.atleast_2d(queries).astype(np.float32, copy=False)
        k = max(1, min(k, len(self.vectors)))
        # A request's one query: OpenBLAS would split this small product across threads that the
        # web server's other requests are using, and the p95 goes from 0.4 to 10 ms; einsum stays
        # on this thread. Batches (building, benchmarks) still get BLAS.
        small = len(queries) <= 4
        similarities = np.einsum("qd,nd->qn", queries, self.vectors) if small else queries @ self.vectors.T
        top = np.argpartition(-similarities, k - 1, axis=1)[:, :k]
        top_sims = np.take_along_axis(similarities, top, axis=1)
        order = np.argsort(-top_sims, axis=1, kind="stable")
        return np.take_along_axis(top, order, axis=1), np.take_along_axis(top_sims, order, axis=1)

    def vote_vectors(self, queries: np.ndarray, k: int) -> tuple[list[str], np.ndarray]:
        """(label, score) per query vector; score is the label's summed similarity over k, 0 to 1."""
        indices, similarities = self.nearest(queries, k)
        tallies = np.zeros((len(indices), len(self._label_ids)), dtype=np.float32)
        rows = np.repeat(np.arange(len(indices)), indices.shape[1])
        # Similarity-weighted: three weak neighbours should not outvote one near-identical example.
        np.add.at(tallies, (rows, self._label_index[indices].ravel()), np.maximum(similarities, 0.0).ravel())
        best = tallies.argmax(axis=1)
        scores = tallies[np.arange(len(best)), best] / indices.shape[1]
        return [str(self._label_ids[b]) for b in best], scores

    def vote(self, text: str, k: int = 5) -> tuple[str, float]:
        """The label the k nearest examples vote for, and its score (summed similarity / k)."""
        labels, scores = self.vote_vectors(self.embedder.embed([text]), k)
        return labels[0], float(scores[0])

    def neighbours(self, text: str, k: int = 5) -> list[Neighbour]:
        """The k nearest examples with their similarities, best first (for tuning thresholds)."""
        indices, similarities = self.nearest(self.embedder.embed([text]), k)
        return [
            Neighbour(label=self.labels[i], similarity=float(s), text=self.texts[i])
            for i, s in zip(indices[0], similarities[0], strict=True)
        ]

    def save(self, path: Path) -> None:
        """Write vectors (float16), labels, texts and the model id as one .npz file."""
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                format=np.array(_FORMAT),
                model_id=np.array(self.model_id),
                vectors=self.vectors.astype(np.float16),
                labels=np.array(self.labels, dtype=str),
                texts=np.array(self.texts, dtype=str),
            )

    @classmethod
    def load(cls, path: Path, embedder: SentenceEmbedder | None = None) -> NearestExamples:
        """Read a file written by save(); only the query is embedded from then on."""
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != _FORMAT:
                raise ModelUnavailableError(f"Example vectors {path} are in an older format; rebuild them.")
            vectors = data["vectors"].astype(np.float32)
            # float16 storage leaves norms a hair off 1; restore them so a score of 1 still means "same".
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            return cls(
                vectors,
                [str(label) for label in data["labels"]],
                [str(text) for text in data["texts"]],
                embedder,
                str(data["model_id"]),
            )
