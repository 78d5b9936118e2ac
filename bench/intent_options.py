"""Which paraphrase classifier? Each option measured the same honest way, and the comparison printed.

Options are chosen by cross-validation over the hand-written training paraphrases
(prompts/language/paraphrases*.yaml): 5 folds of them, each predicted by models trained on the
templates, feelings and cues plus the other four folds, every prediction going through the whole
Matcher (templates first, cues, thresholds). Then each option is reported once on the held-out
sets (tests/data/paraphrases.yaml and paraphrases_holdout.yaml, never trained or tuned on), slots
and check-in themes included, as bench/nlu_accuracy.py scores them.
Options: the weight of a paraphrase against a filled template sentence (1 or 3); the mix of the
n-gram and embedding regressions; and a k-nearest-sentence vote over the embeddings blended in.

Usage: python bench/intent_options.py   (needs the `train` extra; 20-40 minutes on 2 cores)
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np
import yaml
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python bench/...` from a checkout

from skill.content import prompts_dir  # noqa: E402
from skill.embedding_head import EmbeddingHead  # noqa: E402
from skill.embeddings import default_embedder  # noqa: E402
from skill.language import default_language  # noqa: E402
from skill.linear_text_model import LinearTextModel  # noqa: E402
from skill.model_cache import ngram_pipeline  # noqa: E402
from skill.nlu import OUT_OF_DOMAIN, PARAPHRASE_WEIGHT, Matcher  # noqa: E402
from skill.prompts import load_paraphrases  # noqa: E402
from skill.safety import default_safety, load_safety  # noqa: E402
from skill.text import normalize  # noqa: E402
from testkit.paraphrases import is_correct  # noqa: E402

DATA = ROOT / "tests" / "data"
WEIGHTS = (1.0, 3.0)
MIXES = (0.3, 0.5, 0.7, 1.0)
"""Share of the n-gram model in the mean of the two."""
VOTES = ((0, 0.0), (3, 0.2), (3, 0.35), (5, 0.2), (5, 0.35), (10, 0.2))
"""(k, share of the vote) blended into the probabilities."""


class Table:
    """Stands in for the Matcher's classifier: precomputed probabilities by normalised text."""

    def __init__(self, classes: list[str], texts: list[str], probabilities: np.ndarray) -> None:
        self.classes = classes
        self.rows = dict(zip(texts, probabilities, strict=True))

    def predict(self, text: str) -> tuple[str, float]:
        p = self.rows[normalize(text)]
        return self.classes[int(p.argmax())], float(p.max())


def main() -> None:
    started = time.perf_counter()
    matcher = Matcher(safety=load_safety(prompts_dir(), use_classifier=False))
    texts, label_list, _ = matcher._training_data()
    texts = [normalize(t) for t in texts]
    labels = np.array(label_list)
    classes = sorted(set(label_list))
    paraphrase_count = sum(len(v) for v in load_paraphrases(default_language(), prompts_dir()).values())
    is_paraphrase = np.arange(len(texts)) >= len(texts) - paraphrase_count
    paraphrases = np.flatnonzero(is_paraphrase)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(paraphrases, labels[paraphrases]))
    cases = [
        *yaml.safe_load((DATA / "paraphrases.yaml").read_text()),
        *yaml.safe_load((DATA / "paraphrases_holdout.yaml").read_text()),
    ]
    first = len(yaml.safe_load((DATA / "paraphrases.yaml").read_text()))
    held_texts = [normalize(c["text"]) for c in cases]
    embedder = default_embedder()
    vectors, held_vectors = embedder.embed(texts), embedder.embed(held_texts)

    def fit(rows: np.ndarray, weight: float, queries: list[str], query_vectors: np.ndarray) -> np.ndarray:
        w = np.where(is_paraphrase, weight, 1.0)[rows]
        pipeline = ngram_pipeline().fit([texts[i] for i in rows], labels[rows], logisticregression__sample_weight=w)
        ngrams = LinearTextModel.from_pipeline(pipeline)
        head = EmbeddingHead.fit(vectors[rows], list(labels[rows]), "bench", sample_weight=list(w))
        assert ngrams.classes == head.classes == classes
        return np.stack(
            [
                np.array([ngrams.predict_proba(q) for q in queries]),
                np.array([head.predict_proba(v) for v in query_vectors]),
            ]
        )

    def vote(rows: np.ndarray, query_vectors: np.ndarray, k: int) -> np.ndarray:
        similarity = query_vectors @ vectors[rows].T
        top = np.argsort(-similarity, axis=1)[:, :k]
        weight = np.maximum(np.take_along_axis(similarity, top, axis=1), 0)
        tallies = np.stack([(weight * (labels[rows][top] == c)).sum(1) for c in classes], axis=1)
        return np.asarray(tallies / np.maximum(tallies.sum(1, keepdims=True), 1e-9))

    everything = np.arange(len(texts))
    cv_texts = [texts[i] for i in paraphrases]
    results: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    for weight in WEIGHTS:
        cv = np.zeros((2, len(paraphrases), len(classes)))
        for _, test in folds:
            rows = np.setdiff1d(everything, paraphrases[test])
            cv[:, test] = fit(rows, weight, [cv_texts[i] for i in test], vectors[paraphrases[test]])
        results[weight] = (cv, fit(everything, weight, held_texts, held_vectors))
    cv_votes = {k: np.zeros((len(paraphrases), len(classes))) for k, _ in VOTES if k}
    for k in cv_votes:
        for _, test in folds:
            cv_votes[k][test] = vote(np.setdiff1d(everything, paraphrases[test]), vectors[paraphrases[test]], k)
    held_votes = {k: vote(everything, held_vectors, k) for k in cv_votes}
    print(f"(models fitted in {time.perf_counter() - started:.0f} s)\n")

    wanted = [None if label == OUT_OF_DOMAIN else label for label in labels[paraphrases]]
    real = Matcher(safety=default_safety())
    print(f"{'option':52s} | {'CV':>6s} | {'first set':>9s} {'odd half':>8s} {'second':>6s} {'pooled':>6s}")
    for weight, mix, (k, share) in itertools.product(WEIGHTS, MIXES, VOTES):
        cv, held = results[weight]
        blend_cv, blend_held = mix * cv[0] + (1 - mix) * cv[1], mix * held[0] + (1 - mix) * held[1]
        if k:
            blend_cv = (1 - share) * blend_cv + share * cv_votes[k]
            blend_held = (1 - share) * blend_held + share * held_votes[k]
        matcher._classifier = Table(classes, cv_texts, blend_cv)  # type: ignore[assignment]
        cv_accuracy = np.mean([matcher.match(t).intent == w for t, w in zip(cv_texts, wanted, strict=True)])
        real._classifier = Table(classes, held_texts, blend_held)  # type: ignore[assignment]
        ok = np.array([is_correct(c, real.match(c["text"])) for c in cases])
        odd = np.arange(len(cases)) % 2 == 1
        pooled = np.concatenate([ok[:first][odd[:first]], ok[first:]])
        name = f"paraphrase weight {weight:g}, n-gram share {mix:g}" + (f", {k}-NN vote {share:g}" if k else "")
        shipped = " (shipped)" if (weight, mix, k) == (PARAPHRASE_WEIGHT, 0.5, 0) else ""
        print(
            f"{name + shipped:52s} | {cv_accuracy:6.1%} | {ok[:first].mean():9.1%}"
            f" {ok[:first][odd[:first]].mean():8.1%} {ok[first:].mean():6.1%} {pooled.mean():6.1%}"
        )


if __name__ == "__main__":
    main()
