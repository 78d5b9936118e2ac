"""A fitted n-gram TF-IDF + logistic regression pipeline, evaluated without scikit-learn per call.

scikit-learn trains these models, but predicting one sentence through its Pipeline costs several
milliseconds of input validation and sparse-matrix plumbing: too slow for a crisis check on every
request of a busy endpoint. The arithmetic itself is small (sklearn's own analyzers, an IDF lookup,
an L2 norm and a dot product), so it is done here, from the fitted model's own arrays. The test
suite checks that the probabilities match scikit-learn's exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class _Part:
    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray
    """Logistic-regression coefficients for this part's features, one row per class score."""
    sublinear_tf: bool
    l2_norm: bool


class LinearTextModel:
    """predict_proba for FeatureUnion(TfidfVectorizer...) -> LogisticRegression, one text at a time."""

    def __init__(self, pipeline: Any) -> None:
        union = pipeline.steps[0][1]
        regression = pipeline.steps[-1][1]
        self.classes: list[str] = [str(c) for c in regression.classes_]
        self._intercept = np.asarray(regression.intercept_, dtype=float)
        parts: list[_Part] = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            size = len(vectorizer.idf_)
            parts.append(
                _Part(
                    analyzer=vectorizer.build_analyzer(),
                    vocabulary=dict(vectorizer.vocabulary_),
                    idf=np.asarray(vectorizer.idf_, dtype=float),
                    weights=np.asarray(regression.coef_[:, offset : offset + size], dtype=float),
                    sublinear_tf=bool(vectorizer.sublinear_tf),
                    l2_norm=vectorizer.norm == "l2",
                )
            )
            offset += size
        self._parts = tuple(parts)
        self.pipeline = pipeline
        """The scikit-learn pipeline this was compiled from (kept for checks and caching)."""

    def _scores(self, text: str) -> np.ndarray:
        scores = self._intercept.copy()
        for part in self._parts:
            counts = Counter(i for token in part.analyzer(text) if (i := part.vocabulary.get(token)) is not None)
            if not counts:
                continue
            index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            values = np.fromiter(counts.values(), dtype=float, count=len(counts))
            if part.sublinear_tf:
                values = 1.0 + np.log(values)
            values *= part.idf[index]
            if part.l2_norm:
                values /= np.sqrt(values @ values)
            scores += part.weights[:, index] @ values
        return scores

    def predict_proba(self, text: str) -> np.ndarray:
        """Class probabilities for one text, in the order of `classes`."""
        scores = self._scores(text)
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.array([1.0 - positive, positive])
        exp = np.exp(scores - scores.max())
        return exp / exp.sum()
