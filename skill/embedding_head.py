"""A logistic regression over sentence embeddings, evaluated with numpy from its fitted arrays.

The n-gram models know words; this one knows meaning ("i've sorted out who gets my dog" sits near
other final arrangements whatever its words). scikit-learn fits it during `kindwell train` over
skill.embeddings vectors of the same examples; serving embeds the text and takes one product.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .linear_text_model import save_arrays

FILE_FORMAT = 1


class EmbeddingHead:
    """predict_proba of a LogisticRegression fitted on unit sentence vectors."""

    def __init__(self, classes: list[str], coef: np.ndarray, intercept: np.ndarray, model_id: str) -> None:
        scores = 1 if len(classes) == 2 else len(classes)
        if len(classes) < 2 or coef.ndim != 2 or coef.shape[0] != scores or intercept.shape != (scores,):
            raise ValueError(f"{len(classes)} classes need {scores} rows of weights and intercepts")
        self.classes: list[str] = list(classes)
        self.coef = np.ascontiguousarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.model_id = model_id
        """The sentence embedder these weights were fitted on; vectors from another model mean nothing."""

    @property
    def feature_count(self) -> int:
        """Length of the sentence vectors it reads."""
        return int(self.coef.shape[1])

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: list[str], model_id: str, c: float = 10.0) -> EmbeddingHead:
        """Fit a balanced logistic regression (needs scikit-learn: the `train` extra)."""
        from sklearn.linear_model import LogisticRegression

        regression: Any = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        regression.fit(vectors, labels)
        return cls([str(c) for c in regression.classes_], regression.coef_, regression.intercept_, model_id)

    def predict_proba(self, vector: np.ndarray) -> np.ndarray:
        """Class probabilities for one unit vector, in the order of `classes`."""
        scores = self.coef @ np.asarray(vector, dtype=np.float64) + self.intercept
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.array([1.0 - positive, positive])
        exp = np.exp(scores - scores.max())
        return np.asarray(exp / exp.sum())

    def save(self, path: Path) -> None:
        """Write the arrays to an .npz file (atomically; the same weights always give the same bytes)."""
        meta = {"format": FILE_FORMAT, "kind": "embedding", "classes": self.classes, "model_id": self.model_id}
        save_arrays(
            path, {"meta": np.array(json.dumps(meta, sort_keys=True)), "coef": self.coef, "intercept": self.intercept}
        )

    @classmethod
    def load(cls, path: Path) -> EmbeddingHead:
        """Read a file written by save; ValueError when it is not one."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"].item()))
                if meta.get("format") != FILE_FORMAT or meta.get("kind") != "embedding":
                    raise ValueError(f"{path.name} is not an embedding head of format {FILE_FORMAT}")
                return cls([str(c) for c in meta["classes"]], data["coef"], data["intercept"], str(meta["model_id"]))
        except (KeyError, TypeError, json.JSONDecodeError) as err:
            raise ValueError(f"{path.name} is not a KindWell weight file ({err})") from err
