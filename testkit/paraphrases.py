"""How a paraphrase case from tests/data/paraphrases*.yaml is scored, for the accuracy test and benches alike."""

from __future__ import annotations

from typing import Any

from skill.checkin import practice_for_feeling
from skill.content import default_content
from skill.prompts import default_prompts


def is_correct(case: dict[str, Any], result: Any) -> bool:
    """Intent right, every expected slot right, no extra practice or minutes slot."""
    if result.intent != case.get("intent"):
        return False
    expected = case.get("slots") or {}
    for key in ("practice", "minutes"):
        if expected.get(key) != result.slots.get(key):
            return False
    if case.get("intent") == "CheckInIntent" and "theme" in case:
        theme, _ = practice_for_feeling(
            result.slots.get("feeling"), default_content(), default_prompts().theme_classifier
        )
        if theme != case["theme"]:
            return False
    return True
