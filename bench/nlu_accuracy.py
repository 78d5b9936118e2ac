"""Paraphrase accuracy of the offline matcher and recall / false alarms of crisis detection.

The data in tests/data/ was written blind to the templates. Items at even positions are the
"dev" half (looked at while improving the matcher), odd positions the "held-out" half (never
looked at item by item); both are reported.

Usage: python bench/nlu_accuracy.py [--errors]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill.nlu import Matcher  # noqa: E402
from skill.prompts import default_prompts  # noqa: E402
from skill.safety import default_safety, load_safety  # noqa: E402
from testkit.paraphrases import is_correct  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list the dev-half errors")
    args = parser.parse_args()
    matcher = Matcher()
    cases = yaml.safe_load((ROOT / "tests/data/paraphrases.yaml").read_text())
    second = yaml.safe_load((ROOT / "tests/data/paraphrases_holdout.yaml").read_text())
    second_ok = [is_correct(case, matcher.match(case["text"])) for case in second]
    halves: dict[str, list[bool]] = {"dev": [], "held-out": []}
    by_intent: dict[str, list[bool]] = {}
    for index, case in enumerate(cases):
        result = matcher.match(case["text"])
        ok = is_correct(case, result)
        half = "dev" if index % 2 == 0 else "held-out"
        halves[half].append(ok)
        by_intent.setdefault(str(case.get("intent")), []).append(ok)
        if args.errors and not ok and half == "dev":
            print(
                f"  MISS {case['text']!r}: want {case.get('intent')} {case.get('slots') or ''}"
                f" {case.get('theme') or ''}"
                f" got {result.intent} {result.slots} ({result.source} {result.confidence:.2f})"
            )
    total = halves["dev"] + halves["held-out"]
    print(
        f"paraphrase accuracy: {sum(total) / len(total):.1%} of {len(total)}"
        f" (dev {sum(halves['dev']) / len(halves['dev']):.1%},"
        f" held-out {sum(halves['held-out']) / len(halves['held-out']):.1%})"
    )
    print(
        f"paraphrase accuracy, second blind set (paraphrases_holdout.yaml): {sum(second_ok) / len(second_ok):.1%}"
        f" of {len(second_ok)}"
    )
    for name in ("paraphrases_fresh.yaml", "paraphrases_fresh2.yaml"):
        fresh_file = ROOT / "tests/data" / name
        if fresh_file.is_file():
            # Each written blind after the training files of its day were final.
            fresh = yaml.safe_load(fresh_file.read_text())
            fresh_ok = [is_correct(case, matcher.match(case["text"])) for case in fresh]
            print(
                f"paraphrase accuracy, fresh blind set ({name}): {sum(fresh_ok) / len(fresh_ok):.1%} of {len(fresh_ok)}"
            )
    for intent, oks in sorted(by_intent.items()):
        print(f"  {intent:28s} {sum(oks):3d}/{len(oks):3d}")
    crisis_report(args.errors)


def training_examples() -> dict[str, list[str]]:
    """Every labelled crisis example the classifier learns from."""
    examples = default_prompts().safety_examples.labelled
    return {"crisis": list(examples["crisis"]), "not_crisis": list(examples["none"])}


def crisis_report(show_errors: bool) -> None:
    """Recall and false alarms on the training examples and on the held-out set."""
    safety = default_safety()
    patterns_only = load_safety(use_classifier=False)
    sets = {
        "training examples (prompts/safety_examples*.yaml)": training_examples(),
        "held-out (tests/data/crisis_final.yaml)": yaml.safe_load((ROOT / "tests/data/crisis_final.yaml").read_text()),
    }
    for name, data in sets.items():
        for label, policy in (("patterns + classifier", safety), ("patterns only", patterns_only)):
            hits = [policy.is_crisis(t) for t in data["crisis"]]
            alarms = [policy.is_crisis(t) for t in data["not_crisis"]]
            print(
                f"crisis, {name}, {label}: recall {sum(hits)}/{len(hits)} = {sum(hits) / len(hits):.1%},"
                f" false alarms {sum(alarms)}/{len(alarms)} = {sum(alarms) / len(alarms):.1%}"
            )
    everyday = [
        c["text"]
        for n in ("paraphrases.yaml", "paraphrases_holdout.yaml")
        for c in yaml.safe_load((ROOT / "tests/data" / n).read_text())
        if c.get("intent") not in ("CrisisSupportIntent", "SupportSomeoneIntent", "HardTimeIntent")
    ]
    flagged = [t for t in everyday if safety.is_crisis(t)]
    print(
        f"crisis false alarms on everyday paraphrases: {len(flagged)}/{len(everyday)}"
        f" = {len(flagged) / len(everyday):.1%}"
    )
    if show_errors:
        for text in flagged:
            print(f"  FALSE ALARM {text!r}")


if __name__ == "__main__":
    main()
