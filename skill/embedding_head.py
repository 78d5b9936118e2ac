"""A classifier over sentence embeddings, evaluated with numpy from its fitted arrays.

The n-gram models know words; this one knows meaning ("i've sorted out who gets my dog" sits near
other final arrangements whatever its words). scikit-learn fits it during `kindwell train` over
skill.embeddings vectors of the same examples; serving embeds the text and takes one or two products.
Two shapes: a logistic regression, or a network with one hidden layer of rectified units (the care
check's: bench/embedding_options.py measured it against the regression and a nearest-example vote).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .linear_text_model import save_arrays

FILE_FORMAT = 2


def _balanced_weights(labels: list[str]) -> np.ndarray:
    """Per-example weights that give every class the same total (scikit-learn's "balanced")."""
    classes, index, counts = np.unique(np.array(labels), return_inverse=True, return_counts=True)
    return np.asarray(len(labels) / (len(classes) * counts[index]), dtype=np.float64)


class EmbeddingHead:
    """predict_proba of a LogisticRegression, or of an MLPClassifier with one ReLU layer, on unit sentence vectors."""

    def __init__(
        self,
        classes: list[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        model_id: str,
        hidden: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        scores = 1 if len(classes) == 2 else len(classes)
        if len(classes) < 2 or coef.ndim != 2 or coef.shape[0] != scores or intercept.shape != (scores,):
            raise ValueError(f"{len(classes)} classes need {scores} rows of weights and intercepts")
        if hidden is not None and (
            hidden[0].ndim != 2 or hidden[0].shape[0] != coef.shape[1] or hidden[1].shape != (coef.shape[1],)
        ):
            raise ValueError("the hidden layer's size does not match the output weights")
        self.classes: list[str] = list(classes)
        self.coef = np.ascontiguousarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.hidden = (
            None
            if hidden is None
            else (np.ascontiguousarray(hidden[0], dtype=np.float64), np.asarray(hidden[1], dtype=np.float64))
        )
        """(weights of shape (units, inputs), biases) of the ReLU layer; None for a plain regression."""
        self.model_id = model_id
        """The sentence embedder these weights were fitted on; vectors from another model mean nothing."""

    @property
    def feature_count(self) -> int:
        """Length of the sentence vectors it reads."""
        return int((self.coef if self.hidden is None else self.hidden[0]).shape[1])

    @classmethod
    def fit(
        cls,
        vectors: np.ndarray,
        labels: list[str],
        model_id: str,
        c: float = 10.0,
        sample_weight: list[float] | None = None,
    ) -> EmbeddingHead:
        """Fit a balanced logistic regression, each example counted by its weight (needs scikit-learn: the
        `train` extra)."""
        from sklearn.linear_model import LogisticRegression

        regression: Any = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        regression.fit(vectors, labels, sample_weight=sample_weight)
        return cls([str(c) for c in regression.classes_], regression.coef_, regression.intercept_, model_id)

    @classmethod
    def fit_network(
        cls, vectors: np.ndarray, labels: list[str], model_id: str, units: int = 256, alpha: float = 1e-3
    ) -> EmbeddingHead:
        """Fit a one-hidden-layer network, classes balanced (scikit-learn's MLPClassifier; the `train` extra).

        Adam in batches of 128 for at most 200 passes, seeded, so the same examples give the same
        weights on the same machine (tests/test_weights.py retrains and compares). L-BFGS was also
        measured: deterministic anywhere, but it fits the examples too closely and missed more in
        cross-validation (bench/embedding_options.py).
        """
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
        from threadpoolctl import threadpool_limits

        network: Any = MLPClassifier(
            hidden_layer_sizes=(units,),
            activation="relu",
            alpha=alpha,
            solver="adam",
            batch_size=128,
            max_iter=200,
            random_state=0,
        )
        # One BLAS thread: batches of 128 are too small to share, and on a busy machine the idle
        # threads' spinning made a 50-second fit take 20 CPU-minutes (the weights are the same).
        with warnings.catch_warnings(), threadpool_limits(1):
            # Stopping at 200 passes is the setting measured, not a failure to report on every training.
            warnings.simplefilter("ignore", ConvergenceWarning)
            network.fit(vectors, labels, sample_weight=_balanced_weights(labels))
        first, second = network.coefs_
        return cls(
            [str(c) for c in network.classes_],
            np.asarray(second).T,
            np.asarray(network.intercepts_[1]),
            model_id,
            hidden=(np.asarray(first).T, np.asarray(network.intercepts_[0])),
        )

    def predict_proba(self, vector: np.ndarray) -> np.ndarray:
        """Class probabilities for one unit vector, in the order of `classes`."""
        features = np.asarray(vector, dtype=np.float64)
        if self.hidden is not None:
            features = np.maximum(self.hidden[0] @ features + self.hidden[1], 0.0)
        scores = self.coef @ features + self.intercept
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.array([1.0 - positive, positive])
        exp = np.exp(scores - scores.max())
        return np.asarray(exp / exp.sum())

    def save(self, path: Path) -> None:
        """Write the arrays to an .npz file (atomically; the same weights always give the same bytes)."""
        meta = {
            "format": FILE_FORMAT,
            "kind": "embedding",
            "classes": self.classes,
            "model_id": self.model_id,
            "hidden": self.hidden is not None,
        }
        arrays = {"meta": np.array(json.dumps(meta, sort_keys=True)), "coef": self.coef, "intercept": self.intercept}
        if self.hidden is not None:
            arrays |= {"hidden_coef": self.hidden[0], "hidden_intercept": self.hidden[1]}
        save_arrays(path, arrays)

    @classmethod
    def load(cls, path: Path) -> EmbeddingHead:
        """Read a file written by save; ValueError when it is not one."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"].item()))
                if meta.get("format") != FILE_FORMAT or meta.get("kind") != "embedding":
                    raise ValueError(f"{path.name} is not an embedding head of format {FILE_FORMAT}")
                hidden = (data["hidden_coef"], data["hidden_intercept"]) if meta.get("hidden") else None
                return cls(
                    [str(c) for c in meta["classes"]], data["coef"], data["intercept"], str(meta["model_id"]), hidden
                )
        except (KeyError, TypeError, json.JSONDecodeError) as err:
            raise ValueError(f"{path.name} is not a KindWell weight file ({err})") from err
