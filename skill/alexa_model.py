"""Generate the Alexa interaction model from the templates, and validate it.

The validation follows the rules the ASK tooling enforces when a model is built, so a broken
template fails here instead of in the console. skill.alexa_package writes it out with the manifest.
"""

from __future__ import annotations

import re
from typing import Any

from .alexa_samples import ranked_samples, select_samples
from .content import Responses, default_content
from .language import PLACEHOLDER, Language, default_language

REQUIRED_BUILTINS = ("AMAZON.CancelIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.NavigateHomeIntent")
AUDIO_PLAYER_BUILTINS = (
    "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
    "AMAZON.LoopOffIntent",
    "AMAZON.LoopOnIntent",
    "AMAZON.NextIntent",
    "AMAZON.PreviousIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.ShuffleOffIntent",
    "AMAZON.ShuffleOnIntent",
    "AMAZON.StartOverIntent",
)
_INVOCATION_FORBIDDEN = {
    "alexa",
    "amazon",
    "echo",
    "computer",
    "skill",
    "app",
    "ask",
    "open",
    "launch",
    "tell",
    "load",
    "begin",
    "enable",
    "start",
    "resume",
    "run",
    "use",
    "to",
    "from",
    "by",
    "if",
    "and",
    "whether",
    "in",
    "using",
    "with",
    "about",
    "for",
    "that",
}
_UTTERANCE_CHARS = re.compile(r"^[a-z' .{}]+$")
_ALEXA_NAME = re.compile(r"^[A-Za-z_]+$")


def build_interaction_model(language: Language | None = None, responses: Responses | None = None) -> dict[str, Any]:
    """The `interactionModel` document (same for every English locale)."""
    language = language or default_language()
    responses = responses or default_content().responses
    slot_by_list = language.slots
    ranked = ranked_samples(language)
    intents: list[dict[str, Any]] = []
    for name in language.custom_intents:
        samples = select_samples(language, name, ranked)
        used_lists = sorted({m.group(1) for s in samples for m in PLACEHOLDER.finditer(s)})
        slots: list[dict[str, Any]] = [
            {"name": slot_by_list[list_name].slot_name, "type": slot_by_list[list_name].alexa_type}
            for list_name in used_lists
        ]
        for slot in slots:
            if slot["type"] == "AMAZON.SearchQuery":
                slot["samples"] = [s for s in samples if "{" + slot["name"] + "}" in s][:20]
        samples = [_rename_slots(s, language) for s in samples]
        intent: dict[str, Any] = {"name": name, "slots": slots, "samples": samples}
        intents.append(intent)
    for name in language.builtin_intents:
        intents.append({"name": name, "samples": []})
    types = []
    for spec in slot_by_list.values():
        if not spec.custom:
            continue
        values: dict[str, list[str]] = {}
        for phrase, value_id in language.list_values(spec.list_name):
            values.setdefault(value_id, []).append(phrase)
        types.append(
            {
                "name": spec.alexa_type,
                "values": [
                    {"id": value_id, "name": {"value": phrases[0], "synonyms": phrases[1:]}}
                    for value_id, phrases in values.items()
                ],
            }
        )
    feeling_slot = slot_by_list["feeling"].slot_name
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": language.alexa["invocation_name"],
                "intents": intents,
                "types": types,
            },
            # A dialog model lets the skill ask for the check-in feeling with Dialog.ElicitSlot.
            "dialog": {
                "delegationStrategy": "SKILL_RESPONSE",
                "intents": [
                    {
                        "name": "CheckInIntent",
                        "confirmationRequired": False,
                        "prompts": {},
                        "slots": [
                            {
                                "name": feeling_slot,
                                "type": "AMAZON.SearchQuery",
                                "confirmationRequired": False,
                                "elicitationRequired": True,
                                "prompts": {"elicitation": "Elicit.Slot.CheckInIntent.feeling"},
                            }
                        ],
                    }
                ],
            },
            "prompts": [
                {
                    "id": "Elicit.Slot.CheckInIntent.feeling",
                    "variations": [{"type": "PlainText", "value": text} for text in responses.variants("checkin_ask")],
                }
            ],
        }
    }


def _rename_slots(sample: str, language: Language) -> str:
    return PLACEHOLDER.sub(lambda m: "{" + language.slots[m.group(1)].slot_name + "}", sample)


