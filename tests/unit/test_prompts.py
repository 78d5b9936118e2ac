"""The one Prompts object: loaded once, shared by every part, and checked at load.

Each broken copy of prompts/ below gets one sentence naming the file and, where YAML gives it, the
line of the mistake.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from skill.content import default_content, prompts_dir
from skill.errors import ContentError
from skill.language import default_language
from skill.prompts import Prompts, default_prompts, load_prompts

PROMPTS = prompts_dir()


def broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """prompts/ copied with old replaced by new (once) in one file."""
    root = tmp_path / "prompts"
    shutil.copytree(PROMPTS, root)
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def line_of(root: Path, name: str, marker: str) -> int:
    """The line of the first occurrence of marker in a file of the copy."""
    text = (root / name).read_text(encoding="utf-8")
    return text[: text.index(marker)].count("\n") + 1


#: (file, text, replacement, what the message says, marker whose line it names, or None for no line).
BROKEN = {
    "not YAML": (
        "checkin.yaml",
        "default_practice: mindfulness",
        "default_practice: [mindfulness",
        "is not valid YAML at line",
        None,
    ),
    "practice id is not its file name": (
        "practices/mindfulness.yaml",
        "id: mindfulness",
        "id: mindful",
        "must equal the file name",
        "id: mindful",
    ),
    "SSML in a practice": (
        "practices/mindfulness.yaml",
        "      - say: >-\n          You might notice",
        "      - say: >-\n          <s>You might notice",
        "write plain text",
        "say: >-\n          <s>",
    ),
    "frame with no pool": (
        "practices/mindfulness.yaml",
        "frame: seated",
        "frame: standing",
        "the frame 'standing' needs an opening and a closing pool of that name",
        "frame: standing",
    ),
    "practice frames without turns": (
        "practice_frames.yaml",
        "turns:\n",
        "turns: 5\nold_turns:\n",
        "`turns:` must be a list of short lead-ins",
        "turns: 5",
    ),
    "first-person affirmation not marked": (
        "affirmations.yaml",
        'gentle with myself while it does."\n      to_self: true',
        'gentle with myself while it does."\n      to_self: false',
        "speaks as 'I'; mark it `to_self: true`",
        "- id: sk01",
    ),
    "check-in names no affirmation theme": (
        "checkin.yaml",
        "affirmations: rest_and_soothing",
        "affirmations: rest_and_soothin",
        "names affirmation theme 'rest_and_soothin', which prompts/affirmations.yaml does not have",
        "affirmations: rest_and_soothin",
    ),
    "ranked sample no template makes": (
        "language/ranked_samples.yaml",
        '  - "start {practice}"',
        '  - "start your {practice} now"',
        "is not a sentence its templates in en.yaml make",
        '"start your {practice} now"',
    ),
    "theme names no practice": (
        "checkin.yaml",
        "practice: soothing_breath",
        "practice: soothing_breth",
        "theme 'threat' names practice 'soothing_breth'",
        "practice: soothing_breth",
    ),
    "default practice unknown": (
        "checkin.yaml",
        "default_practice: mindfulness",
        "default_practice: mindful",
        "default_practice 'mindful'",
        "default_practice: mindful",
    ),
    "response missing": (
        "responses.yaml",
        'paused: "Paused.',
        'pausd: "Paused.',
        "there is no response 'paused'",
        None,
    ),
    "placeholder the skill does not fill": (
        "responses.yaml",
        "the {title} for {lengths}",
        "the {name} for {lengths}",
        "uses {name}, which KindWell does not fill there (it fills: {lengths}, {title})",
        "the {name} for {lengths}",
    ),
    "malformed placeholder": (
        "responses.yaml",
        "place in the {title}. When",
        "place in the {title. When",
        "malformed placeholder",
        "place in the {title. When",
    ),
    "care response placeholder": (
        "care.yaml",
        'care_card_title: "Support is available"',
        'care_card_title: "Support is on {line_spoken}"',
        "uses {line_spoken}, which KindWell does not fill there",
        "care_card_title:",
    ),
    "response in both files": (
        "care.yaml",
        "  care_card_title:",
        '  goodbye: "Bye."\n  care_card_title:',
        "response 'goodbye' is also in responses.yaml",
        "  goodbye:",
    ),
    "template uses an undefined list": (
        "language/en.yaml",
        '"my mood is {feeling}"',
        '"my mood is {mood}"',
        "uses {mood}, which `lists:` does not define",
        "my mood is {mood}",
    ),
    "template uses an undefined rule": (
        "language/en.yaml",
        '- "<start> [<a>] <session>"\n',
        '- "<start> [<a>] <sesion>"\n',
        "uses <sesion>, which `expansion_rules:` does not define",
        "<sesion>",
    ),
    "list without an Alexa slot": (
        "language/alexa.yaml",
        "  feeling: {name: feeling, type: AMAZON.SearchQuery}\n",
        "",
        "list 'feeling' of en.yaml has no Alexa slot",
        "slots:\n",
    ),
    "practice list names no practice": (
        "language/en.yaml",
        "out: loving_kindness",
        "out: lovingkindness",
        "the practice list value 'lovingkindness'",
        '- in: "(loving kindness|',
    ),
    "intent not declared to Alexa": (
        "language/en.yaml",
        "  AffirmationIntent:\n",
        "  AffirmIntent:\n",
        "intent 'AffirmIntent' is not declared in alexa.yaml",
        "AffirmIntent:",
    ),
    "cue for no practice": (
        "language/cues.yaml",
        "  mindfulness: [mindful,",
        "  mindfulnes: [mindful,",
        "'mindfulnes' has no file in prompts/practices/",
        "mindfulnes:",
    ),
    "pattern that is not a regular expression": (
        "safety.yaml",
        '"\\\\bunalive\\\\w*"',
        '"\\\\bunalive(\\\\w*"',
        "is not a valid regular expression",
        "unalive(",
    ),
    "crisis line without a field": (
        "safety.yaml",
        '    spoken: "nine eight eight"\n    display: "988"\n',
        '    display: "988"\n',
        "this crisis line has no spoken",
        "  US:",
    ),
    "alarm phrases not a list": (
        "safety.yaml",
        "spoken_alarm:\n",
        "spoken_alarm: suicide\nunused:\n",
        "spoken_alarm must be a list of phrases",
        "spoken_alarm:",
    ),
    "example label misspelt": (
        "safety_examples_more.yaml",
        "\nconcern:",
        "\nconcerns:",
        "'concerns' is not a label; use one of crisis, other, concern, not_crisis",
        "concerns:",
    ),
    "feelings examples not a list": (
        "feelings_examples.yaml",
        "threat:\n",
        "threat: anxious\nunused:\n",
        "`threat:` must be a list of check-in answers",
        "threat:",
    ),
    "affirmation id twice": (
        "affirmations.yaml",
        "- id: sk02",
        "- id: sk01",
        "affirmation id 'sk01' is used twice",
        '- id: sk01\n      text: "You are',
    ),
    "plural form missing": (
        "words.yaml",
        "  day: {one: day, other: days}\n",
        "",
        "`day:` needs its forms",
        "plurals:\n",
    ),
    "plural category unknown": (
        "words.yaml",
        "day: {one: day, other: days}",
        "day: {single: day, other: days}",
        "'single' is not a CLDR plural category",
        "day: {single",
    ),
    "list pattern without a part": (
        "words.yaml",
        '    end: "{0} or {1}"',
        '    end: "{0} or"',
        "the or list's `end:` must hold both {0} and {1}",
        'end: "{0} or"',
    ),
    "title placeholder": (
        "words.yaml",
        'audio: "KindWell: {title}"',
        'audio: "KindWell: {name}"',
        "uses {name}, which KindWell does not fill there (it fills: {title})",
        'audio: "KindWell: {name}"',
    ),
    "offered length not offered": (
        "words.yaml",
        "  minutes: 5",
        "  minutes: 7",
        "`minutes:` must be one of the offered lengths (3, 5, 10)",
        "minutes: 7",
    ),
    "suggested practice unknown": (
        "words.yaml",
        "loving_kindness]",
        "loving_kindnes]",
        "'loving_kindnes' has no file in prompts/practices/",
        "suggested:",
    ),
    "barge-in intent unknown": (
        "words.yaml",
        "next: AMAZON.NextIntent",
        "next: AMAZON.NextIntnt",
        "'AMAZON.NextIntnt' is not an intent in alexa.yaml",
        "next: AMAZON.NextIntnt",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=lambda case: case.replace(" ", "_"))
def test_each_kind_of_mistake_is_one_sentence_naming_the_file_and_line(tmp_path: Path, case: str) -> None:
    name, old, new, says, marker = BROKEN[case]
    root = broken_copy(tmp_path, name, old, new)
    with pytest.raises(ContentError) as caught:
        load_prompts(root).check_all()
    message = str(caught.value)
    assert "\n" not in message and message.endswith("."), message
    assert str(root / name) in message, message
    assert says in message, message
    if marker is not None:
        assert f"{root / name} line {line_of(root, name, marker)}: " in message, message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    root = tmp_path / "prompts"
    shutil.copytree(PROMPTS, root)
    (root / "words.yaml").unlink()
    missing = r"^Content file .*words\.yaml is missing; restore it from the repository\.$"
    with pytest.raises(ContentError, match=missing):
        load_prompts(root)


def test_the_shipped_prompts_load_and_every_part_shares_one_object() -> None:
    from local_runner.grammar import template_grammar
    from skill.app import build_skill
    from skill.nlu import Matcher

    prompts = default_prompts()
    assert isinstance(prompts, Prompts) and default_prompts() is prompts
    assert default_content() is prompts.content and default_language() is prompts.language
    chains = build_skill().request_dispatcher.request_mappers[0].request_handler_chains
    services = chains[0].request_handler.services
    assert services.prompts is prompts and services.content is prompts.content
    assert Matcher(use_classifier=False).prompts is prompts
    assert template_grammar().values["minutes"] == prompts.fillers.for_grammar()["minutes"]


def test_nothing_but_the_loader_reads_a_file_under_prompts() -> None:
    loaders = {"prompts.py", "prompt_files.py", "content.py", "safety_source.py"}
    sources = [*Path("skill").rglob("*.py"), *Path("local_runner").glob("*.py")]
    reads = re.compile(r"load_yaml\(|read_yaml\(|yaml\.(safe_)?load\(|yaml\.compose\(|glob\(\"[\w*]*\.yaml")
    readers = [path for path in sources if path.name not in loaders and reads.search(path.read_text())]
    assert readers == []


# --- the one filler table --------------------------------------------------------------------------


def test_one_filler_table_feeds_the_classifier_and_the_grammar() -> None:
    from local_runner.grammar import template_grammar
    from skill.text import normalize

    fillers = default_prompts().fillers
    minutes = fillers.spoken["minutes"]
    assert minutes[0] == "one" and minutes[-1] == "sixty" and len(minutes) == 60
    assert fillers.written["minutes"] == tuple(str(n) for n in range(1, 61))
    training = fillers.for_training()
    assert set(training["minutes"]) == set(minutes) | set(fillers.written["minutes"])
    assert set(training["duration"]) == {
        "half an hour", "thirty minutes", "a half hour", "a quarter of an hour", "quarter of an hour",
        "a quarter hour", "fifteen minutes", "an hour", "one hour", "a minute", "one minute", "a few minutes",
        "a couple of minutes",
    }  # fmt: skip
    grammar = template_grammar()
    for name, values in grammar.values.items():
        assert set(values) == {normalize(v) for v in fillers.spoken[name]}, name


def test_the_classifier_fills_its_templates_from_that_table() -> None:
    from skill.nlu import Matcher

    matcher = Matcher(use_classifier=False)
    texts, labels, weights = matcher._training_data()
    # The filled templates (weight 1); the hand-written paraphrases (heavier) say minutes as people do.
    heard = {
        t for t, label, w in zip(texts, labels, weights, strict=True) if label == "StartPracticeIntent" and w == 1.0
    }
    numbers = {m.group(1) for t in heard for m in re.finditer(r"\b(\d+) min", t)}
    assert numbers and numbers <= set(default_prompts().fillers.written["minutes"])
    assert any(int(n) > 30 for n in numbers), "numerals come from the whole 1-60 range of the minutes list"


def test_a_launch_parses_no_learning_data_and_compiles_no_templates(tmp_path: Path) -> None:
    from skill.app import build_skill
    from skill.envelopes import invoke, speech_of
    from skill.persistence import SQLitePersistenceAdapter

    from ..conftest import load_fixture

    prompts = load_prompts(PROMPTS)
    skill = build_skill(SQLitePersistenceAdapter(tmp_path / "db.sqlite3"), prompts=prompts)
    assert speech_of(invoke(skill, load_fixture("launch")))
    assert not {"language", "safety_examples", "feelings_examples"} & set(vars(prompts))
    prompts.check_all()
    assert {"language", "safety_examples", "feelings_examples"} <= set(vars(prompts))


def _spoken_keys() -> tuple[set[str], set[str]]:
    """(keys passed as literals to say/ask/_reply/responses.get, every string literal) in the handlers."""
    handlers = Path(__file__).resolve().parent.parent.parent / "skill" / "handlers"
    spoken: set[str] = set()
    literals: set[str] = set()
    for path in handlers.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            if not isinstance(node, ast.Call):
                continue
            reprompt = [k.value for k in node.keywords if k.arg == "reprompt"]
            arguments: list[ast.expr] = []
            if isinstance(node.func, ast.Name):  # say(services, key), ask(input, services, key), _reply(...)
                name = node.func.id
                if name == "say":
                    arguments = node.args[1:2]
                elif name in ("ask", "_reply"):
                    arguments = node.args[2:4] + reprompt
            elif isinstance(node.func, ast.Attribute):  # self.say(key), self.ask(input, key), ...responses.get(key)
                name = node.func.attr
                if name == "say" or (name == "get" and ast.unparse(node.func.value).endswith("responses")):
                    arguments = node.args[:1]
                elif name == "ask":
                    arguments = node.args[1:3] + reprompt
            # A literal, or the literals of a choice between them ("a" if ... else "b").
            keys = [
                choice.value
                for argument in arguments
                for choice in ([argument.body, argument.orelse] if isinstance(argument, ast.IfExp) else [argument])
                if isinstance(choice, ast.Constant) and isinstance(choice.value, str)
            ]
            spoken.update(keys)
            if name == "_reply":
                spoken.update(f"{key}_reprompt" for key in keys)
    return spoken, literals


def test_the_declared_response_keys_are_exactly_the_ones_the_skill_speaks() -> None:
    from skill.care import CareTier
    from skill.prompt_checks import CARE, DAILY, RESPONSES, TIMER
    from skill.timer import BELLS

    declared = set(RESPONSES) | set(CARE) | set(TIMER) | set(DAILY)
    spoken, literals = _spoken_keys()
    assert len(spoken) > 40
    # Everything the code speaks is declared, so a missing or misspelt one stops the load, not a conversation.
    assert spoken - declared == set()
    # Keys chosen at run time ("welcome_new" if ... else ...) are declared too.
    entries = set(load_prompts(PROMPTS).content.responses.entries)
    assert (literals & entries) - declared == set()
    # And nothing is declared that the code never speaks (keys built from a tier or a theme aside).
    built = {f"care_{tier.value}{end}" for tier in CareTier for end in ("", "_reprompt")} | {"checkin_other"}
    built |= {f"timer_intro_{bells}" for bells in BELLS}
    assert declared - spoken - literals - built == set()
