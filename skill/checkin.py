"""Check-in: which family of feelings a free-text feeling belongs to, and the practice for it.

Each theme's words (prompts/checkin.yaml) are matched first. A feeling often names none of them, or
only one loose word ("everything feels like too much"), so when the words give no theme or a weak
one (a single one-word cue), the theme classifier (skill.slot_models, trained on everyday check-in
answers) decides when it is sure enough; the threshold was chosen by cross-validation over those
answers (bench/slot_options.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .content import Content, FeelingTheme
from .text import scored_phrase_match

if TYPE_CHECKING:
    from .slot_models import SlotClassifier

#: A cue match scoring this or more (a phrase of two words or more) stands whatever the classifier says.
STRONG_CUE = 4
#: Probability at or above which the theme classifier decides when the cues are weak or silent.
THEME_THRESHOLD = 0.4


def classify_feeling(
    text: str | None, content: Content, classifier: SlotClassifier | None = None
) -> FeelingTheme | None:
    """The feeling theme that best matches text, or None when nothing fits (or it is an ordinary "okay")."""
    if not text:
        return None
    theme_id, score = scored_phrase_match(text, {theme.id: theme.words for theme in content.feelings})
    if classifier is not None and score < STRONG_CUE:
        label, probability = classifier.predict(text)
        if probability >= THEME_THRESHOLD:
            theme_id = label
    return next((theme for theme in content.feelings if theme.id == theme_id), None)


def practice_for_feeling(
    text: str | None, content: Content, classifier: SlotClassifier | None = None
) -> tuple[str, str]:
    """(theme id, practice id) to offer for a feeling; "other" and the default practice if unknown.

    classifier is the theme classifier (Prompts.theme_classifier); without it only the cue words count."""
    theme = classify_feeling(text, content, classifier)
    if theme is None:
        return "other", content.default_feeling_practice
    return theme.id, theme.practice
