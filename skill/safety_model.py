"""The learned half of crisis detection: catches indirect phrasings the patterns miss.

Patterns (prompts/safety.yaml) are precise and auditable but brittle; people in crisis often say
things with no keyword at all ("I've sorted out who gets my dog"). An n-gram logistic regression
trained on prompts/safety_examples*.yaml, with everything KindWell normally hears as negatives,
covers that ground. The threshold was chosen by cross-validation on the training examples (not on
the held-out test set), at the point where false alarms on hard negatives stay near 3 %.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .content import load_yaml, prompts_dir
from .model_cache import LazyModel, ngram_pipeline
from .text import normalize

if TYPE_CHECKING:
    from .linear_text_model import LinearTextModel

#: Probability at or above which the classifier alone calls a text a crisis.
THRESHOLD = 0.85
_MODEL_FORMAT = 1
#: Most template sentences per intent used as ordinary (non-crisis) examples.
_TEMPLATE_NEGATIVES = 120


def example_files(root: Path) -> list[Path]:
    """prompts/safety_examples*.yaml: every file of labelled examples the classifier learns from."""
    return sorted(root.glob("safety_examples*.yaml"))


def training_data(root: Path) -> tuple[list[str], list[int]]:
    """(texts, labels): crisis examples as 1; hard negatives, feelings and commands as 0."""
    from .language import load_language

    positives: list[str] = []
    negatives: list[str] = []
    for path in example_files(root):
        examples = load_yaml(path)
        positives += [str(t) for t in examples["crisis"]]
        negatives += [str(t) for t in examples["not_crisis"]]
    language = load_language(root)
    rng = random.Random(11)
    for name in (*language.custom_intents, *language.builtin_intents):
        templates = sorted(set(language.expand(name, expand_lists=False)))
        chosen = rng.sample(templates, min(_TEMPLATE_NEGATIVES, len(templates)))
        (positives if name == "CrisisSupportIntent" else negatives).extend(chosen)
    checkin = load_yaml(root / "checkin.yaml")
    for theme in checkin["themes"].values():
        for word in theme["words"]:
            negatives += [
                carrier.format(word)
                for carrier in ("{}", "i feel {}", "i'm {}", "i've been feeling {} lately", "feeling {} today")
            ]
    cues = load_yaml(root / "language" / "cues.yaml")
    negatives += [str(c) for cue_list in cues["practice_cues"].values() for c in cue_list]
    negatives += [str(t) for t in cues["out_of_domain"]]
    texts = [normalize(t) for t in positives + negatives]
    return texts, [1] * len(positives) + [0] * len(negatives)


class CrisisClassifier:
    """Probability that a text sounds like a crisis; the weights load with the first text to judge."""

    def __init__(self, weights: LazyModel) -> None:
        self.weights = weights

    @property
    def model(self) -> LinearTextModel:
        """The classifier itself (loaded now if it was not yet)."""
        return self.weights.get()

    @classmethod
    def load(cls, root: Path | None = None) -> CrisisClassifier:
        """The shipped weights for root's content (trained in memory when stale and scikit-learn is here)."""
        root = root or prompts_dir()

        def train() -> Any:
            texts, labels = training_data(root)
            pipeline = ngram_pipeline(c=10.0)
            pipeline.fit(texts, labels)
            return pipeline

        sources = [
            *example_files(root),
            root / "checkin.yaml",
            *(root / "language").glob("*.yaml"),
        ]
        return cls(LazyModel("crisis", sources, _MODEL_FORMAT, train))

    def probability(self, text: str) -> float:
        """Probability of crisis for already normalised text."""
        return float(self.model.predict_proba(text)[1])
