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
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill.checkin import practice_for_feeling  # noqa: E402
from skill.content import default_content  # noqa: E402
from skill.nlu import Matcher  # noqa: E402
from skill.safety import default_safety  # noqa: E402


def is_correct(case: dict[str, Any], result: Any) -> bool:
    """Intent right, every expected slot right, no extra practice or minutes slot."""
    if result.intent != case.get("intent"):
        return False
    expected = case.get("slots") or {}
    for key in ("practice", "minutes"):
        if expected.get(key) != result.slots.get(key):
            return False
    if case.get("intent") == "CheckInIntent" and "theme" in case:
        theme, _ = practice_for_feeling(result.slots.get("feeling"), default_content())
        if theme != case["theme"]:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list the dev-half errors")
    args = parser.parse_args()
    matcher = Matcher()
    cases = yaml.safe_load((ROOT / "tests/data/paraphrases.yaml").read_text())
    halves: dict[str, list[bool]] = {"dev": [], "held-out": []}
    by_intent: dict[str, list[bool]] = {}
    for index, case in enumerate(cases):
        result = matcher.match(case["text"])
        ok = is_correct(case, result)
        half = "dev" if index % 2 == 0 else "held-out"
        halves[half].append(ok)
        by_intent.setdefault(str(case.get("intent")), []).append(ok)
        if args.errors and not ok and half == "dev":
            print(f"  MISS {case['text']!r}: want {case.get('intent')} {case.get('slots') or ''} {case.get('theme') or ''}"
                  f" got {result.intent} {result.slots} ({result.source} {result.confidence:.2f})")
    total = halves["dev"] + halves["held-out"]
    print(f"paraphrase accuracy: {sum(total) / len(total):.1%} of {len(total)}"
          f" (dev {sum(halves['dev']) / len(halves['dev']):.1%},"
          f" held-out {sum(halves['held-out']) / len(halves['held-out']):.1%})")
    for intent, oks in sorted(by_intent.items()):
        print(f"  {intent:28s} {sum(oks):3d}/{len(oks):3d}")
    safety = default_safety()
    crisis = yaml.safe_load((ROOT / "tests/data/crisis_cases.yaml").read_text())
    hits = [safety.is_crisis(t) for t in crisis["crisis"]]
    alarms = [safety.is_crisis(t) for t in crisis["not_crisis"]]
    print(f"crisis recall: {sum(hits)}/{len(hits)} = {sum(hits) / len(hits):.1%}")
    print(f"crisis false alarms: {sum(alarms)}/{len(alarms)} = {sum(alarms) / len(alarms):.1%}")
    if args.errors:
        for text, hit in zip(crisis["crisis"], hits, strict=True):
            if not hit:
                print(f"  MISSED CRISIS {text!r}")
        for text, alarm in zip(crisis["not_crisis"], alarms, strict=True):
            if alarm:
                print(f"  FALSE ALARM {text!r}")


if __name__ == "__main__":
    main()
