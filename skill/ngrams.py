"""The text featuriser of KindWell's classifiers: scikit-learn's TfidfVectorizer analyzers, by hand.

Hand-written because importing scikit-learn (and scipy beneath it) takes seconds and over 160 MB,
more than a cold Lambda start or its 250 MB package can spare, while the analyzers themselves are a
few lines of string slicing. These reproduce `TfidfVectorizer.build_analyzer()` exactly for the
settings `NgramSpec` allows (lower-casing, no accent stripping, no stop words, no custom callables);
tests/unit/test_fast_paths.py checks the features and the probabilities against scikit-learn's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

Analyzer = Callable[[str], list[str]]

# scikit-learn's own whitespace rule for character n-grams (CountVectorizer._white_spaces).
_WHITE_SPACES = re.compile(r"\s\s+")


@dataclass(frozen=True)
class NgramSpec:
    """How one TfidfVectorizer turns a text into weighted n-gram features."""

    analyzer: Literal["char_wb", "word"]
    """"char_wb": character n-grams inside space-padded words; "word": word n-grams."""
    ngram_range: tuple[int, int]
    """Shortest and longest n-gram, in characters (char_wb) or words (word)."""
    token_pattern: str | None = None
    """Regular expression a word matches ("word" only; None for character analyzers)."""
    lowercase: bool = True
    sublinear_tf: bool = True
    """Term frequency counted as 1 + ln(count) rather than count."""
    norm: Literal["l1", "l2"] | None = "l2"
    """Row normalisation after IDF weighting."""

    def vectorizer_options(self) -> dict[str, Any]:
        """Keyword arguments for scikit-learn's TfidfVectorizer with exactly these settings."""
        options = asdict(self)
        if options["token_pattern"] is None:
            del options["token_pattern"]  # scikit-learn warns when it is set for a character analyzer
        options["ngram_range"] = tuple(self.ngram_range)
        return options

    def to_json(self) -> dict[str, Any]:
        """A plain JSON object (for weight files and the content hash)."""
        return {**asdict(self), "ngram_range": list(self.ngram_range)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NgramSpec:
        """The inverse of to_json."""
        low, high = data["ngram_range"]
        return cls(
            analyzer=data["analyzer"],
            ngram_range=(int(low), int(high)),
            token_pattern=data.get("token_pattern"),
            lowercase=bool(data["lowercase"]),
            sublinear_tf=bool(data["sublinear_tf"]),
            norm=data["norm"],
        )

    @classmethod
    def from_vectorizer(cls, vectorizer: Any) -> NgramSpec:
        """The settings of a fitted TfidfVectorizer; ValueError for any this module cannot reproduce."""
        unsupported = {
            "input": "content",
            "strip_accents": None,
            "preprocessor": None,
            "tokenizer": None,
            "stop_words": None,
            "binary": False,
            "use_idf": True,
        }
        for name, expected in unsupported.items():
            if getattr(vectorizer, name) != expected:
                raise ValueError(f"TfidfVectorizer({name}={getattr(vectorizer, name)!r}) is not supported")
        if vectorizer.analyzer not in ("char_wb", "word"):
            raise ValueError(f"TfidfVectorizer(analyzer={vectorizer.analyzer!r}) is not supported")
        if vectorizer.norm not in ("l1", "l2", None):
            raise ValueError(f"TfidfVectorizer(norm={vectorizer.norm!r}) is not supported")
        low, high = vectorizer.ngram_range
        return cls(
            analyzer=vectorizer.analyzer,
            ngram_range=(int(low), int(high)),
            token_pattern=vectorizer.token_pattern if vectorizer.analyzer == "word" else None,
            lowercase=bool(vectorizer.lowercase),
            sublinear_tf=bool(vectorizer.sublinear_tf),
            norm=vectorizer.norm,
        )

    def analyzer_function(self) -> Analyzer:
        """text -> the n-grams TfidfVectorizer(**vectorizer_options()).build_analyzer() gives."""
        low, high = self.ngram_range
        lower = self.lowercase
        if self.analyzer == "char_wb":

            def char_wb(text: str) -> list[str]:
                return char_wb_ngrams(text.lower() if lower else text, low, high)

            return char_wb
        if self.token_pattern is None:
            raise ValueError("a word analyzer needs a token_pattern")
        pattern = re.compile(self.token_pattern)
        if pattern.groups > 1:
            raise ValueError("a token_pattern may have at most one group")
        find_tokens = pattern.findall

        def words(text: str) -> list[str]:
            return word_ngrams(find_tokens(text.lower() if lower else text), low, high)

        return words


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside words padded with one space each side (CountVectorizer._char_wb_ngrams)."""
    ngrams: list[str] = []
    append = ngrams.append
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            offset = 0
            append(padded[offset : offset + n])
            while offset + n < length:
                offset += 1
                append(padded[offset : offset + n])
            if offset == 0:  # a word shorter than n counts once, as scikit-learn counts it
                break
    return ngrams


def word_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    """Word n-grams joined by single spaces (CountVectorizer._word_ngrams without stop words)."""
    if high == 1:
        return tokens
    ngrams = list(tokens) if low == 1 else []
    first = max(low, 2)
    count = len(tokens)
    for n in range(first, min(high + 1, count + 1)):
        for i in range(count - n + 1):
            ngrams.append(" ".join(tokens[i : i + n]))
    return ngrams


#: The features every KindWell classifier uses (skill.model_cache.ngram_pipeline builds them with
#: scikit-learn for training); part of the content hash that names weight files.
NGRAM_FEATURES: tuple[NgramSpec, ...] = (
    NgramSpec(analyzer="char_wb", ngram_range=(2, 5)),
    NgramSpec(analyzer="word", ngram_range=(1, 2), token_pattern=r"[\w']+"),
)
