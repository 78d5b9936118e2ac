"""Small text classifiers trained from prompts/ and cached by a hash of what they learn from.

Training takes a second or two; the cache makes every later start instant. The cache key covers
the source files, the training code's format number and the scikit-learn version, so a change
to any of them retrains rather than loading a stale model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where derived artifacts are cached (KINDWELL_CACHE, else the XDG cache directory)."""
    override = os.environ.get("KINDWELL_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kindwell"


def ngram_pipeline(c: float = 8.0) -> Any:
    """Character and word n-gram TF-IDF into a balanced logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"[\w']+")),
        ]
    )
    return make_pipeline(features, LogisticRegression(C=c, max_iter=3000, class_weight="balanced"))


def load_or_train(name: str, sources: Iterable[Path], version: int, train: Callable[[], Any]) -> Any:
    """A trained model from the cache, or train() it and cache the result."""
    import sklearn

    digest = hashlib.sha256(f"{name}:{version}:{sklearn.__version__}".encode())
    for path in sorted(sources):
        digest.update(path.read_bytes())
    cache_file = cache_dir() / f"{name}-{digest.hexdigest()[:16]}.pickle"
    if cache_file.exists():
        try:
            with cache_file.open("rb") as handle:
                return pickle.load(handle)  # our own file, written below from our own training
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            _LOGGER.warning("Ignoring unreadable model cache %s; retraining.", cache_file)
    model = train()
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            pickle.dump(model, handle)
        tmp.replace(cache_file)
    except OSError:
        _LOGGER.info("Model cache directory is not writable; %s stays in memory only.", name)
    return model
