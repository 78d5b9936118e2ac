"""The mean of an n-gram model and a sentence-embedding model: how the care check and the slot
classifiers judge a text, with the embedding half set aside (and logged once) when it cannot load.

Both halves are shipped weights behind a LazyModel, so nothing loads before the first text to judge.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ModelUnavailableError
from .model_cache import LazyModel

if TYPE_CHECKING:
    from .embedding_head import EmbeddingHead
    from .linear_text_model import LinearTextModel

#: The sentence embedder's tokenizer: a change to it changes every embedding-based model.
TOKENIZER_FILE = Path(__file__).resolve().parent / "weights" / "minilm-tokenizer.json"

_LOGGER = logging.getLogger(__name__)


def read_head(path: Path) -> EmbeddingHead:
    """An embedding head from its weight file (LazyModel's reader for the embedding halves)."""
    from .embedding_head import EmbeddingHead

    return EmbeddingHead.load(path)


class AveragedClassifier:
    """Label probabilities for normalised text: the mean of an n-gram model and, when its packages and
    weights load, a sentence-embedding model, which miss different things."""

    def __init__(self, weights: LazyModel, head: LazyModel | None = None, *, described_as: str = "the model") -> None:
        self.weights = weights
        self.head = head
        """The sentence-embedding half; None (or its packages missing) leaves the n-gram model alone."""
        self.described_as = described_as
        """How the log names this classifier when its embedding half is unavailable."""
        self._head_failed = False

    @property
    def model(self) -> LinearTextModel:
        """The n-gram half (loaded now if it was not yet)."""
        model: LinearTextModel = self.weights.get()
        return model

    def probabilities(self, text: str) -> dict[str, float]:
        """Label -> probability, for already normalised text."""
        model = self.model
        probabilities = model.predict_proba(text)
        head = self._head()
        if head is not None:
            from .embeddings import default_embedder

            probabilities = (probabilities + head.predict_proba(default_embedder().embed_one(text))) / 2
        return dict(zip(model.classes, (float(p) for p in probabilities), strict=True))

    def _head(self) -> EmbeddingHead | None:
        if self.head is None or self._head_failed:
            return None
        try:
            head: EmbeddingHead = self.head.get()
            from .embeddings import default_embedder

            default_embedder().load()
        except ModelUnavailableError as err:
            # Kinder than failing every turn: the n-gram half still listens.
            _LOGGER.error("Sentence embeddings are unavailable, so %s uses n-grams only: %s", self.described_as, err)
            self._head_failed = True
            return None
        return head
