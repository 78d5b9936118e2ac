"""The content in prompts/: complete, well-formed, and within the limits the issue and Alexa set."""

from __future__ import annotations

import re

import pytest

from skill.content import PRACTICE_LENGTHS, default_content
from skill.ssml import segment_practice

PRACTICE_IDS = {
    "mindfulness",
    "self_compassion_break",
    "reframing",
    "common_humanity",
    "acts_of_service",
    "soothing_breath",
    "loving_kindness",
}


def test_exactly_the_seven_practices() -> None:
    assert set(default_content().practices) == PRACTICE_IDS


@pytest.mark.parametrize("practice_id", sorted(PRACTICE_IDS))
@pytest.mark.parametrize("minutes", PRACTICE_LENGTHS)
def test_length_within_two_percent_and_room_to_breathe(practice_id: str, minutes: int) -> None:
    # The figures README.md gives under "Writing content".
    script = default_content().practice(practice_id).script(minutes)
    assert abs(script.total_seconds - minutes * 60) <= 0.02 * minutes * 60
    assert 0.44 <= script.silence_share <= 0.60


@pytest.mark.parametrize("practice_id", sorted(PRACTICE_IDS))
@pytest.mark.parametrize("minutes", PRACTICE_LENGTHS)
def test_segments_fit_alexa_limits_and_keep_every_step(practice_id: str, minutes: int) -> None:
    script = default_content().practice(practice_id).script(minutes)
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
    keys |= {f"checkin_{theme}" for theme in ("threat", "self_critical", "lonely", "low", "other")}
    assert keys, "no response keys found in the handlers"
    responses = default_content().responses
    missing = [k for k in sorted(keys) if k not in responses.entries]
    assert not missing


def test_every_feeling_theme_offers_a_real_practice() -> None:
    content = default_content()
    assert {t.id for t in content.feelings} == {"threat", "self_critical", "lonely", "low"}
    assert {t.practice for t in content.feelings} <= PRACTICE_IDS


def _spoken_keys() -> set[str]:
    """Response keys the code passes to say, ask, _reply and responses.get/variants, as string literals."""
    import ast
    from pathlib import Path

    keys: set[str] = set()
    root = Path(__file__).resolve().parent.parent
    for path in [*(root / "skill").rglob("*.py"), *(root / "local_runner").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            arguments: list[ast.expr] = []
            reprompt = [k.value for k in node.keywords if k.arg == "reprompt"]
            if isinstance(node.func, ast.Name):  # the shared functions: say(services, key), ask(input, services, key)
                name = node.func.id
                if name == "say":
                    arguments = node.args[1:2]
                elif name == "ask":
                    arguments = node.args[2:4] + reprompt
            elif isinstance(node.func, ast.Attribute):  # the handler methods: self.say(key), self.ask(input, key)
                name, receiver = node.func.attr, ast.unparse(node.func.value)
                if name == "say" or (name in ("get", "variants") and receiver.endswith("responses")):
                    arguments = node.args[:1]
                elif name in ("ask", "_reply"):
                    arguments = node.args[1:3] + reprompt
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
