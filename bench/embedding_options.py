"""Which care classifier? Each option measured the same honest way, and the comparison printed.

For every option: out-of-fold probabilities on the training examples (5-fold cross-validation over
skill.safety_model.training_data, which holds prompts/safety_examples*.yaml and everyday language);
its two thresholds (urgent: crisis + someone else; concern: any tier) chosen on those alone, as the
pair with the most recall (missed crises counted twice, missed concern once) whose cross-validated
false alarms stay within today's (n-gram + embedding regression at 0.6 / 0.7); then, once, the
held-out sets of bench/care_accuracy.py (tests/data/, never trained or tuned on) per set and tier.
Options: the n-gram regression alone; with the embedding regression (the previous model); with
that and a nearest-example vote OR-ed in (k and vote score chosen by the same cross-validation);
and with a one-hidden-layer network over the embeddings instead of the regression (the model
shipped). Then the cost of each part per utterance.

Usage: python bench/embedding_options.py [--no-cost]   (needs the `train` extra; 30-60 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python bench/...` from a checkout

from bench.care_accuracy import FRESH  # noqa: E402
from bench.care_accuracy import held_out as all_held_out  # noqa: E402
from skill.care import CareTier  # noqa: E402
from skill.embedding_head import EmbeddingHead  # noqa: E402
from skill.embeddings import default_embedder  # noqa: E402
from skill.linear_text_model import LinearTextModel  # noqa: E402
from skill.model_cache import ngram_pipeline  # noqa: E402
from skill.prompts import default_prompts  # noqa: E402
from skill.safety import load_safety  # noqa: E402
from skill.safety_model import CONCERN_THRESHOLD, THRESHOLD, labelled_examples, training_data  # noqa: E402
from skill.text import best_phrase_match, normalize  # noqa: E402

LABELS = ("concern", "crisis", "none", "other")
URGENT = ("crisis", "other")
URGENT_GRID = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
CONCERN_GRID = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
VOTE_GRID = (None, 0.6, 0.7, 0.8, 0.9)
#: The previous model's thresholds: its cross-validated false alarms are every option's budget.
TODAY = (0.6, 0.7)


@dataclass(frozen=True)
class Texts:
    """One group of texts with what the patterns and the self-criticism cue say of each."""

    raw: list[str]
    clean: list[str]
    pattern: list[CareTier | None]
    self_critical: np.ndarray


@dataclass(frozen=True)
class Probabilities:
    """Class probabilities (columns in LABELS order) out of fold on the training texts, and on the held-out ones."""

    cv: np.ndarray
    held: np.ndarray

    def __add__(self, other: Probabilities) -> Probabilities:
        return Probabilities((self.cv + other.cv) / 2, (self.held + other.held) / 2)


Vote = tuple[np.ndarray, np.ndarray]
"""(label, score) per text from its k nearest training examples."""


def describe(texts: list[str]) -> Texts:
    policy = load_safety(default_prompts(), use_classifier=False)
    cues = {"self_critical": policy.self_criticism}
    clean = [normalize(t) for t in texts]
    return Texts(
        texts,
        clean,
        [policy.pattern_tier(t) for t in texts],
        np.array([best_phrase_match(c, cues) is not None for c in clean]),
    )


def judge(group: Texts, p: np.ndarray, urgent: float, concern: float, vote: Vote | None = None,
          vote_urgent: float | None = None, vote_concern: float | None = None) -> list[str | None]:  # fmt: skip
    """SafetyPolicy._judge over arrays, with an optional nearest-example vote OR-ed in."""
    crisis, other, none = (p[:, LABELS.index(label)] for label in ("crisis", "other", "none"))
    verdicts: list[str | None] = []
    for i, tier in enumerate(group.pattern):
        label, score = (vote[0][i], vote[1][i]) if vote is not None else ("none", 0.0)
        if tier is not None and tier.urgent:
            verdicts.append(tier.value)
        elif crisis[i] + other[i] >= urgent:
            verdicts.append("other" if other[i] > 2 * crisis[i] else "crisis")
        elif vote_urgent is not None and label in URGENT and score >= vote_urgent:
            verdicts.append(str(label))
        elif tier is not None:
            verdicts.append("concern")
        elif 1 - none[i] >= concern or (vote_concern is not None and label != "none" and score >= vote_concern):
            verdicts.append(None if group.self_critical[i] else "concern")
        else:
            verdicts.append(None)
    return verdicts


class Measure:
    """Training examples, folds and held-out sets, and how a set of verdicts scores on each."""

    def __init__(self) -> None:
        prompts = default_prompts()
        texts, labels = training_data(prompts)
        self.labels = np.array(labels)
        hard = {normalize(t) for t in labelled_examples(prompts)["none"]}
        self.hard = np.array([t in hard for t in texts])
        self.train = describe(texts)
        self.keys = [(s, label) for s, tiers in held_out().items() for label, items in tiers.items() for _ in items]
        self.held = describe([t for tiers in held_out().values() for items in tiers.values() for t in items])
        self.folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(texts, self.labels))
        embedder = default_embedder()
        self.vectors = embedder.embed(self.train.clean)
        self.held_vectors = embedder.embed(self.held.clean)

    def out_of_fold(self, fit: Callable[[list[int]], Callable[[list[int] | None], np.ndarray]]) -> Probabilities:
        """fit(train rows) -> predict(rows, or None for the held-out texts); out of fold, then fitted on all."""
        cv = np.zeros((len(self.labels), len(LABELS)))
        for train, test in self.folds:
            cv[test] = fit(list(train))(list(test))
        return Probabilities(cv, fit(list(range(len(self.labels))))(None))

    def cv(self, verdicts: list[str | None]) -> dict[str, float]:
        urgent = np.array([v in URGENT for v in verdicts])
        surfaced, y = np.array([v is not None for v in verdicts]), self.labels
        calm = y == "none"
        return {
            "recall": urgent[np.isin(y, URGENT)].mean(),
            "concern": surfaced[y == "concern"].mean(),
            "hard": surfaced[calm & self.hard].mean(),
            "everyday": surfaced[calm & ~self.hard].mean(),
        }

    def held_out(self, verdicts: list[str | None]) -> dict[str, float]:
        urgent = np.array([v in URGENT for v in verdicts])
        surfaced = np.array([v is not None for v in verdicts])
        rows = {key: np.array([k == key for k in self.keys]) for key in set(self.keys)}
        at_risk = np.array([label in URGENT for _, label in self.keys])
        calm = np.array([label.startswith("negatives") for _, label in self.keys])
        return {
            "final": urgent[rows["crisis_final", "crisis"]].mean(),
            "blind": urgent[rows["care_blind", "crisis"]].mean(),
            "other": urgent[rows["care_blind", "other"]].mean(),
            "recall": urgent[at_risk].mean(),
            "concern": surfaced[rows["care_blind", "concern"]].mean(),
            "alarms": surfaced[calm].mean(),
            "self_crit": float(urgent[rows["care_blind", "negatives:self_criticism"]].sum()),
        }


def held_out() -> dict[str, dict[str, list[str]]]:
    """The held-out sets the options were compared on (the fresh set is measured once, by care_accuracy)."""
    return {name: tiers for name, tiers in all_held_out().items() if name not in FRESH}


def ngram(m: Measure) -> Probabilities:
    def fit(rows: list[int]) -> Callable[[list[int] | None], np.ndarray]:
        pipeline = ngram_pipeline(c=10.0).fit([m.train.clean[i] for i in rows], m.labels[rows])
        model = LinearTextModel.from_pipeline(pipeline)
        return lambda test: np.array(
            [model.predict_proba(t) for t in (m.held.clean if test is None else [m.train.clean[i] for i in test])]
        )

    return m.out_of_fold(fit)


def head(m: Measure, network: bool) -> Probabilities:
    def fit(rows: list[int]) -> Callable[[list[int] | None], np.ndarray]:
        labels = [str(label) for label in m.labels[rows]]
        fitted = (EmbeddingHead.fit_network if network else EmbeddingHead.fit)(m.vectors[rows], labels, "bench")
        return lambda test: np.array(
            [fitted.predict_proba(v) for v in (m.held_vectors if test is None else m.vectors[test])]
        )

    return m.out_of_fold(fit)


def votes(m: Measure, k: int) -> tuple[Vote, Vote]:
    """The nearest-example vote (similarity-weighted, as skill.knn) out of fold, and on the held-out texts."""

    def vote(queries: np.ndarray, rows: np.ndarray) -> Vote:
        similarity = queries @ m.vectors[rows].T
        top = np.argsort(-similarity, axis=1)[:, :k]
        weight = np.maximum(np.take_along_axis(similarity, top, axis=1), 0)
        tallies = np.stack([(weight * (m.labels[rows][top] == label)).sum(1) for label in LABELS], axis=1)
        best = tallies.argmax(1)
        return np.array(LABELS)[best], tallies[np.arange(len(best)), best] / k

    cv_label, cv_score = np.empty(len(m.labels), dtype=object), np.zeros(len(m.labels))
    for train, test in m.folds:
        cv_label[test], cv_score[test] = vote(m.vectors[test], train)
    return (cv_label, cv_score), vote(m.held_vectors, np.arange(len(m.labels)))


def settings(voting: bool) -> Iterator[tuple[float, float, float | None, float | None]]:
    grid = (VOTE_GRID, VOTE_GRID) if voting else ((None,), (None,))
    yield from itertools.product(URGENT_GRID, CONCERN_GRID, *grid)


def compare(show_all: bool) -> None:
    started = time.perf_counter()
    m = Measure()
    ng = ngram(m)
    regression, network = head(m, network=False), head(m, network=True)
    print(f"(probabilities out of fold in {time.perf_counter() - started:.0f} s)")
    today = m.cv(judge(m.train, (ng + regression).cv, *TODAY))
    budget = (today["hard"], today["everyday"])
    print(
        f"budget, cross-validated false alarms of today's model at {TODAY[0]} / {TODAY[1]}:"
        f" hard negatives <= {budget[0]:.1%}, everyday language <= {budget[1]:.1%}\n"
    )
    print(
        f"{'option':44s} {'thresholds':18s} | {'CV: recall':>10s} {'concern':>7s} {'hard FA':>7s} {'every FA':>8s}"
        f" | {'final':>5s} {'blind':>5s} {'other':>5s} {'pooled':>6s} {'concern':>7s} {'FA':>5s} self-crit"
    )
    options: list[tuple[str, Probabilities, int]] = [
        ("n-gram regression alone", ng, 0),
        ("n-gram + embedding regression (previous)", ng + regression, 0),
        *((f"n-gram + embedding regression | {k}-NN vote", ng + regression, k) for k in (1, 3, 5)),
        ("n-gram + embedding network (shipped)", ng + network, 0),
    ]
    for name, probabilities, k in options:
        vote_cv, vote_held = votes(m, k) if k else (None, None)
        scored = [
            (setting, m.cv(judge(m.train, probabilities.cv, *setting[:2], vote_cv, *setting[2:])))
            for setting in settings(voting=bool(k))
        ]
        fair = [(s, f) for s, f in scored if f["hard"] <= budget[0] + 1e-9 and f["everyday"] <= budget[1] + 1e-9]
        chosen = [max(fair, key=lambda sf: 2 * sf[1]["recall"] + sf[1]["concern"])] if fair else []
        if name.endswith("(previous)") and not any(setting[:2] == TODAY for setting, _ in chosen):
            chosen.insert(0, ((*TODAY, None, None), today))
        for setting, figures in chosen if not show_all else fair:
            held = m.held_out(judge(m.held, probabilities.held, *setting[:2], vote_held, *setting[2:]))
            label = f"{setting[0]} / {setting[1]}" + (f" vote {setting[2]}/{setting[3]}" if k else "")
            print(
                f"{name:44s} {label:18s} | {figures['recall']:10.1%} {figures['concern']:7.1%} {figures['hard']:7.1%}"
                f" {figures['everyday']:8.1%} | {held['final']:5.0%} {held['blind']:5.1%} {held['other']:5.1%}"
                f" {held['recall']:6.1%} {held['concern']:7.1%} {held['alarms']:5.1%} {held['self_crit']:5.0f}"
            )
        if not fair:
            print(f"{name:44s} no thresholds within the budget")
    print(f"\nshipped thresholds: urgent {THRESHOLD}, concern {CONCERN_THRESHOLD}")


def cost() -> None:
    """Milliseconds per utterance of each part, on this thread, after loading."""
    from skill.safety import default_safety

    policy = default_safety()
    assert policy.classifier is not None and policy.classifier.head is not None
    texts = [t for tiers in held_out().values() for items in tiers.values() for t in items][:400]
    policy.care("warm up")
    model, fitted, embedder = policy.classifier.model, policy.classifier.head.get(), default_embedder()
    vector = embedder.embed_one("a sentence")
    parts: dict[str, Callable[[str], object]] = {
        "n-gram regression": model.predict_proba,
        "sentence embedding": embedder.embed_one,
        "embedding network (given the vector)": lambda _: fitted.predict_proba(vector),
        "whole care check (patterns, both models)": policy.care,
    }
    print("\ncost per utterance (median / p95, one thread):")
    for name, part in parts.items():
        samples = []
        for text in texts:
            start = time.perf_counter()
            part(normalize(text))
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        print(f"  {name:42s} {statistics.median(samples):6.2f} / {samples[int(len(samples) * 0.95)]:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-cost", action="store_true", help="skip the timing")
    parser.add_argument(
        "--all", action="store_true", help="every threshold pair within the budget, not only the chosen"
    )
    args = parser.parse_args()
    compare(args.all)
    if not args.no_cost:
        cost()


if __name__ == "__main__":
    main()
