"""One `Prompts` object: every file of prompts/, loaded once, parsed, cross-checked.

Everything KindWell says or understands comes from here: spoken content (practices, affirmations,
responses, the care policy's words), the small words sentences are built from (words.yaml), the
templates, the check-in's themes, the matcher's cues, the care check's patterns, lines and labelled
examples, and the everyday feelings the classifiers learn from. The matcher, the grammar, the care
check and the handlers are all given this one object (`build_skill(prompts=...)`,
`SkillServices.prompts`); nothing else reads a file under prompts/.

Every file the skill speaks or decides from is parsed and checked at load, each error one sentence
naming the file and line (skill.prompt_checks). Three things wait for first use, each checked then
in the same way, because a launch needs none of them and a cold start would pay for them: compiling
the templates (`language`: importing hassil alone costs about a fifth of a cold start), and the
learning data, which only training and the offline grammar read (`safety_examples`,
`feelings_examples`: over half of prompts/ by size; serving runs on the shipped weights).
`check_all()` loads those too; the tests and `kindwell train` go through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .content import (
    Content,
    FeelingTheme,
    Responses,
    content_digest,
    load_affirmations,
    load_care_breath,
    load_feelings,
    load_responses,
    prompts_dir,
)
from .content_files import load_daily, load_timer
from .errors import ContentError
from .practices import PRACTICE_LENGTHS, Frames, Practice, load_frames, load_practice
from .prompt_checks import DAILY, TIMER, check_intents, check_practice_ids, check_responses, check_templates
from .prompt_files import YamlFile, load_yaml, read_yaml
from .safety_source import SafetyExamples, SafetySource, example_files, load_examples, load_safety_source
from .words import Words, load_words

if TYPE_CHECKING:
    from .fillers import SlotFillers
    from .language import Language
    from .slot_models import SlotClassifier

#: Requests that describe a practice without naming it, by practice id (and `none`).
PRACTICE_PHRASINGS = "practice_phrasings.yaml"
#: The practice_phrasings.yaml key for a request that names no practice.
NO_PRACTICE = "none"


@dataclass(frozen=True)
class Cues:
    """prompts/language/cues.yaml: loose hints for sentences no template matches."""

    practice: Mapping[str, tuple[str, ...]]
    """Practice id -> words and short phrases that point to it."""
    request: tuple[str, ...]
    """Words that make a sentence a request for a practice."""
    out_of_domain: tuple[str, ...]
    """Requests that belong to other apps."""


@dataclass(frozen=True)
class Prompts:
    """Every file of prompts/, parsed and cross-checked; see the module docstring."""

    root: Path
    content: Content
    """Practices, affirmations, responses (care.yaml's included), check-in themes, the care breath."""
    words: Words
    cues: Cues
    safety: SafetySource
    """The care check's patterns, crisis lines and alarm phrases, and where its labelled examples are."""
    templates: YamlFile
    """language/en.yaml, parsed and checked; compiled by hassil on first use of `language`."""
    alexa: YamlFile
    """language/alexa.yaml: how the templates become an Alexa interaction model."""
    ranked: YamlFile | None = None
    """language/ranked_samples.yaml (None when absent): the samples the Alexa model lists first, checked
    against the compiled templates on first use of `ranked_samples`."""

    @cached_property
    def language(self) -> Language:
        """The templates, compiled (hassil is imported now, not at start-up)."""
        from .language import build_language

        return build_language(self.templates, self.alexa, self.ranked)

    @cached_property
    def ranked_samples(self) -> Mapping[str, list[str]]:
        """The ranked sample list per custom intent, each line checked to be a sentence its templates make."""
        from .alexa_samples import ranked_samples

        return ranked_samples(self.language)

    @cached_property
    def safety_examples(self) -> SafetyExamples:
        """The care classifier's hand-written examples (prompts/safety_examples*.yaml), read and checked now."""
        return load_examples(self.safety.example_files)

    @cached_property
    def feelings_examples(self) -> Mapping[str, tuple[str, ...]]:
        """Everyday check-in answers by theme (prompts/feelings_examples.yaml), read and checked now."""
        file = read_yaml(self.root / "feelings_examples.yaml")
        table = file.data if file.data is not None else {}
        if not isinstance(table, dict):
            raise file.error("the file must map feeling themes to lists of everyday check-in answers.")
        return {str(theme): file.strings(theme, what="check-in answers") for theme in table}

    @cached_property
    def practice_phrasings(self) -> Mapping[str, tuple[str, ...]]:
        """Practice id (or `none`) -> requests that describe it without naming it (prompts/practice_phrasings.yaml),
        read and checked now: what the practice classifier learns from beside the templates."""
        return load_practice_phrasings(self.root / PRACTICE_PHRASINGS, self.content.practices)

    @cached_property
    def practice_classifier(self) -> SlotClassifier:
        """Which practice a StartPracticeIntent describes (skill.slot_models; weights load on first use)."""
        from .slot_models import practice_classifier

        return practice_classifier(self)

    @cached_property
    def theme_classifier(self) -> SlotClassifier:
        """Which check-in theme a feeling belongs to (skill.slot_models; weights load on first use)."""
        from .slot_models import theme_classifier

        return theme_classifier(self)

    def check_all(self) -> Prompts:
        """Load and check now what otherwise waits for first use (templates, learning data); self."""
        _ = self.language, self.ranked_samples, self.safety_examples, self.feelings_examples, self.practice_phrasings
        return self

    @property
    def themes(self) -> tuple[FeelingTheme, ...]:
        """The check-in's families of feelings (prompts/checkin.yaml)."""
        return self.content.feelings

    def feeling_words(self) -> list[str]:
        """Every check-in theme's words, theme by theme."""
        return [word for theme in self.themes for word in theme.words]

    def feeling_sentences(self) -> list[str]:
        """Every everyday check-in answer (feelings_examples.yaml)."""
        return [text for texts in self.feelings_examples.values() for text in texts]

    @cached_property
    def fillers(self) -> SlotFillers:
        """The one table of slot fillers, shared by the classifier's training sentences and the grammar;
        numbers are named in the templates' own language (en.yaml `language:`, a file the weights are keyed by)."""
        from .fillers import SlotFillers

        language = str(self.templates.get("language") or "en")
        return SlotFillers.build(self.language, self.feeling_words(), language)

    def language_files(self) -> list[Path]:
        """prompts/language/*.yaml."""
        return sorted((self.root / "language").glob("*.yaml"))

    def nlu_sources(self) -> list[Path]:
        """Every file the paraphrase classifier learns from (its weights are named by their hash)."""
        return [*self.language_files(), self.root / "checkin.yaml", self.root / "feelings_examples.yaml"]

    def practice_sources(self) -> list[Path]:
        """Every file the practice classifier learns from: the templates and the practice phrasings."""
        return [*self.language_files(), self.root / PRACTICE_PHRASINGS]

    def theme_sources(self) -> list[Path]:
        """Every file the check-in theme classifier learns from: the themes' words and the everyday answers."""
        return [self.root / "checkin.yaml", self.root / "feelings_examples.yaml"]

    def care_sources(self) -> list[Path]:
        """Every file the care classifier learns from."""
        return [*self.safety.example_files, *self.nlu_sources()]


def load_prompts(root: Path | None = None) -> Prompts:
    """Load, parse and cross-check the files under root (default: prompts_dir()); see the module docstring
    for the three parts that wait for first use."""
    root = root or prompts_dir()
    if not root.is_dir():
        raise ContentError(f"Content folder {root} does not exist; set KINDWELL_PROMPTS to the prompts/ folder.")
    practices = _practices(root)
    affirmations = load_affirmations(read_yaml(root / "affirmations.yaml"))
    checkin = read_yaml(root / "checkin.yaml")
    feelings, default_practice = load_feelings(checkin, practices, (a.theme for a in affirmations))
    responses_file, care_file = read_yaml(root / "responses.yaml"), read_yaml(root / "care.yaml")
    timer_file, daily_file = read_yaml(root / "timer.yaml"), read_yaml(root / "daily.yaml")
    responses = load_responses(responses_file)
    for file in (care_file, timer_file, daily_file):
        responses.update(load_responses(file, "responses"))
    sections = ((timer_file, TIMER), (daily_file, DAILY))
    check_responses(responses_file, care_file, responses, (theme.id for theme in feelings), sections)
    content = Content(
        practices=practices,
        affirmations=affirmations,
        responses=Responses(responses),
        feelings=feelings,
        default_feeling_practice=default_practice,
        care_breath=load_care_breath(care_file),
        digest=content_digest(root),
        timer=load_timer(timer_file),
        daily=load_daily(daily_file, practices, PRACTICE_LENGTHS),
    )
    templates, alexa = read_yaml(root / "language" / "en.yaml"), read_yaml(root / "language" / "alexa.yaml")
    check_templates(templates, alexa, practices)
    words_file = read_yaml(root / "words.yaml")
    # The default offer follows whichever practice a check-in suggests, so every practice must have its length.
    every_length = sorted(set.intersection(*(set(practice.lengths) for practice in practices.values())))
    words = load_words(words_file, practices, every_length)
    check_intents(words_file, words.barge_in, alexa, "barge_in")
    return Prompts(
        root=root,
        content=content,
        words=words,
        cues=_cues(read_yaml(root / "language" / "cues.yaml"), practices),
        safety=load_safety_source(read_yaml(root / "safety.yaml"), example_files(root)),
        templates=templates,
        alexa=alexa,
        ranked=read_yaml(ranked) if (ranked := root / "language" / "ranked_samples.yaml").is_file() else None,
    )


def _practices(root: Path) -> dict[str, Practice]:
    """Every practice file, composed with the shared frames (practice_frames.yaml) when there are any."""
    frames_path = root / "practice_frames.yaml"
    frames: Frames | None = load_frames(read_yaml(frames_path)) if frames_path.is_file() else None
    files = [read_yaml(path) for path in sorted((root / "practices").glob("*.yaml"))]
    if not files:
        raise ContentError(f"No practices found in {root / 'practices'}; add practice YAML files there.")
    return {practice.id: practice for practice in (load_practice(file, frames) for file in files)}


@cache
def default_prompts() -> Prompts:
    """The Prompts in prompts_dir(), loaded once per process."""
    return load_prompts()


def _cues(file: YamlFile, practice_ids: Mapping[str, object]) -> Cues:
    table = file.mapping("practice_cues", what="practice ids to cue words")
    check_practice_ids(file, table, practice_ids, "practice_cues")
    return Cues(
        practice={str(p): file.strings("practice_cues", p, what="cue words", empty=False) for p in table},
        request=file.strings("request_cues", what="request words", empty=False),
        out_of_domain=file.strings("out_of_domain", what="requests for other apps", empty=False),
    )


def load_paraphrases(language: Language, root: Path | None = None) -> dict[str, list[str]]:
    """prompts/language/paraphrases*.yaml: intent (or out_of_domain) -> natural phrasings the paraphrase
    classifier learns from beside the templates (never Alexa samples); {} when there are none."""
    from .language import _CARE_INTENTS, PARAPHRASE_OUT_OF_DOMAIN

    allowed = {*language.custom_intents, *language.builtin_intents, PARAPHRASE_OUT_OF_DOMAIN} - _CARE_INTENTS
    result: dict[str, list[str]] = {}
    for path in sorted(((root or language.path.parent.parent) / "language").glob("paraphrases*.yaml")):
        data = load_yaml(path) or {}
        if not isinstance(data, Mapping):
            raise ContentError(f"{path} must map intent names to lists of phrasings; write `IntentName:` keys.")
        for key, items in data.items():
            if str(key) not in allowed:
                where = "prompts/safety_examples*.yaml" if str(key) in _CARE_INTENTS else "an intent of en.yaml"
                raise ContentError(f"{path}: {key!r} is not a key this file takes; use {where} (or out_of_domain).")
            if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
                raise ContentError(f'{path}: {key} must be a list of phrasings, one `- "..."` line each.')
            result.setdefault(str(key), []).extend(" ".join(item.split()) for item in items)
    return result


def load_practice_phrasings(path: Path, practice_ids: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """practice_phrasings.yaml: practice id or `none` -> phrasings, each a non-empty string; every key known."""
    file = read_yaml(path)
    table = file.mapping(what="practice ids (and `none`) to lists of phrasings")
    for key in table:
        if str(key) != NO_PRACTICE and str(key) not in practice_ids:
            known = ", ".join([*sorted(practice_ids), NO_PRACTICE])
            raise file.error(f"{key!r} is not a practice id; use one of {known}.", key)
        items = table[key]
        if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
            raise file.error(f'{key} must be a list of phrasings, one `- "..."` line each.', key)
    return {str(key): tuple(" ".join(item.split()) for item in table[key]) for key in table}
