"""The learned half of the care check: catches indirect phrasings the patterns miss.

Patterns (prompts/safety.yaml) are precise and auditable but brittle; people in crisis often say
things with no keyword at all ("I've sorted out who gets my dog"). Two models trained on
prompts/safety_examples*.yaml (four labels: crisis, other, concern, none), with everything KindWell
normally hears as "none", cover that ground: an n-gram logistic regression and a one-hidden-layer
network over MiniLM sentence embeddings, averaged. The model and its two thresholds were chosen by
cross-validation on the training examples alone (bench/embedding_options.py, bench/crisis_threshold.py),
never on the held-out sets.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from .averaged_model import TOKENIZER_FILE, AveragedClassifier, read_head
from .model_cache import LazyModel, ngram_pipeline
from .safety_source import LABELS as LABELS
from .safety_source import example_files as example_files
from .text import normalize

if TYPE_CHECKING:
    from .embedding_head import EmbeddingHead
    from .prompts import Prompts

#: Probability of crisis + someone else at risk at or above which the classifier alone calls it urgent.
THRESHOLD = 0.55
#: Probability of any care tier at or above which the classifier alone calls a text a concern.
CONCERN_THRESHOLD = 0.6
NONE = "none"
_MODEL_FORMAT = 5
#: Most template sentences per intent used as ordinary (non-crisis) examples.
_TEMPLATE_NEGATIVES = 120


def feeling_examples(prompts: Prompts) -> list[str]:
    """Everyday check-in answers (prompts/feelings_examples.yaml): ordinary feelings, never a care tier."""
    return prompts.feeling_sentences()


def labelled_examples(prompts: Prompts) -> dict[str, list[str]]:
    """Every hand-written example by classifier label (crisis, other, concern, none)."""
    return {label: list(texts) for label, texts in prompts.safety_examples.labelled.items()}


#: Intents whose templates are examples of a care tier; every other intent's are "none".
_TEMPLATE_LABELS = {"CrisisSupportIntent": "crisis", "SupportSomeoneIntent": "other", "HardTimeIntent": "concern"}
#: How check-in feeling words are said, as ordinary (none) examples.
_FEELING_CARRIERS = ("{}", "i feel {}", "i'm {}", "i've been feeling {} lately", "feeling {} today")


def training_data(prompts: Prompts) -> tuple[list[str], list[str]]:
    """(texts, labels): hand-written examples, template sentences, feelings and commands."""
    examples = labelled_examples(prompts)
    language = prompts.language
    rng = random.Random(11)
    for name in (*language.custom_intents, *language.builtin_intents):
        templates = sorted(set(language.expand(name, expand_lists=False)))
        chosen = rng.sample(templates, min(_TEMPLATE_NEGATIVES, len(templates)))
        examples[_TEMPLATE_LABELS.get(name, NONE)].extend(chosen)
    for word in prompts.feeling_words():
        examples[NONE] += [carrier.format(word) for carrier in _FEELING_CARRIERS]
    examples[NONE] += feeling_examples(prompts)
    examples[NONE] += [cue for cues in prompts.cues.practice.values() for cue in cues]
    examples[NONE] += list(prompts.cues.out_of_domain)
    # The blind-written everyday requests (prompts/language/paraphrases*.yaml, care intents excluded by
    # their loader) are what KindWell hears most: lonely or low check-ins and practice requests that
    # say "myself", "alone" or "wish" are none, not a care tier.
    from .prompts import load_paraphrases

    examples[NONE] += [text for phrasings in load_paraphrases(language, prompts.root).values() for text in phrasings]
    texts: list[str] = []
    labels: list[str] = []
    for label, items in examples.items():
        texts += [normalize(t) for t in items]
        labels += [label] * len(items)
    return texts, labels


class CrisisClassifier(AveragedClassifier):
    """Probabilities of each care label for normalised text: the mean of an n-gram model and a
    sentence-embedding network, which miss different things; the weights load with the first text to judge."""

    def __init__(self, weights: LazyModel, head: LazyModel | None = None) -> None:
        super().__init__(weights, head, described_as="the care check")

    @classmethod
    def load(cls, prompts: Prompts, *, embeddings: bool = True) -> CrisisClassifier:
        """The shipped weights for the prompts' content (trained in memory when stale and scikit-learn is here)."""

        def train() -> Any:
            texts, labels = training_data(prompts)
            pipeline = ngram_pipeline(c=10.0)
            pipeline.fit(texts, labels)
            return pipeline

        def train_head() -> EmbeddingHead:
            from .embedding_head import EmbeddingHead
            from .embeddings import default_embedder

            texts, labels = training_data(prompts)
            embedder = default_embedder()
            return EmbeddingHead.fit_network(embedder.embed(texts), labels, embedder.model_id)

        sources = prompts.care_sources()
        # The n-gram model first: when weights are stale, its name is the one the error gives.
        ngrams = LazyModel("crisis", sources, _MODEL_FORMAT, train)
        head = (
            LazyModel("care-embedding", [*sources, TOKENIZER_FILE], _MODEL_FORMAT, train_head, read_head)
            if embeddings
            else None
        )
        return cls(ngrams, head)

    def probability(self, text: str) -> float:
        """Probability that someone may be at risk (the speaker or someone else)."""
        scores = self.probabilities(text)
        return scores.get("crisis", 0.0) + scores.get("other", 0.0)
