"""How the practice and check-in theme classifiers (skill/slot_models.py) are set up, by cross-validation.

Everything here is measured on the training files alone, never on tests/data/:
- practice: 5 folds of prompts/practice_phrasings.yaml, each predicted by models trained on the filled
  templates plus the other four folds; per phrasing weight (1 or 3) and per model (n-grams, embeddings,
  their mean), the share right when the pick is taken at or above each threshold (else no practice).
- theme: 5 folds of prompts/feelings_examples.yaml, each predicted by models trained on the themes'
  words plus the other four folds; the share right for the cue words alone, the classifier alone, and
  the classifier overriding the cues at or above each threshold (always, or only when the cues are weak).

Usage: python bench/slot_options.py   (needs the `train` extra; a few minutes on 2 cores)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python bench/...` from a checkout

from skill.embedding_head import EmbeddingHead  # noqa: E402
from skill.embeddings import default_embedder  # noqa: E402
from skill.linear_text_model import LinearTextModel  # noqa: E402
from skill.model_cache import ngram_pipeline  # noqa: E402
from skill.prompts import NO_PRACTICE, default_prompts  # noqa: E402
from skill.slot_models import OTHER_THEME, practice_training_data, theme_training_data  # noqa: E402
from skill.text import scored_phrase_match  # noqa: E402

THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7)
Data = tuple[list[str], list[str], list[float]]


def fold_probabilities(
    base: Data, held: Data, vectors: dict[str, np.ndarray], held_weight: float
) -> dict[str, tuple[list[str], np.ndarray]]:
    """Out-of-fold probabilities of each model for every held sentence: {model: (classes, rows)}."""
    texts, labels, _ = held
    out: dict[str, list[np.ndarray]] = {"ngrams": [], "embeddings": [], "mean": []}
    rows = np.zeros(len(texts), dtype=int)
    classes: list[str] = []
    split = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for fold, (train, test) in enumerate(split.split(texts, labels)):
        fit_texts = base[0] + [texts[i] for i in train]
        fit_labels = base[1] + [labels[i] for i in train]
        fit_weights = base[2] + [held_weight] * len(train)
        pipeline = ngram_pipeline()
        pipeline.fit(fit_texts, fit_labels, logisticregression__sample_weight=fit_weights)
        ngrams = LinearTextModel.from_pipeline(pipeline)
        matrix = np.stack([vectors[t] for t in fit_texts])
        head = EmbeddingHead.fit(matrix, fit_labels, "bench", sample_weight=fit_weights)
        classes = ngrams.classes
        assert head.classes == classes
        for i in test:
            a, b = ngrams.predict_proba(texts[i]), head.predict_proba(vectors[texts[i]])
            out["ngrams"].append(a)
            out["embeddings"].append(b)
            out["mean"].append((a + b) / 2)
        rows[test] = fold
    order = np.concatenate([np.flatnonzero(rows == f) for f in range(5)])
    inverse = np.argsort(order)
    return {name: (classes, np.stack(probs)[inverse]) for name, probs in out.items()}


def practice_report(vectors: dict[str, np.ndarray]) -> None:
    texts, labels, weights = practice_training_data(default_prompts())
    base = ([t for t, w in zip(texts, weights, strict=True) if w == 1.0], [], [])
    base = (base[0], [lab for lab, w in zip(labels, weights, strict=True) if w == 1.0], [1.0] * len(base[0]))
    held = ([t for t, w in zip(texts, weights, strict=True) if w != 1.0], [], [])
    held = (held[0], [lab for lab, w in zip(labels, weights, strict=True) if w != 1.0], [])
    print(f"practice: {len(base[0])} template sentences, {len(held[0])} phrasings in 5 folds")
    print("  weight model        " + " ".join(f"t={t:.1f}" for t in THRESHOLDS))
    for weight in (1.0, 3.0):
        for model, (classes, probs) in fold_probabilities(base, held, vectors, weight).items():
            best = probs.argmax(axis=1)
            cells = []
            for threshold in THRESHOLDS:
                picks = [classes[b] if p[b] >= threshold else NO_PRACTICE for b, p in zip(best, probs, strict=True)]
                right = np.mean([p == want for p, want in zip(picks, held[1], strict=True)])
                cells.append(f"{right:5.1%}")
            print(f"  {weight:<6.0f} {model:12s} " + " ".join(cells))


def theme_report(vectors: dict[str, np.ndarray]) -> None:
    prompts = default_prompts()
    texts, labels, _ = theme_training_data(prompts)
    answers = {a for values in prompts.feelings_examples.values() for a in values}
    from skill.text import normalize

    held_set = {normalize(a) for a in answers}
    base_idx = [i for i, t in enumerate(texts) if t not in held_set]
    held_idx = [i for i, t in enumerate(texts) if t in held_set]
    base = ([texts[i] for i in base_idx], [labels[i] for i in base_idx], [1.0] * len(base_idx))
    held = ([texts[i] for i in held_idx], [labels[i] for i in held_idx], [])
    cues = {theme.id: list(theme.words) for theme in prompts.themes}
    matches = [scored_phrase_match(t, cues) for t in held[0]]
    cue_right = np.mean([(k or OTHER_THEME) == want for (k, _), want in zip(matches, held[1], strict=True)])
    print(f"theme: {len(base[0])} word sentences, {len(held[0])} everyday answers in 5 folds")
    print(f"  cue words alone: {cue_right:.1%}")
    print("  model       rule                 " + " ".join(f"t={t:.1f}" for t in THRESHOLDS))
    for model, (classes, probs) in fold_probabilities(base, held, vectors, 1.0).items():
        for rule, override in (
            ("no cue only", lambda s: False),
            ("override weak", lambda s: s < 4),
            ("override any", lambda s: True),
        ):
            cells = []
            for threshold in THRESHOLDS:
                picks = [combine(m, classes, p, threshold, override) for m, p in zip(matches, probs, strict=True)]
                cells.append(f"{np.mean([p == w for p, w in zip(picks, held[1], strict=True)]):5.1%}")
            print(f"  {model:11s} {rule:20s} " + " ".join(cells))


def combine(
    match: tuple[str | None, int],
    classes: list[str],
    probs: np.ndarray,
    threshold: float,
    override: Callable[[int], bool],
) -> str:
    """The theme: the cue words', unless the classifier is sure (and the rule lets it override them)."""
    cue, score = match
    best = int(probs.argmax())
    sure = probs[best] >= threshold
    if cue is None:
        return classes[best] if sure else OTHER_THEME
    return classes[best] if sure and override(score) else cue


def main() -> None:
    prompts = default_prompts()
    everything = set(practice_training_data(prompts)[0]) | set(theme_training_data(prompts)[0])
    ordered = sorted(everything)
    matrix = default_embedder().embed(ordered)
    vectors = dict(zip(ordered, matrix, strict=True))
    practice_report(vectors)
    theme_report(vectors)


if __name__ == "__main__":
    main()
