"""An n-gram TF-IDF + logistic regression text classifier, evaluated with numpy from its fitted arrays.

scikit-learn trains these models (`kindwell train`), but serving never imports it: scikit-learn and
scipy take seconds to import and most of a Lambda package, and predicting one sentence through a
Pipeline costs milliseconds of validation besides. The arithmetic is small (skill.ngrams' analyzers,
an IDF lookup, a norm, a dot product and a sigmoid or softmax), so it is done here from the arrays a
weight file holds. tests/unit/test_fast_paths.py checks the probabilities against scikit-learn's.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .ngrams import Analyzer, NgramSpec

#: Version of the weight file layout written by `save` (not of any model).
FILE_FORMAT = 1
# A fixed timestamp inside the zip, so that the same weights always make the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write named arrays as an .npz file, atomically; the same arrays always give the same bytes."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())
    tmp.replace(path)


@dataclass(frozen=True)
class FeaturePart:
    """One TF-IDF vectorizer's share of the features, with its columns of the regression."""

    spec: NgramSpec
    vocabulary: dict[str, int]
    """n-gram -> row of idf and weights."""
    idf: np.ndarray
    """Inverse document frequency of each n-gram, shape (n,)."""
    weights: np.ndarray
    """Logistic-regression coefficients, shape (n, scores): one column per class score."""


class LinearTextModel:
    """predict_proba for FeatureUnion(TfidfVectorizer...) -> LogisticRegression, one text at a time."""

    def __init__(self, classes: list[str], parts: list[FeaturePart], intercept: np.ndarray) -> None:
        scores = 1 if len(classes) == 2 else len(classes)
        if len(classes) < 2 or intercept.shape != (scores,):
            raise ValueError(f"{len(classes)} classes need {scores} intercepts, not {intercept.shape}")
        for part in parts:
            size = len(part.vocabulary)
            if part.idf.shape != (size,) or part.weights.shape != (size, scores):
                raise ValueError(f"a {part.spec.analyzer} part of {size} n-grams has mismatched arrays")
        self.classes: list[str] = list(classes)
        self.parts: tuple[FeaturePart, ...] = tuple(parts)
        self.intercept = intercept
        self._analyzers: tuple[Analyzer, ...] = tuple(part.spec.analyzer_function() for part in parts)
        self.pipeline: Any = None
        """The scikit-learn pipeline this came from, when it was just trained (None when loaded)."""

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> LinearTextModel:
        """The model of a fitted make_pipeline(FeatureUnion(TfidfVectorizer...), LogisticRegression)."""
        union = pipeline.steps[0][1]
        regression = pipeline.steps[-1][1]
        if len(pipeline.steps) != 2 or not hasattr(union, "transformer_list"):
            raise ValueError("expected a pipeline of a FeatureUnion of TfidfVectorizers and a LogisticRegression")
        coef = np.asarray(regression.coef_, dtype=np.float64)
        parts: list[FeaturePart] = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            if np.dtype(vectorizer.dtype) != np.float64:
                raise ValueError(f"TfidfVectorizer(dtype={vectorizer.dtype!r}) is not supported")
            size = len(vectorizer.idf_)
            parts.append(
                FeaturePart(
                    spec=NgramSpec.from_vectorizer(vectorizer),
                    vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
                    idf=np.asarray(vectorizer.idf_, dtype=np.float64),
                    weights=np.ascontiguousarray(coef[:, offset : offset + size].T),
                )
            )
            offset += size
        if offset != coef.shape[1]:
            raise ValueError("the regression has more features than the vectorizers make")
        model = cls([str(c) for c in regression.classes_], parts, np.asarray(regression.intercept_, dtype=np.float64))
        model.pipeline = pipeline
        return model

    @property
    def feature_count(self) -> int:
        """How many n-grams the model knows."""
        return sum(len(part.vocabulary) for part in self.parts)

    def scores(self, text: str) -> np.ndarray:
        """The regression's decision values for one text (one per class; one in all for two classes)."""
        scores = self.intercept.copy()
        for part, analyze in zip(self.parts, self._analyzers, strict=True):
            vocabulary = part.vocabulary
            counts = Counter(i for gram in analyze(text) if (i := vocabulary.get(gram)) is not None)
            if not counts:
                continue
            index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if part.spec.sublinear_tf:
                values = 1.0 + np.log(values)
            values *= part.idf[index]
            if part.spec.norm == "l2":
                values /= np.sqrt(values @ values)
            elif part.spec.norm == "l1":
                values /= np.abs(values).sum()
            scores += values @ part.weights[index]
        return scores

    def predict_proba(self, text: str) -> np.ndarray:
        """Class probabilities for one text, in the order of `classes` (as LogisticRegression gives them)."""
        scores = self.scores(text)
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.array([1.0 - positive, positive])
        exp = np.exp(scores - scores.max())
        return np.asarray(exp / exp.sum())

    def save(self, path: Path) -> None:
        """Write the arrays to an .npz file (atomically; the same model always gives the same bytes)."""
        meta = {
            "format": FILE_FORMAT,
            "classes": self.classes,
            "parts": [part.spec.to_json() for part in self.parts],
        }
        arrays: dict[str, np.ndarray] = {
            "meta": np.array(json.dumps(meta, sort_keys=True)),
            "intercept": self.intercept,
        }
        for number, part in enumerate(self.parts):
            terms = sorted(part.vocabulary, key=part.vocabulary.__getitem__)
            arrays[f"terms_{number}"] = np.array(terms, dtype=str)
            arrays[f"idf_{number}"] = part.idf
            arrays[f"weights_{number}"] = part.weights
        save_arrays(path, arrays)

    @classmethod
    def load(cls, path: Path) -> LinearTextModel:
        """Read a file written by save; ValueError when it is not one."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"].item()))
                if meta.get("format") != FILE_FORMAT:
                    raise ValueError(f"{path.name} has weight file format {meta.get('format')}, not {FILE_FORMAT}")
                parts = []
                for number, spec in enumerate(meta["parts"]):
                    terms = data[f"terms_{number}"].tolist()
                    parts.append(
                        FeaturePart(
                            spec=NgramSpec.from_json(spec),
                            vocabulary=dict(zip(terms, range(len(terms)), strict=True)),
                            idf=data[f"idf_{number}"],
                            weights=data[f"weights_{number}"],
                        )
                    )
                return cls([str(c) for c in meta["classes"]], parts, data["intercept"])
        except (KeyError, TypeError, json.JSONDecodeError, zipfile.BadZipFile) as err:
            raise ValueError(f"{path.name} is not a KindWell weight file ({err})") from err
