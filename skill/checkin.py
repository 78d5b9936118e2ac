"""Check-in: which family of feelings a free-text feeling belongs to, and the practice for it."""

from __future__ import annotations

from .content import Content, FeelingTheme
from .text import best_phrase_match


def classify_feeling(text: str | None, content: Content) -> FeelingTheme | None:
    """The feeling theme that best matches text, or None when nothing fits."""
    if not text:
        return None
    theme_id = best_phrase_match(text, {theme.id: theme.words for theme in content.feelings})
    return next((theme for theme in content.feelings if theme.id == theme_id), None)


def practice_for_feeling(text: str | None, content: Content) -> tuple[str, str]:
    """(theme id, practice id) to offer for a feeling; "other" and the default practice if unknown."""
    theme = classify_feeling(text, content)
    if theme is None:
        return "other", content.default_feeling_practice
    return theme.id, theme.practice
