"""The offline matcher: a transcript in, an intent and slots out, the way Alexa would resolve them.

Three stages, cheapest and most certain first:
1. the care check (skill.safety: crisis, someone else at risk, concern) always wins, whatever else
   was said, and is sent as that tier's intent;
2. hassil matches the exact templates in prompts/language/ (the same ones Alexa is given);
3. for natural paraphrases that no template covers, a text classifier trained on those same
   templates and on hand-written phrasings (prompts/language/paraphrases*.yaml): the mean of
   character and word n-gram and sentence-embedding logistic regressions, trained by `kindwell
   train` and served from skill/weights/, picks the intent; the practice classifier
   (skill.slot_models) reads which practice a request describes, and the length is read from the words.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hassil import recognize_best

from .averaged_model import TOKENIZER_FILE, read_head
from .care import TIER_OF_INTENT, CareTier
from .errors import ModelUnavailableError
from .language import PARAPHRASE_OUT_OF_DOMAIN, PLACEHOLDER, Language
from .linear_text_model import LinearTextModel
from .model_cache import LazyModel, ngram_pipeline
from .prompts import NO_PRACTICE, Prompts, default_prompts, load_paraphrases
from .safety import SafetyPolicy, default_safety, load_safety
from .text import best_phrase_match, normalize, parse_minutes

if TYPE_CHECKING:
    from .embedding_head import EmbeddingHead

_LOGGER = logging.getLogger(__name__)

CRISIS_INTENT = "CrisisSupportIntent"
OUT_OF_DOMAIN = "__out_of_domain__"
#: Classifier probability below which a sentence is treated as not meant for KindWell.
MIN_CONFIDENCE = 0.45
#: Above this the classifier's answer stands without looking at practice cues.
CONFIDENT = 0.7
#: Most training sentences sampled per intent, so big templates do not drown small intents.
MAX_SENTENCES_PER_INTENT = 1500
#: Weight of a hand-written paraphrase against one filled template sentence in training (chosen by
#: cross-validation over the paraphrases themselves, bench/intent_options.py: 1 and 3 were tried).
PARAPHRASE_WEIGHT = 3.0
#: 4: minutes are filled from the one filler table (numerals and words, 1-60; numerals were 1-30).
#: 5: paraphrases weigh PARAPHRASE_WEIGHT.
_MODEL_FORMAT = 5
#: Someone speaking about themselves.
_FIRST_PERSON = re.compile(r"\b(i|i'm|im|i've|i'd|me|my|myself)\b")


@dataclass(frozen=True)
class NluResult:
    """What the matcher understood from one utterance."""

    text: str
    intent: str | None
    slots: dict[str, Any] = field(default_factory=dict)
    crisis: bool = False
    """True when someone may be at risk (the crisis or someone-else tier)."""
    care: CareTier | None = None
    """The care tier the utterance calls for, if any."""
    source: str = "none"
    """How it was understood: "safety", "template", "classifier" or "none"."""
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The `kindwell nlu` output object."""
        return {
            "text": self.text,
            "intent": self.intent,
            "slots": self.slots,
            "crisis": self.crisis,
            "care": self.care.value if self.care else None,
        }


