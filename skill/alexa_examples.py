"""The store's example phrases, checked the way certification checks them: each must reach its intent.

A phrase such as "Alexa, ask kind well for an affirmation" is the wake word, a carrier ("ask kind
well for") and an utterance ("an affirmation"). Alexa takes the carrier off and matches the rest
against the model's sample utterances, slots filled with their values; a phrase whose utterance is
no sample fails certification. "Alexa, open kind well" (a launch phrase alone) opens the skill.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ContentError

LAUNCH = "LaunchRequest"
WAKE_WORD = "alexa"
MAX_EXAMPLE_PHRASES = 3
# How people invoke a custom skill (Amazon's "Understanding How Users Invoke Custom Skills").
_LAUNCH_WORDS = "open|launch|start|begin|load|run|play|use"
_CONNECTING_WORDS = "to|for|about|if|whether|that|from|by|with|using|in"
_DURATION_UNITS = r"(?:seconds?|minutes?|hours?|days?|weeks?)"


@dataclass(frozen=True)
class ExamplePhrase:
    """One example phrase for the store, and the intent it is meant to reach (LaunchRequest to open)."""

    say: str
    intent: str


def example_phrases(manifest_meta: Mapping[str, Any]) -> list[ExamplePhrase]:
    """The `example_phrases` of alexa.yaml's manifest section."""
    result = []
    for entry in manifest_meta.get("example_phrases", []):
        if not (isinstance(entry, dict) and isinstance(entry.get("say"), str) and isinstance(entry.get("intent"), str)):
            raise ContentError(
                "Each example phrase in prompts/language/alexa.yaml needs `say` (the words) and `intent` (the "
                "intent it reaches, or LaunchRequest), such as {say: 'Alexa, open kind well', intent: LaunchRequest}."
            )
        result.append(ExamplePhrase(" ".join(entry["say"].split()), entry["intent"]))
    return result


def utterances(phrase: str, invocation_name: str) -> list[str]:
    """What Alexa may hand the skill for a spoken phrase: "" for opening it, else each reading's utterance.

    Empty when the phrase does not start with the wake word or does not name the skill.
    """
    words = " ".join(re.sub(r"[^\w' ]+", " ", phrase.lower()).split())
    if not words.startswith(WAKE_WORD + " "):
        return []
    rest = words[len(WAKE_WORD) + 1 :]
    name = re.escape(invocation_name)
    readings = []
    if re.fullmatch(rf"(?:{_LAUNCH_WORDS}) {name}", rest):
        readings.append("")
    patterns = (
        rf"(?:ask|tell) {name} (?:{_CONNECTING_WORDS}) (?P<u>.+)",
        rf"(?:ask|tell) {name} (?P<u>.+)",
        rf"(?:{_LAUNCH_WORDS}) {name} and (?P<u>.+)",
        rf"(?P<u>.+) (?:{_CONNECTING_WORDS}|on) {name}",
    )
    for pattern in patterns:
        match = re.fullmatch(pattern, rest)
        if match and match.group("u") not in readings:
            readings.append(match.group("u"))
    return readings


def resolve(phrase: str, model: Mapping[str, Any]) -> list[str]:
    """Every intent (LaunchRequest for opening the skill) the phrase reaches in an interaction model."""
    language_model = model["interactionModel"]["languageModel"]
    slot_values = _slot_values(language_model)
    reached: list[str] = []
    for utterance in utterances(phrase, language_model["invocationName"]):
        if not utterance:
            reached.append(LAUNCH)
            continue
        words = utterance.split()
        for intent in language_model["intents"]:
            fills = {slot["name"]: slot_values(slot["type"]) for slot in intent.get("slots", [])}
            if intent["name"] not in reached and any(
                _matches(words, sample.split(), fills) for sample in intent.get("samples", [])
            ):
                reached.append(intent["name"])
    return reached


