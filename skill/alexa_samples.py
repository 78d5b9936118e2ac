"""Which of the templates' sentences become Alexa sample utterances, and in what order.

Alexa takes a few hundred samples per intent well; the templates make thousands. The most common
forms come first, from the ranked list in prompts/language/ranked_samples.yaml; the rest of the room
is filled from every template in turn, shortest sentences first, so no template crowds out the others
and the same templates always give the same samples. A sentence whose "a" or "an" does not suit the
next word ("an little session", "a exercise") is never exported: the offline matcher may accept
such slips, but Alexa's model should learn from grammatical English only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .language import Language

#: Most sample utterances exported per intent: enough variety for Alexa's statistical model
#: without the thousands of near-duplicates optional words multiply into.
MAX_SAMPLES_PER_INTENT = 600

# "an" is decided by the sound, not the letter. Hand-written rather than a library's full rules
# because the words that follow an article here are the templates' own small vocabulary; the tests
# check every exported sample against the inflect package's complete rules.
_VOWEL_LETTER_CONSONANT_SOUND = re.compile(r"^(one|once|uni|use|usu|uti|eu|ewe|ouija)")
_SILENT_H = re.compile(r"^(hour|honest|honou?r|heir)")
_ARTICLE_PAIR = re.compile(r"\b(a|an) (\S+)")


def takes_an(word: str) -> bool:
    """True when the word is said with "an" before it (an affirmation, an hour; a user, a one)."""
    word = word.lower()
    if _SILENT_H.match(word):
        return True
    if _VOWEL_LETTER_CONSONANT_SOUND.match(word):
        return False
    return word[:1] in ("a", "e", "i", "o", "u")


def articles_agree(sentence: str) -> bool:
    """False when an "a" or "an" does not suit the word after it.

    Before a {slot} only "a" is accepted: the value is not known, and "a" suits most of them.
    """
    for article, following in _ARTICLE_PAIR.findall(sentence):
        wants_an = False if following.startswith("{") else takes_an(following)
        if (article == "an") != wants_an:
            return False
    return True


def ranked_samples(language: Language) -> dict[str, list[str]]:
    """The ranked list for each custom intent, checked against the templates (empty lists when there is none).

    The file is the one the Prompts read (language.ranked); each mistake is one sentence naming its line.
    """
    ranked: dict[str, list[str]] = {name: [] for name in language.custom_intents}
    file = language.ranked
    if file is None or file.data is None:
        return ranked
    if not isinstance(file.data, dict):
        raise file.error("the file must map intent names to lists of sentences.")
    for intent_name, lines in file.data.items():
        if intent_name not in ranked:
            known = ", ".join(language.custom_intents)
            raise file.error(f"{intent_name!r} is not an exported intent; use one of {known}.", intent_name)
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            raise file.error(f"{intent_name} must be a list of sentences in quotes.", intent_name)
        sentences = set(language.expand(intent_name, expand_lists=False))
        for index, line in enumerate(lines):
            text = " ".join(line.split())
            if text not in sentences:
                raise file.error(
                    f"{text!r} under {intent_name} is not a sentence its templates in {language.path.name} make; "
                    "fix the line or add a template that makes it.",
                    intent_name,
                    index,
                )
            if not articles_agree(text):
                raise file.error(
                    f'{text!r} under {intent_name} has "a" or "an" before the wrong word; '
                    'use "an" before a vowel sound, and "a" before a {list}.',
                    intent_name,
                    index,
                )
            if text in ranked[intent_name]:
                raise file.error(f"{text!r} is listed twice under {intent_name}; keep one.", intent_name, index)
            ranked[intent_name].append(text)
    return ranked


def select_samples(
    language: Language,
    intent_name: str,
    ranked: Mapping[str, list[str]] | None = None,
    limit: int = MAX_SAMPLES_PER_INTENT,
) -> list[str]:
    """Sample utterances for one intent, {lists} left in: the ranked ones in order, then the rest sorted."""
    ranked = ranked if ranked is not None else ranked_samples(language)
    chosen = list(ranked.get(intent_name, []))[:limit]
    seen = set(chosen)
    per_template = [
        _shortest_first(e for e in language.expand_sentence(sentence) if articles_agree(e))
        for sentence in language.templates(intent_name)
    ]
    rest: list[str] = []
    # Round-robin over templates so a template with many optional words cannot crowd out the rest.
    while len(chosen) + len(rest) < limit and any(per_template):
        for queue in per_template:
            while queue:
                candidate = queue.pop()
                if candidate not in seen:
                    seen.add(candidate)
                    rest.append(candidate)
                    break
            if len(chosen) + len(rest) >= limit:
                break
    return chosen + sorted(rest)


def _shortest_first(sentences: Iterable[str]) -> list[str]:
    """A queue to pop() from: fewest words first, then alphabetical, without repeats."""
    return sorted(set(sentences), key=lambda s: (len(s.split()), s), reverse=True)