class IntentClassifier:
    """Intent classifier trained on the expanded templates plus out-of-domain examples: the mean of an
    n-gram model and a sentence-embedding model (which hears paraphrases with no words in common)."""

    def __init__(self, model: LinearTextModel, head: EmbeddingHead | None = None) -> None:
        self.model = model
        self.head = head

    @staticmethod
    def training_data(
        language: Language,
        fillers: Mapping[str, list[str]],
        out_of_domain: Iterable[str],
        feeling_sentences: Iterable[str] = (),
        paraphrases: Mapping[str, Iterable[str]] | None = None,
    ) -> tuple[list[str], list[str], list[float]]:
        """(sentences, labels, weights): templates with their slots filled by random values from the fillers
        (Prompts.fillers: the table the offline grammar uses too), feelings and out-of-domain requests
        (weight 1), then the hand-written paraphrases (prompts/language/paraphrases*.yaml) under their
        intents (PARAPHRASE_WEIGHT)."""
        rng = random.Random(7)

        def fill(template: str) -> str:
            return PLACEHOLDER.sub(lambda m: rng.choice(fillers.get(m.group(1)) or [m.group(1)]), template)

        texts: list[str] = []
        labels: list[str] = []
        intent_names = list(language.custom_intents) + [
            name for name in language.builtin_intents if language.templates(name)
        ]
        for name in intent_names:
            templates = sorted(set(language.expand(name, expand_lists=False)))
            if len(templates) > MAX_SENTENCES_PER_INTENT:
                templates = rng.sample(templates, MAX_SENTENCES_PER_INTENT)
            repeats = max(1, min(6, MAX_SENTENCES_PER_INTENT // max(1, len(templates))))
            sentences = {fill(t) for t in templates for _ in range(repeats if "{" in t else 1)}
            texts += sorted(sentences)
            labels += [name] * len(sentences)
        feelings = list(fillers.get("feeling", [])) + list(feeling_sentences)
        texts += feelings
        labels += ["CheckInIntent"] * len(feelings)
        ood = list(out_of_domain)
        texts += ood
        labels += [OUT_OF_DOMAIN] * len(ood)
        weights = [1.0] * len(texts)
        for name, phrasings in (paraphrases or {}).items():
            items = list(phrasings)
            texts += items
            labels += [OUT_OF_DOMAIN if name == PARAPHRASE_OUT_OF_DOMAIN else name] * len(items)
            weights += [PARAPHRASE_WEIGHT] * len(items)
        return texts, labels, weights

    @classmethod
    def train(cls, texts: list[str], labels: list[str], weights: list[float] | None = None) -> IntentClassifier:
        """Fit the n-gram logistic regression (each sentence counted by its weight)."""
        pipeline = ngram_pipeline()
        pipeline.fit([normalize(t) for t in texts], labels, logisticregression__sample_weight=weights)
        return cls(LinearTextModel.from_pipeline(pipeline))

    def predict(self, text: str) -> tuple[str, float]:
        """(label, probability) for a sentence."""
        clean = normalize(text)
        probabilities = self.model.predict_proba(clean)
        if self.head is not None:
            from .embeddings import default_embedder

            probabilities = (probabilities + self.head.predict_proba(default_embedder().embed_one(clean))) / 2
        best = int(probabilities.argmax())
        return self.model.classes[best], float(probabilities[best])


class Matcher:
    """Turns transcripts into intents and slots using the one source of language."""

    def __init__(
        self,
        prompts: Prompts | None = None,
        safety: SafetyPolicy | None = None,
        *,
        use_classifier: bool = True,
    ) -> None:
        self.prompts = prompts or default_prompts()
        self.language = self.prompts.language
        self.safety = safety or (default_safety() if prompts is None else load_safety(self.prompts))
        self.practice_synonyms = self.language.practice_synonyms()
        """Practice id -> every phrase the templates accept for it (first is the primary name)."""
        cues = self.prompts.cues
        self._practice_cues: dict[str, list[str]] = {
            practice: list(phrases) + self.practice_synonyms.get(practice, [])
            for practice, phrases in cues.practice.items()
        }
        self._out_of_domain: list[str] = list(cues.out_of_domain)
        self._request_cues: dict[str, list[str]] = {"request": list(cues.request)}
        self._feeling_cues: dict[str, list[str]] = {theme.id: list(theme.words) for theme in self.prompts.themes}
        self._classifier: IntentClassifier | None = None
        self._use_classifier = use_classifier
        self.classifier_weights = self._lazy_weights() if use_classifier else None
        """The paraphrase classifier's weights, looked up now and loaded with the first paraphrase."""
        self.head_weights = self._lazy_head() if use_classifier else None
        """The paraphrase classifier's sentence-embedding half, likewise."""

    @property
    def classifier(self) -> IntentClassifier:
        """The paraphrase classifier (its shipped weights, or trained in memory when they are stale)."""
        if self._classifier is None:
            weights = self.classifier_weights or self._lazy_weights()
            head_weights = self.head_weights or self._lazy_head()
            head: EmbeddingHead | None = None
            try:
                head = head_weights.get()
                from .embeddings import default_embedder

                default_embedder().load()
            except ModelUnavailableError as err:
                _LOGGER.error("Sentence embeddings are unavailable, so paraphrases are matched by n-grams: %s", err)
                head = None
            self._classifier = IntentClassifier(weights.get(), head)
        return self._classifier

    def _training_data(self) -> tuple[list[str], list[str], list[float]]:
        return IntentClassifier.training_data(
            self.language,
            self.prompts.fillers.for_training(),
            self._out_of_domain,
            self.prompts.feeling_sentences(),
            load_paraphrases(self.language, self.prompts.root),
        )

    def _sources(self) -> list[Path]:
        return self.prompts.nlu_sources()

    def _lazy_head(self) -> LazyModel:
        def train() -> EmbeddingHead:
            from .embedding_head import EmbeddingHead
            from .embeddings import default_embedder

            texts, labels, weights = self._training_data()
            embedder = default_embedder()
            vectors = embedder.embed([normalize(t) for t in texts])
            return EmbeddingHead.fit(vectors, labels, embedder.model_id, sample_weight=weights)

        return LazyModel("nlu-embedding", [*self._sources(), TOKENIZER_FILE], _MODEL_FORMAT, train, read_head)

    def _lazy_weights(self) -> LazyModel:
        def train() -> Any:
            return IntentClassifier.train(*self._training_data()).model

        return LazyModel("nlu", self._sources(), _MODEL_FORMAT, train)

    def match(self, text: str) -> NluResult:
        """Understand one utterance."""
        clean = normalize(text)
        tier = self.safety.care(clean)
        if tier is not None:
            return NluResult(
                text=text, intent=tier.intent, crisis=tier.urgent, care=tier, source="safety", confidence=1.0
            )
        if not clean:
            return NluResult(text=text, intent=None)
        result = recognize_best(clean, self.language.intents, language="en")
        if result is not None:
            return NluResult(
                text=text,
                intent=result.intent.name,
                slots=self._template_slots(result.entities),
                source="template",
                confidence=1.0,
            )
        if not self._use_classifier:
            return NluResult(text=text, intent=None)
        label, confidence = self.classifier.predict(clean)
        if confidence < CONFIDENT or label in (OUT_OF_DOMAIN, "AMAZON.HelpIntent"):
            # Unsure, but naming a practice and asking for something: a request for that practice.
            practice = best_phrase_match(clean, self._practice_cues)
            if practice and best_phrase_match(clean, self._request_cues):
                return NluResult(
                    text=text,
                    intent="StartPracticeIntent",
                    slots=self._loose_slots("StartPracticeIntent", clean, practice),
                    source="classifier",
                    confidence=confidence,
                )
        if label == OUT_OF_DOMAIN or confidence < MIN_CONFIDENCE:
            # Unsure, but someone saying how they are ("i'm worried sick about my mum"): a check-in.
            if _FIRST_PERSON.search(clean) and best_phrase_match(clean, self._feeling_cues):
                return NluResult(
                    text=text,
                    intent="CheckInIntent",
                    slots={"feeling": clean},
                    source="classifier",
                    confidence=confidence,
                )
            return NluResult(text=text, intent=None, source="classifier", confidence=confidence)
        tier = TIER_OF_INTENT.get(label)
        return NluResult(
            text=text,
            intent=label,
            slots=self._loose_slots(label, clean),
            crisis=tier is not None and tier.urgent,
            care=tier,
            source="classifier",
            confidence=confidence,
        )

    def _template_slots(self, entities: dict[str, Any]) -> dict[str, Any]:
        slots: dict[str, Any] = {}
        for name, entity in entities.items():
            if name in ("minutes", "duration"):
                slots["minutes"] = int(float(entity.value))
            elif name == "feeling":
                slots["feeling"] = str(entity.text or entity.value).strip()
            else:
                slots[name] = str(entity.value)
        return slots

    def _loose_slots(self, intent: str, clean: str, cue_practice: str | None = None) -> dict[str, Any]:
        """Slots of a sentence no template matched; cue_practice is the practice its cue words named when
        they decided the intent, kept if the practice classifier hears none."""
        slots: dict[str, Any] = {}
        if intent == "StartPracticeIntent":
            # Read from meaning: no template named the practice, and cue words miss a practice described
            # by what it does ("the one where you wish people well") or find one in a generic request.
            practice, _ = self.prompts.practice_classifier.predict(clean)
            if practice != NO_PRACTICE:
                slots["practice"] = practice
            elif cue_practice:
                slots["practice"] = cue_practice
            minutes = parse_minutes(clean)
            if minutes:
                slots["minutes"] = minutes
        elif intent == "CheckInIntent":
            slots["feeling"] = clean
        return slots
