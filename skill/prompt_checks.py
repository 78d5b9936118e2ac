"""Cross-checks between the files of prompts/, run once when they are loaded.

Each check raises a ContentError: one sentence naming the file and, where YAML gives it, the line,
and saying what to change. The response keys the skill speaks are declared here with the
placeholders it fills in each (tests/unit/test_prompts.py checks the handlers use no other key), so a
missing or misspelt key or placeholder stops start-up instead of a conversation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .care import CareTier
from .prompt_files import YamlFile
from .safety_source import LINE_PLACEHOLDERS
from .timer import BELLS
from .words import check_placeholders

_NONE: frozenset[str] = frozenset()
_PRACTICE = frozenset({"title"})

#: Keys the skill speaks from prompts/responses.yaml -> the placeholders it fills in each. The
#: check-in also speaks checkin_<theme> for every theme in checkin.yaml and checkin_other.
RESPONSES: Mapping[str, frozenset[str]] = {
    "welcome_new": _NONE,
    "welcome_returning": _NONE,
    "welcome_resume": frozenset({"title", "minutes"}),
    "reprompt_main": _NONE,
    "help": _NONE,
    "goodbye": _NONE,
    "goodbye_saved": _PRACTICE,
    "fallback": _NONE,
    "fallback_in_practice": _NONE,
    "error": _NONE,
    "not_supported": _NONE,
    "list_practices": frozenset({"practice_list"}),
    "list_reprompt": _NONE,
    "ask_practice": frozenset({"suggestions"}),
    "ask_length": frozenset({"title", "lengths"}),
    "ask_length_reprompt": frozenset({"lengths"}),
    "length_snapped": frozenset({"title", "offered", "minutes"}),
    "practice_intro": frozenset({"title", "minutes"}),
    "segment_continue": _NONE,
    "segment_reprompt": _PRACTICE,
    "practice_complete": _PRACTICE,
    "practice_complete_reprompt": _NONE,
    "paused": _PRACTICE,
    "nothing_to_resume": _NONE,
    "nothing_to_repeat": _NONE,
    "nothing_next": _NONE,
    "start_over": _PRACTICE,
    "audio_next": _NONE,
    "resume_intro": _PRACTICE,
    "resume_declined": _NONE,
    "affirmation": _NONE,
    "affirmation_to_self": _NONE,
    "affirmation_reprompt": _NONE,
    "affirmation_more": _NONE,
    "checkin_ask": _NONE,
    "checkin_ask_reprompt": _NONE,
    "checkin_other": _NONE,
    "checkin_offer_reprompt": _PRACTICE,
    "offer_declined": _NONE,
    "offer_declined_reprompt": _NONE,
    "progress_none": _NONE,
    "progress": frozenset({"total", "total_word", "week_days", "week_day_word", "streak_sentence"}),
    "streak_sentence_active": frozenset({"streak", "streak_word"}),
    "streak_sentence_none": _NONE,
    "progress_reprompt": _NONE,
}

#: Keys the care handlers speak from prompts/care.yaml -> placeholders (the values of the line named).
CARE: Mapping[str, frozenset[str]] = {
    **{f"care_{tier.value}": LINE_PLACEHOLDERS for tier in CareTier},
    **{f"care_{tier.value}_reprompt": LINE_PLACEHOLDERS for tier in CareTier},
    "care_card_title": _NONE,
    "care_card": LINE_PLACEHOLDERS,
    "care_after_breath": LINE_PLACEHOLDERS,
    "care_after_breath_reprompt": LINE_PLACEHOLDERS,
    "care_declined": LINE_PLACEHOLDERS,
    "care_declined_reprompt": LINE_PLACEHOLDERS,
    "care_other_declined": LINE_PLACEHOLDERS,
    "care_other_declined_reprompt": LINE_PLACEHOLDERS,
    "care_fallback": LINE_PLACEHOLDERS,
    "care_goodbye": LINE_PLACEHOLDERS,
}


#: Keys the timer speaks from prompts/timer.yaml `responses:` -> placeholders (timer_intro_<bells> is one
#: per interval setting the timer offers).
TIMER: Mapping[str, frozenset[str]] = {
    **{f"timer_intro_{bells}": frozenset({"minutes"}) for bells in BELLS},
    "timer_ask_length": _NONE,
    "timer_ask_length_reprompt": _NONE,
    "timer_audio_next": _NONE,
    "timer_bells_snapped": _NONE,
    "timer_complete": frozenset({"minutes"}),
    "timer_cue_closing": _NONE,
    "timer_cue_interval": _NONE,
    "timer_cue_start": _NONE,
    "timer_in_parts": frozenset({"part_minutes", "parts"}),
    "timer_length_snapped": frozenset({"minutes"}),
    "timer_part_done": frozenset({"done", "minutes"}),
    "timer_part_reprompt": _NONE,
    "timer_part_resume": _NONE,
    "timer_stopped": _NONE,
}

#: Keys the practice of the day speaks from prompts/daily.yaml `responses:` -> placeholders.
DAILY: Mapping[str, frozenset[str]] = {
    "daily_practice": frozenset({"title", "minutes", "about"}),
    "daily_practice_done": frozenset({"title", "minutes", "about"}),
    "daily_practice_reprompt": _PRACTICE,
    "daily_welcome": frozenset({"title", "minutes"}),
    "daily_welcome_reprompt": _PRACTICE,
}


def required_responses(feeling_themes: Iterable[str]) -> dict[str, frozenset[str]]:
    """Every response key the skill may speak from responses.yaml -> the placeholders it fills there."""
    required = dict(RESPONSES)
    required.update({f"checkin_{theme}": _NONE for theme in feeling_themes})
    return required


def check_responses(
    responses: YamlFile,
    care: YamlFile,
    entries: Mapping[str, tuple[str, ...]],
    feeling_themes: Iterable[str],
    sections: Iterable[tuple[YamlFile, Mapping[str, frozenset[str]]]] = (),
) -> None:
    """Every key the skill speaks is written once, in its file, using only placeholders the skill fills.

    care.yaml and each of sections (a file with its declared keys, e.g. timer.yaml and TIMER) hold
    their sentences under `responses:`."""
    files: list[tuple[YamlFile, Mapping[str, frozenset[str]], tuple[str, ...]]] = [
        (responses, required_responses(feeling_themes), ()),
        (care, CARE, ("responses",)),
        *((file, declared, ("responses",)) for file, declared in sections),
    ]
    seen: dict[str, YamlFile] = {}
    for file, _declared, prefix in files:
        written = file.get(*prefix) if prefix else file.data
        for key in sorted(written or {}):
            if key in seen:
                raise file.error(
                    f"response {key!r} is also in {seen[key].path.name}; keep it in one of the two.", *prefix, key
                )
            seen[str(key)] = file
    for file, declared, prefix in files:
        for key, allowed in declared.items():
            keys = (*prefix, key)
            if key not in entries or seen.get(key) is not file:
                raise file.error(f"there is no response {key!r}, which KindWell speaks; add it.", *prefix)
            raw = file.get(*keys)
            for index, text in enumerate(entries[key]):
                check_placeholders(file, text, set(allowed), *keys, *((index,) if isinstance(raw, list) else ()))


# A {list} (or {list:slot}) and a <rule> in a hassil template.
_LIST_REFERENCE = re.compile(r"\{(\w+)(?::\w+)?\}")
_RULE_REFERENCE = re.compile(r"<(\w+)>")


def check_templates(templates: YamlFile, alexa: YamlFile, practice_ids: Iterable[str]) -> None:
    """What can be checked without compiling the templates (hassil does that on first use): every {list}
    and <rule> a template uses is defined, every list has an Alexa slot and every slot a list, every
    intent is declared to Alexa, and the practice list names real practices."""
    intents = templates.mapping("intents", what="intent names to `data:` with `sentences:`")
    lists = templates.get("lists") or {}
    rules = templates.get("expansion_rules") or {}
    if not isinstance(lists, dict) or not isinstance(rules, dict):
        raise templates.error("`lists:` and `expansion_rules:` must be mappings.")
    for name, body in rules.items():
        _check_references(templates, str(body), lists, rules, "expansion_rules", name)
    for name in intents:
        for block_index, block in enumerate(templates.get("intents", name, "data") or []):
            for index, sentence in enumerate((block or {}).get("sentences") or []):
                where = ("intents", name, "data", block_index, "sentences", index)
                _check_references(templates, str(sentence), lists, rules, *where)
    slots = alexa.mapping("slots", what="template lists to Alexa slots")
    for name in slots:
        if name not in lists:
            raise alexa.error(f"slot {name!r} maps a list that {templates.path.name} does not define.", "slots", name)
        spec = slots[name]
        if not isinstance(spec, dict) or "name" not in spec or not ("type" in spec or "custom_type" in spec):
            raise alexa.error(f"slot {name!r} needs `name:` and `type:` (or `custom_type:`).", "slots", name)
    for name in lists:
        if name not in slots:
            raise alexa.error(
                f"list {name!r} of {templates.path.name} has no Alexa slot; add one under `slots:`.", "slots"
            )
    declared = set(alexa.strings("custom_intents", what="intent names")) | set(
        alexa.strings("builtin_intents", what="intent names")
    )
    for name in intents:
        if name not in declared:
            raise templates.error(
                f"intent {name!r} is not declared in alexa.yaml; add it to custom_intents or builtin_intents.",
                "intents",
                name,
            )
    for index, name in enumerate(alexa.strings("custom_intents", what="intent names")):
        if name not in intents:
            raise alexa.error(
                f"custom intent {name!r} has no sentences in {templates.path.name}; add some.", "custom_intents", index
            )
    known = set(practice_ids)
    for index, value in enumerate(templates.get("lists", "practice", "values") or []):
        out = str(value.get("out", "")) if isinstance(value, dict) else ""
        if out not in known:
            raise templates.error(
                f"the practice list value {out!r} has no file in prompts/practices/; use one of its file names.",
                "lists",
                "practice",
                "values",
                index,
            )


def _check_references(
    file: YamlFile, text: str, lists: Mapping[str, Any], rules: Mapping[str, Any], *keys: Any
) -> None:
    for name in _LIST_REFERENCE.findall(text):
        if name not in lists:
            raise file.error(
                f"the template {text!r} uses {{{name}}}, which `lists:` does not define; define it or fix the name.",
                *keys,
            )
    for name in _RULE_REFERENCE.findall(text):
        if name not in rules:
            raise file.error(
                f"the template {text!r} uses <{name}>, which `expansion_rules:` does not define; "
                "define it or fix the name.",
                *keys,
            )


def check_practice_ids(file: YamlFile, table: Mapping[str, Any], practice_ids: Iterable[str], *keys: str) -> None:
    """Every key of a table keyed by practice id names a practice."""
    known = set(practice_ids)
    for practice_id in table:
        if practice_id not in known:
            raise file.error(
                f"{practice_id!r} has no file in prompts/practices/; use one of its file names.", *keys, practice_id
            )


def check_intents(file: YamlFile, table: Mapping[str, str], alexa: YamlFile, *keys: str) -> None:
    """Every intent a table sends is one the skill declares (alexa.yaml)."""
    declared = set(alexa.strings("custom_intents", what="intent names")) | set(
        alexa.strings("builtin_intents", what="intent names")
    )
    for word, intent in table.items():
        if intent not in declared:
            raise file.error(f"{intent!r} is not an intent in alexa.yaml; use one declared there.", *keys, word)
