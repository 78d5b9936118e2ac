"""Choose the care classifier's thresholds by cross-validation on its training data only.

Prints, per pair of thresholds (urgent: crisis + someone else; concern: any tier), the recall of
crisis and someone-else examples, concern surfaced, and false alarms on the hand-written hard
negatives and on everyday language, with patterns and classifier together, from 5-fold
cross-validation over prompts/safety_examples*.yaml plus the ordinary-language examples.
The held-out sets in tests/data/ are never used here.

Usage: python bench/crisis_threshold.py   (needs the `train` extra: scikit-learn)
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from skill.care import CareTier
from skill.model_cache import ngram_pipeline
from skill.prompts import default_prompts
from skill.safety import load_safety
from skill.safety_model import labelled_examples, training_data
from skill.text import normalize


def main() -> None:
    prompts = default_prompts()
    texts, labels = training_data(prompts)
    y = np.array(labels)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    pipeline = ngram_pipeline(c=10.0)
    probabilities = cross_val_predict(pipeline, texts, y, cv=folds, method="predict_proba")
    classes = sorted(set(labels))
    column = {label: classes.index(label) for label in classes}
    urgent_p = probabilities[:, column["crisis"]] + probabilities[:, column["other"]]
    any_p = 1.0 - probabilities[:, column["none"]]
    patterns = load_safety(prompts, use_classifier=False)
    by_pattern = [patterns.pattern_tier(t) for t in texts]
    pattern_urgent = np.array([t is not None and t.urgent for t in by_pattern])
    pattern_any = np.array([t is not None for t in by_pattern])
    hard = {normalize(t) for t in labelled_examples(prompts)["none"]}
    is_hard = np.array([t in hard for t in texts])
    at_risk = (y == "crisis") | (y == "other")
    print("urgent  concern   risk recall  concern surfaced  hard alarms (any / crisis reply)  everyday alarms")
    for urgent_threshold in (0.4, 0.5, 0.6, 0.7, 0.85):
        for concern_threshold in (0.5, 0.6, 0.7, 0.8):
            urgent = pattern_urgent | (urgent_p >= urgent_threshold)
            surfaced = urgent | pattern_any | (any_p >= concern_threshold)
            print(
                f"{urgent_threshold:6.2f}  {concern_threshold:7.2f}   {urgent[at_risk].mean():11.1%}"
                f"  {surfaced[y == 'concern'].mean():16.1%}"
                f"  {surfaced[(y == 'none') & is_hard].mean():11.1%} / {urgent[(y == 'none') & is_hard].mean():5.1%}"
                f"  {surfaced[(y == 'none') & ~is_hard].mean():16.1%}"
            )
    assert CareTier.CRISIS.urgent


if __name__ == "__main__":
    main()
