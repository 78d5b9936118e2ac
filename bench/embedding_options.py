"""Should sentence embeddings (all-MiniLM-L6-v2) join crisis detection and intent matching? Measure it.

a) Crisis: today's verdict (patterns or n-gram classifier), k nearest training examples by cosine,
   an embedding logistic regression, and the OR of today's verdict with each. Thresholds are chosen
   by 5-fold cross-validation on the training examples only (safety_model.training_data); the
   held-out tests/data/crisis_final.yaml is then reported once per chosen setting.
b) Intents: today's Matcher, and the Matcher whose classifier answers (when unsure or none) are
   re-decided by a kNN vote over the filled template sentences. Tuned on the dev half of
   paraphrases.yaml (even positions); reported on its held-out half and on paraphrases_holdout.yaml.
c) Cost: ms per utterance and extra resident memory of the embedder, in a fresh process.

Usage: python bench/embedding_options.py [--no-latency]
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill.embeddings import default_embedder  # noqa: E402
from skill.knn import NearestExamples  # noqa: E402
from skill.language import Language  # noqa: E402
from skill.model_cache import ngram_pipeline  # noqa: E402
from skill.nlu import CONFIDENT, OUT_OF_DOMAIN, IntentClassifier, Matcher, NluResult  # noqa: E402
from skill.prompts import default_prompts  # noqa: E402
from skill.safety import default_safety, load_safety  # noqa: E402
from skill.safety_model import training_data  # noqa: E402
from skill.text import normalize  # noqa: E402
from testkit.paraphrases import is_correct  # noqa: E402

DATA = ROOT / "tests" / "data"
KS = (1, 3, 5, 10)
SIMILARITIES = tuple(round(0.30 + 0.05 * i, 2) for i in range(11))
#: Cross-validated everyday false alarms (templates, feelings, cues) any chosen crisis setting must keep under.
MAX_EVERYDAY_ALARMS = 0.01
#: The team's false-alarm goal, used as a second cross-validated budget on hard negatives.
TARGET_ALARMS = 0.05
NGRAM_THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97)
CRISIS, CALM = "crisis", "not_crisis"


def rate(flags: Sequence[bool] | np.ndarray) -> float:
    """Share of True, 0 for an empty list."""
    return float(np.mean(flags)) if len(flags) else 0.0


@dataclass(frozen=True)
class CrisisOption:
    """One crisis detector setting chosen by cross-validation, with its held-out figures."""

    name: str
    budget: str
    cv_recall: float
    cv_hard_alarms: float
    cv_everyday_alarms: float
    final_recall: float
    final_alarms: float
    everyday_alarms: float


@dataclass(frozen=True)
class _Flags:
    cv: np.ndarray
    """Verdict on each training example from models that never saw it (5-fold)."""
    probe: np.ndarray
    """Verdict on crisis_final (crisis, then not_crisis) and the everyday paraphrases, trained on everything."""


def crisis_options(show_errors: bool) -> list[CrisisOption]:
    """Choose each family's best setting by cross-validation, then report it once on crisis_final."""
    prompts = default_prompts()
    embedder = default_embedder()
    texts, numeric = training_data(prompts)
    y = np.array(numeric)
    labels = [CRISIS if v else CALM for v in numeric]
    hard = {normalize(t) for t in prompts.safety_examples.labelled["none"]}
    is_hard = np.array([t in hard for t in texts])
    vectors = embedder.embed(texts)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y))

    final = yaml.safe_load((DATA / "crisis_final.yaml").read_text())
    everyday = [
        str(c["text"])
        for name in ("paraphrases.yaml", "paraphrases_holdout.yaml")
        for c in yaml.safe_load((DATA / name).read_text())
        if c.get("intent") != "CrisisSupportIntent"
    ]
    probe = [*final["crisis"], *final["not_crisis"], *everyday]
    probe_clean = [normalize(t) for t in probe]
    probe_vectors = embedder.embed(probe_clean)
    crisis_count, calm_count = len(final["crisis"]), len(final["not_crisis"])

    # Today's two detectors, cross-validated the way bench/crisis_threshold.py does it.
    patterns = load_safety(prompts, use_classifier=False)
    cv_patterns = np.array([patterns.matches_pattern(t) for t in texts])
    cv_ngram = cross_val_predict(ngram_pipeline(c=10.0), texts, y, cv=folds, method="predict_proba")[:, 1]
    safety = default_safety()
    assert safety.classifier is not None
    probe_patterns = np.array([safety.matches_pattern(t) for t in probe])
    probe_ngram = np.array([safety.classifier.probability(t) for t in probe_clean])
    ngram = {
        th: _Flags(cv_patterns | (cv_ngram >= th), probe_patterns | (probe_ngram >= th)) for th in NGRAM_THRESHOLDS
    }

    knn: dict[tuple[int, float], _Flags] = {}
    full = NearestExamples(vectors, labels, texts, embedder)
    for k in KS:
        voted = np.empty(len(texts), dtype=object)
        scores = np.zeros(len(texts), dtype=np.float32)
        for train, test in folds:
            index = NearestExamples(vectors[train], [labels[i] for i in train], [texts[i] for i in train], embedder)
            voted[test], scores[test] = index.vote_vectors(vectors[test], k)
        probe_voted, probe_scores = full.vote_vectors(probe_vectors, k)
        for t in SIMILARITIES:
            knn[k, t] = _Flags(
                (voted == CRISIS) & (scores >= t), (np.array(probe_voted) == CRISIS) & (probe_scores >= t)
            )

    regression = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
    cv_embedded = cross_val_predict(regression, vectors, y, cv=folds, method="predict_proba")[:, 1]
    probe_embedded = regression.fit(vectors, y).predict_proba(probe_vectors)[:, 1]
    embedded = {c: _Flags(cv_embedded >= c, probe_embedded >= c) for c in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)}

    def either(a: _Flags, b: _Flags) -> _Flags:
        return _Flags(a.cv | b.cv, a.probe | b.probe)

    families: dict[str, dict[str, _Flags]] = {
        "patterns | n-gram, threshold re-chosen": {f"n-gram>={th}": f for th, f in ngram.items()},
        "kNN alone": {f"k={k} score>={t}": f for (k, t), f in knn.items()},
        "patterns | n-gram | kNN": {
            f"n-gram>={th} k={k} score>={t}": either(ngram[th], f)
            for th in (0.85, 0.9, 0.95)
            for (k, t), f in knn.items()
        },
        "embedding LR alone": {f"p>={c}": f for c, f in embedded.items()},
        "patterns | n-gram | embedding LR": {
            f"n-gram>={th} emb-LR>={c}": either(ngram[th], f) for th in (0.85, 0.9, 0.95) for c, f in embedded.items()
        },
    }

    def cv_figures(flags: _Flags) -> tuple[float, float, float]:
        return rate(flags.cv[y == 1]), rate(flags.cv[(y == 0) & is_hard]), rate(flags.cv[(y == 0) & ~is_hard])

    def option(family: str, setting: str, budget: str, flags: _Flags) -> CrisisOption:
        if show_errors:
            for text, flagged in zip(probe[crisis_count:], flags.probe[crisis_count:], strict=True):
                if flagged:
                    print(f"  {family} {setting}: FALSE ALARM {text!r}")
        return CrisisOption(
            f"{family}: {setting}",
            budget,
            *cv_figures(flags),
            final_recall=rate(flags.probe[:crisis_count]),
            final_alarms=rate(flags.probe[crisis_count : crisis_count + calm_count]),
            everyday_alarms=rate(flags.probe[crisis_count + calm_count :]),
        )

    today = ngram[0.85]
    options = [option("today", "patterns | n-gram>=0.85", "-", today)]
    budgets = {f"CV hard FA <= today's {cv_figures(today)[1]:.1%}": cv_figures(today)[1], "CV hard FA <= 5%": 0.05}
    for budget, limit in budgets.items():
        for family, settings in families.items():
            allowed = [
                (figures[0], -figures[1], setting)
                for setting, flags in settings.items()
                if (figures := cv_figures(flags))[1] <= limit + 1e-9 and figures[2] <= MAX_EVERYDAY_ALARMS
            ]
            if allowed:
                setting = max(allowed)[2]
                options.append(option(family, setting, budget, settings[setting]))
    return options


