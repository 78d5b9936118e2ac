"""Choose the care classifier's thresholds by cross-validation on its training data only.

Prints, per pair of thresholds (urgent: crisis + someone else; concern: any tier), the recall of
crisis and someone-else examples, concern surfaced, and false alarms on the hand-written hard
negatives and on everyday language, with patterns and the shipped classifier (the mean of the
n-gram regression and the embedding network) together, from 5-fold cross-validation over
prompts/safety_examples*.yaml plus the ordinary-language examples. The held-out sets in tests/data/
are never used here; bench/embedding_options.py compares the options and reports them on those.

Usage: python bench/crisis_threshold.py   (needs the `train` extra: scikit-learn; about 10 minutes)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python bench/...` from a checkout

from bench.embedding_options import TODAY, Measure, head, judge, ngram  # noqa: E402
from skill.safety_model import CONCERN_THRESHOLD, THRESHOLD  # noqa: E402


def main() -> None:
    m = Measure()
    shipped = ngram(m) + head(m, network=True)
    print("urgent  concern   risk recall  concern surfaced  hard alarms  everyday alarms")
    for urgent in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65):
        for concern in (0.5, 0.6, 0.7):
            f = m.cv(judge(m.train, shipped.cv, urgent, concern))
            mark = "  <- shipped" if (urgent, concern) == (THRESHOLD, CONCERN_THRESHOLD) else ""
            print(
                f"{urgent:6.2f}  {concern:7.2f}   {f['recall']:11.1%}  {f['concern']:16.1%}  {f['hard']:11.1%}"
                f"  {f['everyday']:15.1%}{mark}"
            )
    print(
        f"(the budget for false alarms is the previous model's at {TODAY[0]} / {TODAY[1]}: bench/embedding_options.py)"
    )


if __name__ == "__main__":
    main()
