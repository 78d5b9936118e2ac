"""Small text classifiers trained from prompts/, shipped as weight files named by a hash of what they learn from.

`kindwell train` fits every model with scikit-learn and writes skill/weights/<name>-<hash>.npz; serving
reads those with numpy alone (see skill.linear_text_model for why). The hash covers the source files,
the model's format number and the featuriser settings, but not the scikit-learn version, since serving
has none: a weight file is used exactly when it was trained from the content in prompts/ today.

When someone edits prompts/ and does not retrain, a process that has scikit-learn trains the model in
memory (keeping a copy in the user cache when that is writable) and logs that the model is stale; a
process without it (a Lambda package) refuses to start with a sentence naming `kindwell train`.
New models go through `load_or_train` (or `LazyModel`) and into skill.training.shipped_models.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ContentError
from .folders import cache_dir
from .ngrams import NGRAM_FEATURES

if TYPE_CHECKING:
    from .linear_text_model import LinearTextModel

_LOGGER = logging.getLogger(__name__)


class WeightModel(Protocol):
    """What a shipped model offers: its classes, its size, and a way to save itself."""

    classes: list[str]

    @property
    def feature_count(self) -> int: ...

    def save(self, path: Path) -> None: ...


#: The package folder `kindwell train` writes and serving reads.
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def ngram_pipeline(c: float = 8.0) -> Any:
    """Character and word n-gram TF-IDF into a balanced logistic regression (needs scikit-learn)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    features = FeatureUnion([(spec.analyzer, TfidfVectorizer(**spec.vectorizer_options())) for spec in NGRAM_FEATURES])
    return make_pipeline(features, LogisticRegression(C=c, max_iter=3000, class_weight="balanced"))


def content_hash(name: str, sources: Iterable[Path], version: int) -> str:
    """16 hex digits naming a model's weights: its sources' bytes, format number and featuriser settings."""
    featuriser = json.dumps([spec.to_json() for spec in NGRAM_FEATURES], sort_keys=True)
    digest = hashlib.sha256(f"{name}:{version}:{featuriser}".encode())
    for path in sorted(sources):
        data = path.read_bytes()
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()[:16]


def can_train() -> bool:
    """True when scikit-learn is installed (the `train` extra), without importing it."""
    return importlib.util.find_spec("sklearn") is not None


class LazyModel:
    """A model's weights, looked up now and loaded on first use, once, whichever thread asks first."""

    def __init__(
        self,
        name: str,
        sources: Iterable[Path],
        version: int,
        train: Callable[[], Any],
        load: Callable[[Path], Any] | None = None,
    ) -> None:
        self.name = name
        self.file_name = f"{name}-{content_hash(name, sources, version)}.npz"
        """The weight file for today's content."""
        self.shipped = (WEIGHTS_DIR / self.file_name).is_file()
        """True when the package holds weights for today's content."""
        self._train = train
        self._read = load
        """Reads a weight file (default: LinearTextModel.load)."""
        self._model: Any = None
        self._lock = threading.Lock()
        if not self.shipped and not can_train():
            raise ContentError(
                f"The {name} model's weights do not match prompts/ and scikit-learn is not installed to retrain it; "
                f"run `kindwell train` (pip install 'kindwell[train]') and ship the new skill/weights/."
            )

    @property
    def loaded(self) -> bool:
        """True once the weights are in memory."""
        return self._model is not None

    def get(self) -> Any:
        """The model: the shipped weights, else the user cache's, else freshly trained."""
        model = self._model
        if model is None:
            with self._lock:
                model = self._model
                if model is None:
                    model = self._model = self._load()
        return model

    def train_now(self) -> Any:
        """Train from today's content with scikit-learn, whatever weights exist."""
        from .linear_text_model import LinearTextModel

        trained = self._train()
        return trained if hasattr(trained, "save") else LinearTextModel.from_pipeline(trained)

    def _reader(self) -> Callable[[Path], Any]:
        if self._read is not None:
            return self._read
        from .linear_text_model import LinearTextModel

        return LinearTextModel.load

    def _load(self) -> Any:
        read = self._reader()
        if self.shipped:
            try:
                return read(WEIGHTS_DIR / self.file_name)
            except (OSError, ValueError) as err:
                raise ContentError(
                    f"Weight file {WEIGHTS_DIR / self.file_name} is unreadable ({err}); run `kindwell train`."
                ) from err
        _LOGGER.warning("Model %s is stale; run `kindwell train`.", self.name)
        cached = cache_dir() / self.file_name
        if cached.is_file():
            try:
                return read(cached)
            except (OSError, ValueError):
                _LOGGER.warning("Ignoring unreadable model cache %s; retraining.", cached)
        model = self.train_now()
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            model.save(cached)
        except OSError:
            _LOGGER.info("Model cache directory is not writable; %s stays in memory only.", self.name)
        return model


def load_or_train(name: str, sources: Iterable[Path], version: int, train: Callable[[], Any]) -> LinearTextModel:
    """A trained model: the shipped weights for these sources, else train() it (needs scikit-learn).

    train returns a fitted ngram_pipeline() (or a LinearTextModel); sources are every file it learns from.
    """
    return LazyModel(name, sources, version, train).get()