@dataclass(frozen=True)
class IntentSetting:
    """When and how the kNN vote re-decides a classifier answer."""

    k: int
    below: float
    """Classifier confidence under which its answer is re-decided (answers of none always are)."""
    min_score: float
    """Vote score the kNN answer needs to replace the classifier's."""


def intent_index_texts(matcher: Matcher, expand_lists: bool) -> tuple[list[str], list[str]]:
    """The classifier's own filled template sentences, plus fully expanded ones when lists are small."""
    texts, labels = IntentClassifier.training_data(
        matcher.language, matcher.prompts.fillers.for_training(), matcher._out_of_domain
    )
    if expand_lists:
        language: Language = matcher.language
        for name in (*language.custom_intents, *language.builtin_intents):
            # StartPracticeIntent expands to millions (practice x length x number): sampled above instead.
            expanded = list(itertools.islice(language.expand(name, expand_lists=True), 1501))
            if len(expanded) <= 1500:
                texts += expanded
                labels += [name] * len(expanded)
    seen: dict[str, str] = {}
    for text, label in zip(texts, labels, strict=True):
        seen.setdefault(normalize(text), label)
    return list(seen), list(seen.values())


def decide(matcher: Matcher, base: NluResult, clean: str, vote: tuple[str, float], setting: IntentSetting) -> NluResult:
    """The Matcher's answer, or the kNN vote's when the classifier was unsure and the vote is strong."""
    if base.source != "classifier" or (base.intent is not None and base.confidence >= setting.below):
        return base
    label, score = vote
    if score < setting.min_score:
        return base
    if label == OUT_OF_DOMAIN:
        return NluResult(text=base.text, intent=None, source="knn", confidence=score)
    return NluResult(
        text=base.text, intent=label, slots=matcher._loose_slots(label, clean), source="knn", confidence=score
    )


