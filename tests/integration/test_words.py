"""prompts/words.yaml through the Words object, and no spoken English left in the handlers or the runner."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from skill.content import PRACTICE_LENGTHS
from skill.prompts import default_prompts
from skill.words import ListPattern, placeholders

ROOT = Path(__file__).resolve().parent.parent.parent


def test_lists_join_as_before_and_with_cldr_patterns() -> None:
    words = default_prompts().words
    assert words.join([]) == "" and words.join(["a"]) == "a"
    assert words.join(["a", "b"]) == "a and b" and words.join(["a", "b"], "or") == "a or b"
    assert words.join(["a", "b", "c", "d"]) == "a, b, c, and d"
    assert words.join(["a", "b", "c"], "or") == "a, b or c"
    assert ListPattern("{0} und {1}", "{0}, {1}", "{0}, {1}", "{0} und {1}").join(["x", "y", "z"]) == "x, y und z"


def test_the_practice_list_and_the_offered_lengths_read_as_they_always_have() -> None:
    prompts = default_prompts()
    practices = list(prompts.content.practices.values())
    # What the handlers built in Python before words.yaml existed.
    before = ", ".join(f"the {p.title}" for p in practices[:-1]) + f", and the {practices[-1].title}"
    assert prompts.words.practice_list(p.title for p in practices) == before
    assert prompts.words.lengths(PRACTICE_LENGTHS) == "three, five or ten"


@pytest.mark.parametrize(
    ("count", "word", "form"),
    [(0, "day", "days"), (1, "day", "day"), (2, "day", "days"), (1, "practice", "practice"),
     (4, "practice", "practices"), (1, "minute", "minute"), (10, "minute", "minutes")],
)  # fmt: skip
def test_plurals_follow_cldr_categories(count: int, word: str, form: str) -> None:
    assert default_prompts().words.plural(count, word) == form


def test_numbers_and_digits_come_from_unicode_rbnf_in_the_declared_language() -> None:
    words = default_prompts().words
    assert words.language == "en"
    assert words.digit_names == ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    assert words.spell("116 123") == "one one six one two three"
    assert [words.number(n) for n in (3, 25, 60)] == ["three", "twenty five", "sixty"]


def test_titles_offers_and_the_runners_words() -> None:
    words = default_prompts().words
    assert words.title("affirmation_card") == "An affirmation"
    assert words.title("audio", title="soothing breath") == "KindWell: soothing breath"
    assert words.title("audio_subtitle", minutes=3, minute_word=words.plural(3, "minute")) == "3 minutes"
    assert (words.offers.minutes, words.offers.meditation) == (5, "mindfulness")
    assert words.offers.suggested == ("soothing_breath", "mindfulness", "loving_kindness")
    assert words.wake_phrases == ("hey kind well", "kind well", "hey kindwell", "kindwell")
    assert dict(words.barge_in) == {"stop": "AMAZON.StopIntent", "pause": "AMAZON.PauseIntent",
                                    "resume": "AMAZON.ResumeIntent", "next": "AMAZON.NextIntent"}  # fmt: skip


def test_placeholders_are_read_like_str_format() -> None:
    assert placeholders("{title}, {minutes} minutes {{literal}}") == {"title", "minutes"}
    with pytest.raises(ValueError):
        placeholders("{title")
    with pytest.raises(ValueError):
        placeholders("a {} b")


# --- no English in the handlers or the runner ------------------------------------------------------

#: Sentence-like literals that are allowed, each with why: log lines (for operators, never spoken) and
#: terminal output of the offline runner. Errors raised to a person at a terminal are allowed by rule.
ALLOWED = {
    ("local_runner/loop.py", "Sent %s; session %s"): "log line",
    ("skill/handlers/audio.py", "Playback failed: %s"): "log line",
    ("skill/handlers/audio.py", "Alexa reported an error: %s"): "log line",
    ("skill/handlers/care.py", "Care reply offered (%s)"): "log line",
    ("skill/handlers/conversation.py", "No handler for %s"): "log line",
    ("skill/handlers/conversation.py", "Error handling %s: %s"): "log line",
    ("skill/handlers/conversation.py", "Session ended with an error of type %s"): "log line",
    ("skill/handlers/conversation.py", "Session ended: %s"): "log line",
    ("skill/handlers/conversation.py", "Could not keep progress for %s: %s"): "log line",
    ("skill/handlers/turn.py", "Reset malformed state (%s) during %s."): "log line",
    ("skill/handlers/events.py", "Deleted a user's progress: they disabled the skill."): "log line",
    ("local_runner/cli.py", "{} rendered, {} already current, in {}"): "terminal",
    ("local_runner/cli.py", "{} ({} minutes)"): "terminal",
    ("local_runner/cli.py", "No models in {}; run `kindwell models download en-us`."): "terminal",
    ("local_runner/cli.py", "{}  (kindwell voice uses this one)"): "terminal",
    ("local_runner/cli.py", "kindwell voice uses none of these: {}"): "terminal",
    ("local_runner/cli.py", "kindwell voice uses {} (KINDWELL_VOSK_MODEL or VOSK_MODEL_PATH)."): "terminal",
    (
        "local_runner/models.py",
        "{} is neither a Vosk model nor a folder holding one; point it at a model folder, or run "
        "`kindwell models download en-us`.",
    ): "error",
    (
        "local_runner/models.py",
        "{} holds {} but no English model; run `kindwell models download en-us` or pass --model PATH to an "
        "English model.",
    ): "error",
    ("local_runner/grammar.py", "All {} words KindWell listens for are in the model's vocabulary."): "terminal",
    (
        "local_runner/grammar.py",
        "{} of {} words KindWell listens for are not in the model's vocabulary and cannot be heard: {}.",
    ): "terminal",
    (
        "local_runner/grammar.py",
        " {} of them are in crisis examples or alarm phrases, so crisis language that uses them cannot be recognised"
        " offline; pass --model PATH to a larger model.",
    ): "terminal",
    ("local_runner/grammar.py", " and {} more"): "terminal",
    ("local_runner/runner.py", 'kindwell: listening; say "{}" (Ctrl-C to quit).'): "terminal",
    ("local_runner/replies.py", "kindwell: {}"): "terminal",
    ("local_runner/runner.py", "kindwell: {}"): "terminal",
    ("local_runner/models.py", "No Vosk model found. Run `kindwell models download en-us` or pass --model PATH."): (
        "error"
    ),
}
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
#: Words that make even a short literal English (", and ", " or {}").
_FUNCTION_WORDS = frozenset({"a", "an", "and", "or", "the", "of", "to", "for", "in", "minute", "minutes"})


def _literal_text(node: ast.expr) -> str | None:
    """A string literal's text, an f-string's with {} for each value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _sentence_like(text: str) -> bool:
    """Words with spaces between them, a lower-case one among two or more (a value filled in counts as a
    word), or any English function word: not an identifier, key, intent or path."""
    if " " not in text.strip() and not text.startswith(" ") and not text.endswith(" "):
        return False
    words = _WORD.findall(text.replace("{}", " X "))
    return (len(words) >= 2 and any(w.islower() for w in words)) or bool(_FUNCTION_WORDS & set(words))


