"""The content in prompts/: complete, well-formed, and within the limits the issue and Alexa set."""

from __future__ import annotations

import re

import pytest

from skill.content import PRACTICE_LENGTHS, PracticeScript, default_content
from skill.ssml import segment_practice

PRACTICE_IDS = {
    "mindfulness",
    "self_compassion_break",
    "reframing",
    "common_humanity",
    "acts_of_service",
    "soothing_breath",
    "loving_kindness",
    "wind_down",
}


def every_variant() -> list[PracticeScript]:
    """Every variant of every practice at every length it is offered at."""
    content = default_content()
    return [s for p in content.practices.values() for m in p.lengths for s in p.variants(m)]


def variant_id(script: PracticeScript) -> str:
    return f"{script.practice_id}-{script.minutes}-v{script.variant + 1}"


def silence_bounds(minutes: int) -> tuple[float, float]:
    """The share of silence README.md gives under "Writing content", by length."""
    return {3: (0.44, 0.60), 5: (0.44, 0.60), 10: (0.55, 0.70), 20: (0.60, 0.75)}[minutes]


def test_exactly_the_eight_practices() -> None:
    content = default_content()
    assert set(content.practices) == PRACTICE_IDS
    assert {p.lengths for p in content.practices.values() if p.id != "wind_down"} == {PRACTICE_LENGTHS}
    assert content.practice("wind_down").lengths == (3, 5, 10, 20)


@pytest.mark.parametrize("script", every_variant(), ids=variant_id)
def test_length_within_two_percent_and_room_to_breathe(script: PracticeScript) -> None:
    assert abs(script.total_seconds - script.minutes * 60) <= 0.02 * script.minutes * 60
    low, high = silence_bounds(script.minutes)
    assert low <= script.silence_share <= high


@pytest.mark.parametrize("script", every_variant(), ids=variant_id)
def test_segments_fit_alexa_limits_and_keep_every_step(script: PracticeScript) -> None:
    minutes = script.minutes
    segments = segment_practice(script)
    assert [s.index for s in segments] == list(range(len(segments)))
    covered = [i for s in segments for i in range(s.first_step, s.last_step + 1)]
    assert covered == list(range(len(script.steps)))
    for segment in segments:
        assert segment.seconds <= 235
        assert len(segment.ssml_body) < 7500
        breaks = [int(ms) for ms in re.findall(r'time="(\d+)ms"', segment.ssml_body)]
        assert all(0 < ms <= 10_000 for ms in breaks)
    if minutes == 10:
        assert len(segments) >= 3


def test_affirmations_cover_four_themes_with_unique_ids() -> None:
    affirmations = default_content().affirmations
    assert len(affirmations) >= 60
    assert {a.theme for a in affirmations} == {
        "self_kindness",
        "common_humanity",
        "growth_as_practice",
        "rest_and_soothing",
    }
    assert len({a.id for a in affirmations}) == len(affirmations)
    assert len({a.text for a in affirmations}) == len(affirmations)


def test_no_toxic_positivity_phrases() -> None:
    banned = ("everything happens for a reason", "just be happy", "good vibes only", "think positive")
    texts = [a.text.lower() for a in default_content().affirmations]
    assert not [t for t in texts if any(b in t for b in banned)]


def test_every_response_key_the_handlers_use_exists() -> None:
    from pathlib import Path

    source = "\n".join(p.read_text() for p in Path("skill").rglob("*.py"))
    keys = set(re.findall(r'(?:say|responses\.get)\(\s*"(\w+)"', source))
    keys |= {f"checkin_{theme}" for theme in ("threat", "sleepless", "self_critical", "lonely", "low", "other")}
    assert keys, "no response keys found in the handlers"
    responses = default_content().responses
    missing = [k for k in sorted(keys) if k not in responses.entries]
    assert not missing


def test_every_feeling_theme_offers_a_real_practice() -> None:
    content = default_content()
    assert {t.id for t in content.feelings} == {"threat", "sleepless", "self_critical", "lonely", "low"}
    assert {t.practice for t in content.feelings} <= PRACTICE_IDS


def _spoken_keys() -> set[str]:
    """Response keys the code passes to say, ask, _reply and responses.get/variants, as string literals."""
    import ast
    from pathlib import Path

    keys: set[str] = set()
    root = Path(__file__).resolve().parent.parent
    for path in [*(root / "skill").rglob("*.py"), *(root / "local_runner").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name, receiver = node.func.attr, ast.unparse(node.func.value)
            arguments: list[ast.expr] = []
            if name == "say" or (name in ("get", "variants") and receiver.endswith("responses")):
                arguments = node.args[:1]
            elif name in ("ask", "_reply"):
                arguments = node.args[1:2] + [k.value for k in node.keywords if k.arg == "reprompt"]
            for argument in arguments:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    keys.add(argument.value)
                    if name == "_reply":
                        keys.add(f"{argument.value}_reprompt")
    return keys


def test_every_response_key_the_code_speaks_is_checked_when_content_loads() -> None:
    from skill.response_keys import required_responses

    content = default_content()
    required = set(required_responses(theme.id for theme in content.feelings))
    spoken = _spoken_keys()
    assert len(spoken) > 40
    assert spoken - required == set()
    # Keys chosen at run time ("welcome_new" if ... else ...) appear as literals too: every literal that
    # names a response in the handlers must be in the list, or a missing one would be found mid-conversation.
    import ast
    from pathlib import Path

    handlers = Path(__file__).resolve().parent.parent / "skill" / "handlers"
    literals = {
        node.value
        for path in handlers.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert (literals & set(content.responses.entries)) - required == set()