class _Ensemble:
    """The n-gram classifier's probabilities averaged with a logistic regression on embeddings."""

    def __init__(self, ngram: IntentClassifier, texts: list[str], labels: list[str]) -> None:
        self.ngram = ngram
        self.embedder = default_embedder()
        self.regression = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
        self.regression.fit(self.embedder.embed(texts), labels)
        self.order = [list(self.regression.classes_).index(c) for c in ngram.model.classes]

    def predict(self, text: str) -> tuple[str, float]:
        """(label, probability), the interface Matcher expects of its classifier."""
        clean = normalize(text)
        embedded = self.regression.predict_proba(self.embedder.embed([clean]))[0][self.order]
        probabilities = 0.5 * self.ngram.model.predict_proba(clean) + 0.5 * embedded
        best = int(probabilities.argmax())
        return self.ngram.model.classes[best], float(probabilities[best])


def ensemble(matcher: Matcher, texts: list[str], labels: list[str], cases: list[dict[str, Any]]) -> list[NluResult]:
    """Every case through a Matcher whose classifier is the ensemble (thresholds and cue rules unchanged)."""
    swapped = Matcher(matcher.prompts, matcher.safety)
    swapped._classifier = _Ensemble(matcher.classifier, texts, labels)  # type: ignore[assignment]
    return [swapped.match(c["text"]) for c in cases]


def intent_options() -> list[tuple[str, float, float, float, float, float]]:
    """(name, dev, held-out half, holdout set, pooled held-out, all) accuracy per option."""
    matcher = Matcher()
    embedder = default_embedder()
    first = yaml.safe_load((DATA / "paraphrases.yaml").read_text())
    second = yaml.safe_load((DATA / "paraphrases_holdout.yaml").read_text())
    cases = [*first, *second]
    group = ["dev" if i % 2 == 0 else "held" for i in range(len(first))] + ["holdout"] * len(second)
    cleans = [normalize(c["text"]) for c in cases]
    bases = [matcher.match(c["text"]) for c in cases]
    queries = embedder.embed(cleans)

    def accuracy(results: list[Any], which: Callable[[str], bool]) -> float:
        return rate([is_correct(c, r) for c, r, g in zip(cases, results, group, strict=True) if which(g)])

    def row(name: str, results: list[Any]) -> tuple[str, float, float, float, float, float]:
        return (
            name,
            accuracy(results, lambda g: g == "dev"),
            accuracy(results, lambda g: g == "held"),
            accuracy(results, lambda g: g == "holdout"),
            accuracy(results, lambda g: g != "dev"),
            accuracy(results, lambda g: True),
        )

    rows = [row("today's Matcher", bases)]
    for expand_lists in (False, True):
        texts, labels = intent_index_texts(matcher, expand_lists)
        index = NearestExamples.build(texts, labels, embedder)
        kind = "lists expanded" if expand_lists else "filled templates"
        votes = {k: list(zip(*index.vote_vectors(queries, k), strict=True)) for k in KS}
        grid = [
            IntentSetting(k, below, min_score)
            for k in KS
            for below in (0.45, 0.6, 0.7, 0.8, 0.9, 1.01)
            for min_score in (0.0, 0.3, 0.4, 0.5, 0.6)
        ]

        def run(setting: IntentSetting, votes: dict[int, list[tuple[str, float]]] = votes) -> list[NluResult]:
            return [
                decide(matcher, base, clean, (str(label), float(score)), setting)
                for base, clean, (label, score) in zip(bases, cleans, votes[setting.k], strict=True)
            ]

        # Best dev accuracy; ties go to the setting that re-decides least (lowest `below`, highest score).
        best = max(grid, key=lambda s: (accuracy(run(s), lambda g: g == "dev"), -s.below, s.min_score, -s.k))
        rows.append(row(f"Matcher + kNN ({kind}, {len(texts)} sentences), dev-chosen {best}", run(best)))
        if not expand_lists:
            # Chosen before looking: re-decide whatever the Matcher itself calls unsure (CONFIDENT).
            rows.append(
                row(
                    f"Matcher + kNN ({kind}), a priori k=5 below={CONFIDENT} any score",
                    run(IntentSetting(5, CONFIDENT, 0.0)),
                )
            )
            rows.append(
                row(
                    "Matcher, classifier = mean of n-gram and embedding-LR probabilities",
                    ensemble(matcher, texts, labels, cases),
                )
            )
    return rows


