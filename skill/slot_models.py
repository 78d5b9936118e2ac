"""Slot values read from meaning: which practice a request describes, and which family of feelings a
check-in answer belongs to.

The templates and cue words only know the words someone might use for a practice or a feeling;
people often describe a practice by what it does ("the one where you wish people well") or a
feeling by what happened ("my mates went out without me"). Two classifiers learn those from
prompts/: each the mean of an n-gram logistic regression and a logistic regression over MiniLM
sentence embeddings, the same machinery as the paraphrase classifier (skill.nlu), trained by
`kindwell train` and served from skill/weights/ with numpy alone.

- practice: the StartPracticeIntent templates with their practice filled (every name the practice
  list accepts), generic requests (`none`), and prompts/practice_phrasings.yaml, which describes each
  practice without naming it. The matcher asks it only when no template named the practice.
- theme: prompts/feelings_examples.yaml (labelled by theme; `okay` answers are `other`) and the
  check-in themes' own words, said the ways people say them.

The set-up was chosen by cross-validation over these training files alone (bench/slot_options.py): the
mean of the two models beat either alone; phrasings weigh 3 filled templates; the practice is the
most likely value, `none` included (any threshold on it only lost phrasings); the theme threshold is
skill.checkin's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .averaged_model import TOKENIZER_FILE, AveragedClassifier, read_head
from .model_cache import LazyModel, ngram_pipeline
from .prompts import NO_PRACTICE
from .text import normalize

if TYPE_CHECKING:
    from .embedding_head import EmbeddingHead
    from .prompts import Prompts

#: The theme of a check-in answer that belongs to no theme of checkin.yaml (feelings_examples.yaml `okay`).
OTHER_THEME = "other"
#: feelings_examples.yaml keys that are not check-in themes, and the label they train.
_THEME_ALIASES = {"okay": OTHER_THEME}
#: How a theme's words are said, as training answers.
_FEELING_CARRIERS = ("{}", "i feel {}", "i'm {}", "feeling {} today", "i've been {} lately")
#: Most filled template sentences per practice, so the templates do not drown the phrasings.
_TEMPLATES_PER_PRACTICE = 240
#: Weight of a hand-written phrasing against one filled template sentence (bench/slot_options.py).
PHRASING_WEIGHT = 3.0
_MODEL_FORMAT = 1


class SlotClassifier(AveragedClassifier):
    """The mean of an n-gram model and a sentence-embedding model over one slot's values; both load on first use."""

    def __init__(self, name: str, weights: LazyModel, head: LazyModel | None = None) -> None:
        super().__init__(weights, head, described_as=f"the {name} model")
        self.name = name

    def probabilities(self, text: str) -> dict[str, float]:
        """Value -> probability for a text (normalised here)."""
        return super().probabilities(normalize(text))

    def predict(self, text: str) -> tuple[str, float]:
        """(most likely value, its probability)."""
        scores = self.probabilities(text)
        best = max(scores, key=scores.__getitem__)
        return best, scores[best]


def practice_training_data(prompts: Prompts) -> tuple[list[str], list[str], list[float]]:
    """(texts, labels, weights): StartPracticeIntent templates with each practice's names filled in, the
    generic requests among them as `none`, then practice_phrasings.yaml (PHRASING_WEIGHT each)."""
    from .language import PLACEHOLDER  # hassil: only training needs the templates

    language = prompts.language
    fillers = prompts.fillers.for_training()
    synonyms = language.practice_synonyms()
    rng = random.Random(13)

    def fill(template: str, practice: str) -> str:
        return normalize(
            PLACEHOLDER.sub(
                lambda m: practice if m.group(1) == "practice" else rng.choice(fillers.get(m.group(1)) or [""]),
                template,
            )
        )

    templates = sorted(set(language.expand("StartPracticeIntent", expand_lists=False)))
    naming = [t for t in templates if "{practice}" in t]
    # A template without a practice is generic when it says nothing the practice-naming templates do not
    # also say around the name ("start a session"); "help me breathe" describes one, so it is left out.
    carrier = {w for t in naming for w in PLACEHOLDER.sub(" ", t).split()}
    generic = [t for t in templates if "{practice}" not in t and set(PLACEHOLDER.sub(" ", t).split()) <= carrier]
    texts: list[str] = []
    labels: list[str] = []
    for practice, names in sorted(synonyms.items()):
        filled = sorted({fill(t, name) for t in naming for name in names})
        chosen = rng.sample(filled, min(_TEMPLATES_PER_PRACTICE, len(filled)))
        texts += chosen
        labels += [practice] * len(chosen)
    plain = sorted({fill(t, "") for t in generic})
    plain = rng.sample(plain, min(_TEMPLATES_PER_PRACTICE, len(plain)))
    texts += plain
    labels += [NO_PRACTICE] * len(plain)
    weights = [1.0] * len(texts)
    for practice, phrasings in prompts.practice_phrasings.items():
        texts += [normalize(p) for p in phrasings]
        labels += [practice] * len(phrasings)
        weights += [PHRASING_WEIGHT] * len(phrasings)
    return texts, labels, weights


def theme_training_data(prompts: Prompts) -> tuple[list[str], list[str], list[float]]:
    """(texts, labels, weights): every theme's words in everyday carriers, then the everyday answers."""
    texts: list[str] = []
    labels: list[str] = []
    for theme in prompts.themes:
        for word in theme.words:
            texts += [normalize(carrier.format(word)) for carrier in _FEELING_CARRIERS]
            labels += [theme.id] * len(_FEELING_CARRIERS)
    for key, answers in prompts.feelings_examples.items():
        texts += [normalize(a) for a in answers]
        labels += [_THEME_ALIASES.get(key, key)] * len(answers)
    return texts, labels, [1.0] * len(texts)


def _classifier(
    name: str, prompts: Prompts, data: Callable[[Prompts], tuple[list[str], list[str], list[float]]]
) -> SlotClassifier:
    sources = prompts.practice_sources() if name == "practice" else prompts.theme_sources()

    def train() -> Any:
        texts, labels, weights = data(prompts)
        pipeline = ngram_pipeline()
        pipeline.fit(texts, labels, logisticregression__sample_weight=weights)
        return pipeline

    def train_head() -> EmbeddingHead:
        from .embedding_head import EmbeddingHead
        from .embeddings import default_embedder

        texts, labels, weights = data(prompts)
        embedder = default_embedder()
        return EmbeddingHead.fit(embedder.embed(texts), labels, embedder.model_id, sample_weight=weights)

    weights = LazyModel(name, sources, _MODEL_FORMAT, train)
    head = LazyModel(f"{name}-embedding", [*sources, TOKENIZER_FILE], _MODEL_FORMAT, train_head, read_head)
    return SlotClassifier(name, weights, head)


def practice_classifier(prompts: Prompts) -> SlotClassifier:
    """The practice classifier for prompts' content (shipped weights, or trained in memory when stale)."""
    return _classifier("practice", prompts, practice_training_data)


def theme_classifier(prompts: Prompts) -> SlotClassifier:
    """The check-in theme classifier for prompts' content (shipped weights, or trained in memory when stale)."""
    return _classifier("theme", prompts, theme_training_data)
