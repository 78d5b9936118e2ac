"""Choose the crisis classifier's threshold by cross-validation on its training data only.

Prints recall and false alarms per threshold (patterns and classifier together), computed with
5-fold cross-validation over prompts/safety_examples*.yaml plus the ordinary-language negatives.
The held-out tests/data/crisis_final.yaml is never used here.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from skill.content import prompts_dir
from skill.model_cache import ngram_pipeline
from skill.safety import load_safety
from skill.safety_model import example_files, training_data
from skill.text import normalize


def main() -> None:
    root = prompts_dir()
    texts, labels = training_data(root)
    y = np.array(labels)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    probabilities = cross_val_predict(ngram_pipeline(c=10.0), texts, y, cv=folds, method="predict_proba")[:, 1]
    patterns = load_safety(root, use_classifier=False)
    by_pattern = np.array([patterns.matches_pattern(t) for t in texts])
    from skill.content import load_yaml

    hard = {normalize(str(t)) for path in example_files(root) for t in load_yaml(path)["not_crisis"]}
    is_hard = np.array([t in hard for t in texts])
    print("threshold  recall  hard-negative false alarms  everyday false alarms")
    for threshold in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9):
        flagged = by_pattern | (probabilities >= threshold)
        recall = flagged[y == 1].mean()
        hard_alarms = flagged[(y == 0) & is_hard].mean()
        everyday_alarms = flagged[(y == 0) & ~is_hard].mean()
        print(f"{threshold:9.2f}  {recall:6.1%}  {hard_alarms:26.1%}  {everyday_alarms:21.1%}")


if __name__ == "__main__":
    main()
