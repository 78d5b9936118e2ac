"""Check hassil templates when they are loaded, naming the file and line of the first bad one.

hassil parses an intent's sentences only when they are first used, and a `{list}` or `<rule>` that
does not exist passes `kindwell sample` and the matcher silently, then breaks the Alexa model export.
Checking every template at load turns each of those into one sentence a writer can act on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from hassil import Intents
from hassil.expression import Expression, Group, ListReference, RuleReference, Sentence
from hassil.parse_expression import parse_sentence

from .content import SAFE_LOADER
from .errors import ContentError


def scalar_lines(path: Path) -> dict[str, int]:
    """Each string in a YAML file -> the (1-based) line it first appears on."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError):
        return {}  # load_yaml has already reported (or will report) the file itself
    lines: dict[str, int] = {}
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            lines.setdefault(str(node.value), node.start_mark.line + 1)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))
    return lines


def _where(path: Path, lines: Mapping[str, int], text: str) -> str:
    line = lines.get(text)
    return f"{path} line {line}" if line else str(path)


def _template_texts(data: Mapping[str, Any]) -> Iterator[str]:
    """Every string hassil parses as a template: sentences, expansion rules and list values."""
    yield from (str(body) for body in (data.get("expansion_rules") or {}).values())
    for spec in (data.get("lists") or {}).values():
        for value in spec.get("values") or []:
            yield str(value.get("in", "")) if isinstance(value, Mapping) else str(value)
    for intent in (data.get("intents") or {}).values():
        for block in intent.get("data") or []:
            yield from (str(text) for text in block.get("sentences") or [])
            yield from (str(body) for body in (block.get("expansion_rules") or {}).values())


def parse_intents(data: Any, path: Path) -> Intents:
    """hassil Intents from a loaded template file, with every sentence parsed now; ContentError if any fails."""
    if not isinstance(data, Mapping) or not isinstance(data.get("intents"), Mapping):
        raise ContentError(f"{path} must have `language:` and `intents:` mapping intent names to sentences.")
    try:
        intents = Intents.from_dict(dict(data))
        for intent in intents.intents.values():
            for block in intent.data:
                block.sentences  # noqa: B018 - hassil parses lazily; parse now, where the error can be placed
    except Exception as err:  # hassil raises ParseError, KeyError, TypeError... for a bad template file
        _raise_for_first_bad_template(data, path, err)
        raise ContentError(f"{path} has a template hassil cannot parse ({err}); fix that sentence.") from err
    check_references(intents, path)
    return intents


def _raise_for_first_bad_template(data: Mapping[str, Any], path: Path, err: Exception) -> None:
    try:
        texts = list(_template_texts(data))
    except (AttributeError, TypeError):
        return  # the file's shape, not a template, is wrong: the general message says so
    for text in texts:
        try:
            parse_sentence(text, keep_text=True)
        except Exception as bad:
            lines = scalar_lines(path)
            raise ContentError(
                f"{_where(path, lines, text)}: the template {text!r} cannot be parsed ({bad}); fix that sentence."
            ) from err


def _references(expression: Expression) -> Iterator[ListReference | RuleReference]:
    stack: list[Expression] = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, ListReference | RuleReference):
            yield node
        elif isinstance(node, Group):
            stack.extend(node.items)


def check_references(intents: Intents, path: Path) -> None:
    """ContentError naming file and line for a template that uses a {list} or <rule> nobody defines."""
    lines: dict[str, int] | None = None

    def check(sentence: Sentence, lists: Mapping[str, Any], rules: Mapping[str, Any]) -> None:
        nonlocal lines
        for reference in _references(sentence.expression):
            if isinstance(reference, ListReference):
                if reference.is_inline_range or reference.list_name in lists:
                    continue
                missing, section, brackets = reference.list_name, "lists", "{}"
            elif reference.rule_name in rules:
                continue
            else:
                missing, section, brackets = reference.rule_name, "expansion_rules", "<>"
            lines = lines if lines is not None else scalar_lines(path)
            text = sentence.text or ""
            raise ContentError(
                f"{_where(path, lines, text)}: the template {text!r} uses {brackets[0]}{missing}{brackets[1]}, "
                f"which is not defined under {section}:; define it or fix the name."
            )

    for rule in intents.expansion_rules.values():
        check(rule, intents.slot_lists, intents.expansion_rules)
    for intent in intents.intents.values():
        for block in intent.data:
            lists = {**intents.slot_lists, **block.slot_lists}
            rules = {**intents.expansion_rules, **block.expansion_rules}
            for sentence in [*block.sentences, *block.expansion_rules.values()]:
                check(sentence, lists, rules)
