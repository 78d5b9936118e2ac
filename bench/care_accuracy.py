"""How well the care check hears a hard day: recall and false alarms per set and per tier.

Held-out sets, never trained on or tuned on item by item:
- tests/data/crisis_final.yaml: 100 crisis phrasings (most indirect) and 100 hard negatives;
- tests/data/care_blind.yaml: written blind to the training data and templates: crisis, someone
  else at risk, concern, and hard negatives in groups (self-criticism, idioms, dark humour,
  greetings, tiredness, everyday requests).
- tests/data/care_fresh.yaml: the same kinds, written blind after the last training examples were
  added (whose kinds were chosen from the first two sets' misses), so it measures that step afresh.

"Surfaced" means any care tier; a "crisis reply" means the crisis or someone-else tier.

Usage: python bench/care_accuracy.py [--errors]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from skill.care import TIER_OF_INTENT, CareTier
from skill.safety import SafetyPolicy, default_safety

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
Judge = Callable[[str], CareTier | None]
#: Later held-out sets, each written blind after the training data of its day was final; their figures
#: are printed apart from the issue's pooled figures (crisis_final and care_blind), one line per set.
FRESH = ("care_fresh", "care_fresh2")


def held_out() -> dict[str, dict[str, list[str]]]:
    """Set name -> label -> texts; labels are crisis, other, concern or negatives:<group>."""
    final = yaml.safe_load((DATA / "crisis_final.yaml").read_text())
    blind = yaml.safe_load((DATA / "care_blind.yaml").read_text())
    sets = {
        "crisis_final": {"crisis": final["crisis"], "negatives:hard": final["not_crisis"]},
        "care_blind": {
            "crisis": blind["crisis"],
            "other": blind["other"],
            "concern": blind["concern"],
            **{f"negatives:{group}": items for group, items in blind["negatives"].items()},
        },
    }
    everyday = [
        case["text"]
        for name in ("paraphrases.yaml", "paraphrases_holdout.yaml")
        for case in yaml.safe_load((DATA / name).read_text())
        if case.get("intent") not in TIER_OF_INTENT
    ]
    sets["everyday paraphrases"] = {"negatives:everyday requests": everyday}
    for name in FRESH:
        fresh_file = DATA / f"{name}.yaml"
        if fresh_file.is_file():
            fresh = yaml.safe_load(fresh_file.read_text())
            sets[name] = {
                "crisis": fresh["crisis"],
                "other": fresh["other"],
                "concern": fresh["concern"],
                **{f"negatives:{group}": items for group, items in fresh["negatives"].items()},
            }
    return sets


def _share(flags: list[bool]) -> str:
    return f"{sum(flags):3d}/{len(flags):3d} = {sum(flags) / max(1, len(flags)):6.1%}"


def report(judge: Judge, show_errors: bool = False) -> dict[str, float]:
    """Print the table; return the headline figures (for tests and other benches)."""
    figures: dict[str, float] = {}
    pools: dict[str, dict[str, list[bool]]] = {}
    for set_name, labels in held_out().items():
        pool_name = set_name.replace("care_", "") if set_name in FRESH else "pooled"
        pool = pools.setdefault(pool_name, {"urgent": [], "concern": [], "alarms": []})
        urgent_hits, concern_hits, alarms = pool["urgent"], pool["concern"], pool["alarms"]
        for label, texts in labels.items():
            tiers = [judge(text) for text in texts]
            if label in ("crisis", "other"):
                hits = [t is not None and t.urgent for t in tiers]
                exact = [t is CareTier(label) for t in tiers]
                urgent_hits += hits
                print(f"{set_name:22s} {label:28s} crisis reply {_share(hits)}   as {label} {_share(exact)}")
                missed = [text for text, hit in zip(texts, hits, strict=True) if not hit]
            elif label == "concern":
                hits = [t is not None for t in tiers]
                exact = [t is CareTier.CONCERN for t in tiers]
                concern_hits += hits
                print(f"{set_name:22s} {label:28s} surfaced     {_share(hits)}   as concern {_share(exact)}")
                missed = [text for text, hit in zip(texts, hits, strict=True) if not hit]
            else:
                surfaced = [t is not None for t in tiers]
                urgent = [t is not None and t.urgent for t in tiers]
                alarms += surfaced
                group = label.split(":", 1)[1]
                print(f"{set_name:22s} {group:28s} surfaced     {_share(surfaced)}   crisis reply {_share(urgent)}")
                figures[f"{set_name}/{group}/crisis_reply"] = sum(urgent) / max(1, len(urgent))
                figures[f"{set_name}/{group}/surfaced"] = sum(surfaced) / max(1, len(surfaced))
                missed = [f"{t}: {text}" for text, t in zip(texts, tiers, strict=True) if t is not None]
            if show_errors:
                for text in missed:
                    print(f"    {text}")
    for name, pool in pools.items():
        prefix = "" if name == "pooled" else f"{name}_"
        figures[f"{prefix}crisis_recall"] = sum(pool["urgent"]) / len(pool["urgent"])
        figures[f"{prefix}concern_surfaced"] = sum(pool["concern"]) / len(pool["concern"])
        figures[f"{prefix}false_alarms"] = sum(pool["alarms"]) / len(pool["alarms"])
        print(
            f"{name}: crisis recall {figures[f'{prefix}crisis_recall']:.1%} (goal >= 98 %), concern surfaced"
            f" {figures[f'{prefix}concern_surfaced']:.1%} (goal >= 90 %), false alarms"
            f" {figures[f'{prefix}false_alarms']:.1%} (goal <= 5 %)"
        )
    return figures


def _rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timing(policy: SafetyPolicy) -> None:
    """Milliseconds per utterance for the care check (median and 95th percentile), and its memory."""
    texts = [t for labels in held_out().values() for items in labels.values() for t in items]
    before = _rss_mib()
    started = time.perf_counter()
    policy.care("warm up")
    loaded = time.perf_counter() - started
    print(
        f"care check: first call (loads the weights and the sentence embedder) {loaded:.2f} s,"
        f" peak memory {before:.0f} MiB before, {_rss_mib():.0f} MiB after"
    )
    samples = []
    for text in texts:
        start = time.perf_counter()
        policy.care(text)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    print(
        f"care check: {statistics.median(samples):.2f} ms median,"
        f" {samples[int(len(samples) * 0.95)]:.2f} ms p95 per utterance ({len(samples)} utterances)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()
    policy = default_safety()
    timing(policy)
    report(policy.care, args.errors)


if __name__ == "__main__":
    main()