def example_problems(phrases: Iterable[ExamplePhrase], model: Mapping[str, Any]) -> list[str]:
    """Why the example phrases would fail certification against this model (empty when they would not)."""
    phrases = list(phrases)
    problems = []
    if not 1 <= len(phrases) <= MAX_EXAMPLE_PHRASES:
        problems.append(f"The store takes 1 to {MAX_EXAMPLE_PHRASES} example phrases; alexa.yaml has {len(phrases)}.")
    for example in phrases:
        reached = resolve(example.say, model)
        if not example.say.lower().startswith(WAKE_WORD + ","):
            problems.append(f"Example phrase {example.say!r} must start with 'Alexa,'.")
        elif example.intent not in reached:
            where = f"it reaches {', '.join(reached)}" if reached else "it matches no sample utterance"
            problems.append(
                f"Example phrase {example.say!r} should reach {example.intent}, but {where}; "
                "change the phrase or add its words to prompts/language/ranked_samples.yaml."
            )
        elif len(reached) > 1:
            problems.append(f"Example phrase {example.say!r} could mean any of {', '.join(reached)}.")
    return problems


def _matches(words: list[str], parts: list[str], fills: Mapping[str, re.Pattern[str]]) -> bool:
    """True when the words are the sample's parts, each {slot} filled with one or more words it accepts."""
    if not parts:
        return not words
    head, rest = parts[0], parts[1:]
    if not (head.startswith("{") and head.endswith("}")):
        return bool(words) and words[0] == head and _matches(words[1:], rest, fills)
    pattern = fills[head[1:-1]]
    return any(
        pattern.fullmatch(" ".join(words[:taken])) is not None and _matches(words[taken:], rest, fills)
        for taken in range(1, len(words) - len(rest) + 1)
    )


def _slot_values(language_model: Mapping[str, Any]) -> Callable[[str], re.Pattern[str]]:
    """For a slot type, a compiled expression for what it may be filled with (custom values from the model)."""
    values = {
        slot_type["name"]: [
            phrase
            for value in slot_type["values"]
            for phrase in (value["name"]["value"], *value["name"].get("synonyms", []))
        ]
        for slot_type in language_model.get("types", [])
    }
    compiled: dict[str, re.Pattern[str]] = {}

    def pattern(slot_type: str) -> re.Pattern[str]:
        if slot_type not in compiled:
            compiled[slot_type] = re.compile(slot_pattern(slot_type, values))
        return compiled[slot_type]

    return pattern


def slot_pattern(slot_type: str, values: Mapping[str, list[str]]) -> str:
    """What a slot of this type can be filled with, as a regular expression."""
    if slot_type in values:
        return "(?:" + "|".join(re.escape(v) for v in sorted(values[slot_type], key=len, reverse=True)) + ")"
    if slot_type == "AMAZON.NUMBER":
        return _number_words()
    if slot_type == "AMAZON.DURATION":
        amount = rf"(?:{_number_words()}|a|an|a half|half an|a quarter of an|a quarter)"
        return rf"(?:{amount} {_DURATION_UNITS}|{amount} and a half {_DURATION_UNITS})"
    if slot_type == "AMAZON.SearchQuery":
        return ".+"
    raise ContentError(
        f"Example phrases cannot be checked against slot type {slot_type}; add it to skill.alexa_examples."
    )


def _number_words() -> str:
    """A number from zero to nine hundred and ninety nine, as spoken ("forty five"), as a regular expression.

    A small grammar rather than a list of all thousand numbers: an alternation that long makes every
    sample with a number slow to compile. The tests check it against unicode_rbnf's spelled numbers.
    """
    units = "one|two|three|four|five|six|seven|eight|nine"
    teens = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
    tens = f"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?: (?:{units}))?"
    below_hundred = f"(?:{tens}|{teens}|{units})"
    return f"(?:zero|(?:{units}) hundred(?: and)?(?: {below_hundred})?|{below_hundred})"