def _called(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def english_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every sentence-like literal outside docstrings and raised errors."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            # Docstrings, and the attribute docstrings that follow an assignment.
            for index, statement in enumerate(body):
                after_assignment = index > 0 and isinstance(body[index - 1], ast.Assign | ast.AnnAssign)
                is_string = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                if is_string and (index == 0 or after_assignment):
                    skipped.add(id(statement.value))
        if isinstance(node, ast.Raise) or (isinstance(node, ast.Call) and _called(node).endswith("Error")):
            # An error a person reads at a terminal (raised, or built to be raised): one sentence with the fix.
            skipped.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Call):
            # A command's --help text and progress label: terminal text, never spoken.
            skipped.update(id(n) for k in node.keywords if k.arg in ("help", "label") for n in ast.walk(k.value))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.Constant | ast.JoinedStr):
            continue
        if isinstance(node, ast.Constant) and any(
            isinstance(parent, ast.JoinedStr) and node in parent.values for parent in ast.walk(tree)
        ):
            continue
        text = _literal_text(node)
        if text is not None and _sentence_like(text):
            found.append((node.lineno, text))
    return sorted(found)


def test_no_spoken_english_is_left_in_the_handlers_or_the_runner() -> None:
    paths = sorted([*(ROOT / "skill" / "handlers").glob("*.py"), *(ROOT / "local_runner").glob("*.py")])
    assert len(paths) > 10
    seen = set()
    unexpected = []
    for path in paths:
        name = path.relative_to(ROOT).as_posix()
        for line, text in english_literals(path):
            seen.add((name, text))
            if (name, text) not in ALLOWED:
                unexpected.append(f"{name}:{line}: {text!r}")
    assert unexpected == [], "move these to prompts/ (words.yaml or responses.yaml), or allow a log line"
    assert set(ALLOWED) <= seen, f"stale allow-list entries: {sorted(set(ALLOWED) - seen)}"


def test_the_scan_finds_english_where_it_is() -> None:
    source = (
        'def f(p):\n    """A docstring is fine."""\n    card = ("An affirmation", p)\n    name = f"the {p.title}"\n'
        '    raise ValueError("errors are fine here")\n    return "StopIntent", card, name\n'
    )
    path = Path(__file__).parent.parent / "_scan_sample.py"
    try:
        path.write_text(source)
        assert english_literals(path) == [(3, "An affirmation"), (4, "the {}")]
        candidates = (", and ", " or {}", "{} minutes", "StopIntent", "a_key", "%s")
        assert [text for text in candidates if _sentence_like(text)] == [", and ", " or {}", "{} minutes"]
    finally:
        path.unlink()
