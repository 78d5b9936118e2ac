"""The learned half of the care check: catches indirect phrasings the patterns miss.

Patterns (prompts/safety.yaml) are precise and auditable but brittle; people in crisis often say
things with no keyword at all ("I've sorted out who gets my dog"). An n-gram logistic regression
trained on prompts/safety_examples*.yaml (four labels: crisis, other, concern, none), with
everything KindWell normally hears as "none", covers that ground. Thresholds were chosen by
cross-validation on the training examples (bench/crisis_threshold.py), never on the held-out sets.
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

#: Probability of crisis + someone else at risk at or above which the classifier alone calls it urgent.
THRESHOLD = 0.85
#: Probability of any care tier at or above which the classifier alone calls a text a concern.
CONCERN_THRESHOLD = 0.6
#: Labels in the example files -> classifier labels.
LABELS = {"crisis": "crisis", "other": "other", "concern": "concern", "not_crisis": "none"}
NONE = "none"
_MODEL_FORMAT = 2
#: Most template sentences per intent used as ordinary (non-crisis) examples.
_TEMPLATE_NEGATIVES = 120


def example_files(root: Path) -> list[Path]:
    """prompts/safety_examples*.yaml: every file of labelled examples the classifier learns from."""
    return sorted(root.glob("safety_examples*.yaml"))


def labelled_examples(root: Path) -> dict[str, list[str]]:
    """Every hand-written example by classifier label (crisis, other, concern, none)."""
    examples: dict[str, list[str]] = {label: [] for label in LABELS.values()}
    for path in example_files(root):
        data = load_yaml(path)
        for key, label in LABELS.items():
            examples[label] += [str(t) for t in data.get(key) or []]
    return examples


#: Intents whose templates are examples of a care tier; every other intent's are "none".
_TEMPLATE_LABELS = {"CrisisSupportIntent": "crisis", "SupportSomeoneIntent": "other", "HardTimeIntent": "concern"}


def training_data(root: Path) -> tuple[list[str], list[str]]:
    """(texts, labels): hand-written examples, template sentences, feelings and commands."""
    from .language import load_language

    examples = labelled_examples(root)
    language = load_language(root)
    rng = random.Random(11)
    for name in (*language.custom_intents, *language.builtin_intents):
        templates = sorted(set(language.expand(name, expand_lists=False)))
        chosen = rng.sample(templates, min(_TEMPLATE_NEGATIVES, len(templates)))
        examples[_TEMPLATE_LABELS.get(name, NONE)].extend(chosen)
    checkin = load_yaml(root / "checkin.yaml")
    for theme in checkin["themes"].values():
        for word in theme["words"]:
            examples[NONE] += [
                carrier.format(word)
                for carrier in ("{}", "i feel {}", "i'm {}", "i've been feeling {} lately", "feeling {} today")
            ]
    cues = load_yaml(root / "language" / "cues.yaml")
    examples[NONE] += [str(c) for cue_list in cues["practice_cues"].values() for c in cue_list]
    examples[NONE] += [str(t) for t in cues["out_of_domain"]]
    texts: list[str] = []
    labels: list[str] = []
    for label, items in examples.items():
        texts += [normalize(t) for t in items]
        labels += [label] * len(items)
    return texts, labels


class CrisisClassifier:
    """Probabilities of each care label for a text; the weights load with the first text to judge."""

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

    def probabilities(self, text: str) -> dict[str, float]:
        """Label -> probability, for already normalised text."""
        return dict(zip(self.model.classes, (float(p) for p in self.model.predict_proba(text)), strict=True))

    def probability(self, text: str) -> float:
        """Probability that someone may be at risk (the speaker or someone else)."""
        scores = self.probabilities(text)
        return scores.get("crisis", 0.0) + scores.get("other", 0.0)