_PROBE = r"""
import json, pathlib, sys, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
import skill.nlu, skill.safety  # what a serving process has loaded anyway
before = rss()
from skill.embeddings import default_embedder
from skill.knn import NearestExamples
embedder = default_embedder()
start = time.perf_counter(); embedder.load(); load_s = time.perf_counter() - start
texts = json.loads(sys.argv[2])
for t in texts[:20]:
    embedder.embed([t])
model_mb = rss() - before
index = NearestExamples.load(pathlib.Path(sys.argv[1]), embedder)
index_mb = index.vectors.nbytes / 2**20  # an RSS difference this small is lost in allocator reuse
embed_ms, vote_ms, cpu_ms = [], [], []
for t in texts:
    a = time.perf_counter(); cpu = time.thread_time(); vector = embedder.embed([t]); cpu = time.thread_time() - cpu
    b = time.perf_counter(); index.vote_vectors(vector, 5); c = time.perf_counter()
    embed_ms.append((b - a) * 1000); vote_ms.append((c - b) * 1000); cpu_ms.append(cpu * 1000)
print(json.dumps({"load_s": load_s, "model_mb": model_mb, "index_mb": index_mb, "total_mb": rss() - before,
                  "embed": embed_ms, "vote": vote_ms, "cpu": cpu_ms}))
"""


def latency(path: Path) -> dict[str, Any]:
    """Load time, extra RSS and per-utterance times of embedding and voting, in a fresh process."""
    texts, labels = intent_index_texts(Matcher(), expand_lists=False)
    NearestExamples.build(texts, labels).save(path)
    cases = yaml.safe_load((DATA / "paraphrases_holdout.yaml").read_text())
    probe = json.dumps([str(c["text"]) for c in cases] * 2)
    output = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["index_kb"] = path.stat().st_size / 1024
    result["index_sentences"] = len(texts)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-latency", action="store_true", help="skip the fresh-process timing")
    parser.add_argument("--errors", action="store_true", help="list false alarms of each crisis option")
    parser.add_argument("--cost-only", action="store_true", help="only the fresh-process timing")
    args = parser.parse_args()
    if not args.cost_only:
        accuracy(args.errors)
    if not args.no_latency:
        cost()


def accuracy(show_errors: bool) -> None:
    """Print parts a) and b)."""
    print("a) crisis   (each family's setting chosen by 5-fold CV on the training examples for the CV budget,")
    print("            everyday CV FA <= 1%; then reported once on tests/data/crisis_final.yaml)")
    print(
        f"   {'budget':30s} {'option':66s} {'CV recall':>9s} {'CV hard FA':>10s}"
        f" {'final recall':>12s} {'final FA':>8s} {'paraphrase FA':>13s}"
    )
    for o in crisis_options(show_errors):
        print(
            f"   {o.budget:30s} {o.name:66s} {o.cv_recall:9.1%} {o.cv_hard_alarms:10.1%}"
            f" {o.final_recall:12.1%} {o.final_alarms:8.1%} {o.everyday_alarms:13.1%}"
        )
    print("\nb) intents  (tuned on dev = even positions of paraphrases.yaml; pooled = held-out half + holdout set)")
    print(f"   {'option':100s} {'dev':>6s} {'held':>6s} {'holdout':>7s} {'pooled':>6s} {'all':>6s}")
    for name, dev, held, holdout, pooled, everything in intent_options():
        print(f"   {name:100s} {dev:6.1%} {held:6.1%} {holdout:7.1%} {pooled:6.1%} {everything:6.1%}")


def cost() -> None:
    """Print part c)."""
    with tempfile.TemporaryDirectory() as folder:
        figures = latency(Path(folder) / "intents.npz")
    ms = {name: np.array(figures[name]) for name in ("embed", "cpu", "vote")}
    print(f"\nc) cost     (fresh process, {len(ms['embed'])} utterances, one intra-op thread)")
    print(
        f"   load {figures['load_s']:.2f} s; extra RSS: model {figures['model_mb']:.0f} MB,"
        f" {figures['index_sentences']}-sentence index {figures['index_mb']:.1f} MB (float32 array),"
        f" total {figures['total_mb']:.0f} MB; index file {figures['index_kb']:.0f} KB"
    )
    for name, label in (
        ("embed", "embed one utterance (wall)"),
        ("cpu", "embed one utterance (CPU)"),
        ("vote", "kNN vote over the index"),
    ):
        print(f"   {label:28s} median {np.median(ms[name]):5.1f} ms, p95 {np.percentile(ms[name], 95):5.1f} ms")


if __name__ == "__main__":
    main()