def validate_model(model: dict[str, Any], manifest: dict[str, Any] | None = None) -> list[str]:
    """Problems the ASK tooling would reject the model for (empty when it is valid)."""
    problems: list[str] = []
    language_model = model["interactionModel"]["languageModel"]
    problems += _check_invocation(language_model.get("invocationName", ""))
    types = {t["name"]: t for t in language_model.get("types", [])}
    for type_name, slot_type in types.items():
        problems += _check_slot_type(type_name, slot_type)
    names = [intent["name"] for intent in language_model["intents"]]
    for builtin in REQUIRED_BUILTINS:
        if builtin not in names:
            problems.append(f"Required built-in intent {builtin} is missing.")
    if manifest and any(
        i.get("type") == "AUDIO_PLAYER" for i in manifest["manifest"]["apis"]["custom"].get("interfaces", [])
    ):
        for builtin in AUDIO_PLAYER_BUILTINS:
            if builtin not in names:
                problems.append(f"The AudioPlayer interface needs built-in intent {builtin}.")
    if len(names) != len(set(names)):
        problems.append("An intent name appears twice.")
    owner: dict[str, str] = {}
    for intent in language_model["intents"]:
        problems += _check_intent(intent, types, owner)
    return problems


def _check_invocation(name: str) -> list[str]:
    problems = []
    words = name.split()
    if not 2 <= len(name) <= 50:
        problems.append(f"Invocation name {name!r} must be 2 to 50 characters.")
    if not re.fullmatch(r"[a-z][a-z' .]*", name):
        problems.append(f"Invocation name {name!r} may use only lower-case letters, spaces, apostrophes and periods.")
    if len(words) < 2:
        problems.append(f"Invocation name {name!r} must have at least two words.")
    bad = sorted(set(words) & _INVOCATION_FORBIDDEN)
    if bad:
        problems.append(
            f"Invocation name {name!r} contains a launch phrase, wake word or connecting word: {', '.join(bad)}."
        )
    return problems


def _check_slot_type(type_name: str, slot_type: dict[str, Any]) -> list[str]:
    problems = []
    if not _ALEXA_NAME.match(type_name):
        problems.append(f"Slot type name {type_name!r} may use only letters and underscores.")
    ids: set[str] = set()
    phrases: dict[str, str] = {}
    for value in slot_type.get("values", []):
        value_id = value.get("id", "")
        if value_id in ids:
            problems.append(f"Slot type {type_name}: id {value_id!r} is used twice.")
        ids.add(value_id)
        for phrase in [value["name"]["value"], *value["name"].get("synonyms", [])]:
            if phrase in phrases and phrases[phrase] != value_id:
                problems.append(
                    f"Slot type {type_name}: {phrase!r} is a synonym of both {phrases[phrase]} and {value_id}."
                )
            phrases[phrase] = value_id
            if len(phrase) > 140:
                problems.append(f"Slot type {type_name}: value {phrase[:30]!r}... is longer than 140 characters.")
    return problems


def _check_intent(intent: dict[str, Any], types: dict[str, Any], owner: dict[str, str]) -> list[str]:
    problems = []
    name = intent["name"]
    if not name.startswith("AMAZON.") and not _ALEXA_NAME.match(name):
        problems.append(f"Intent name {name!r} may use only letters and underscores.")
    slots = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
    for slot_name, slot_type in slots.items():
        if not slot_type.startswith("AMAZON.") and slot_type not in types:
            problems.append(f"{name}: slot {slot_name} has type {slot_type}, which is not defined.")
    search_slots = [s for s, t in slots.items() if t == "AMAZON.SearchQuery"]
    if len(search_slots) > 1:
        problems.append(f"{name}: an intent may have only one AMAZON.SearchQuery slot.")
    for sample in intent.get("samples", []):
        problems += _check_sample(name, sample, slots)
        key = " ".join(sample.lower().split())
        if key in owner and owner[key] != name:
            problems.append(f"Sample {sample!r} appears in both {owner[key]} and {name}.")
        owner.setdefault(key, name)
    return problems


def _check_sample(intent_name: str, sample: str, slots: dict[str, str]) -> list[str]:
    problems = []
    if not _UTTERANCE_CHARS.match(sample):
        problems.append(f"{intent_name}: sample {sample!r} has characters Alexa rejects (digits, punctuation).")
    if re.search(r"(^|\s)'|'(\s|$)", sample):
        problems.append(f"{intent_name}: sample {sample!r} has an apostrophe outside a word.")
    if len(sample) > 200:
        problems.append(f"{intent_name}: sample {sample[:40]!r}... is longer than 200 characters.")
    used = [m.group(1) for m in PLACEHOLDER.finditer(sample)]
    for slot in used:
        if slot not in slots:
            problems.append(f"{intent_name}: sample {sample!r} uses {{{slot}}}, which the intent does not define.")
    if len(used) != len(set(used)):
        problems.append(f"{intent_name}: sample {sample!r} uses a slot twice.")
    if any(slots.get(slot) == "AMAZON.SearchQuery" for slot in used):
        carrier = PLACEHOLDER.sub("", sample).strip()
        if not carrier:
            problems.append(f"{intent_name}: sample {sample!r} has a SearchQuery slot with no carrier phrase.")
        if len(used) > 1:
            problems.append(f"{intent_name}: sample {sample!r} mixes a SearchQuery slot with other slots.")
    return problems
