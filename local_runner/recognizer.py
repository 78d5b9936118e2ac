"""Vosk in: model loading, the vocabulary check, grammar and open recognition, command spotting.

Two recognizers share one model and hear every turn side by side (local_runner.hearing): the
grammar one hears only the template vocabulary plus the unknown-word symbol (so out-of-grammar
speech comes out as "[unk]" instead of a forced command), the open one hears anything (crisis
language in any words, a check-in feeling). A third spots stop / pause / resume / next, and the
strongest crisis phrases, in partial results while KindWell speaks.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from skill.care import CareTier
from skill.folders import cache_dir
from skill.text import normalize

from .errors import ModelLoadError, NoModelError
from .grammar import CommandGrammar, VocabularyReport, strip_unknown
from .models import NO_MODEL, installed_models, looks_like_model
from .settings import RecognizerSettings


def _vosk() -> Any:
    try:
        import vosk
    except ImportError as err:
        raise ModelLoadError("Vosk is not installed; run `pip install 'kindwell[voice]'`.") from err
    vosk.SetLogLevel(-1)
    return vosk


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Keep Kaldi's own ERROR lines off the terminal: the one-sentence error says it better."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def load_model(path: Path, frames_per_chunk: int | None = None) -> Any:
    """A vosk.Model, or one clear error for a missing or corrupt model folder.

    frames_per_chunk (10 ms feature frames) makes Kaldi decode in smaller steps than the model's
    default, so partial results, and with them "stop" during playback, come sooner.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise NoModelError(f"No Vosk model at {path}. Run `kindwell models download en-us` or pass --model PATH.")
    if not looks_like_model(path):
        if installed_models(path):
            names = ", ".join(model.name for model in installed_models(path))
            raise ModelLoadError(
                f"{path} is a folder of Vosk models ({names}), not a model; "
                "point --model or KINDWELL_VOSK_MODEL at one of them."
            )
        raise ModelLoadError(
            f"{path} is not a complete Vosk model (no am/final.mdl or conf/model.conf); "
            "download it again with `kindwell models download en-us`."
        )
    vosk = _vosk()
    try:
        with _native_stderr_silenced():
            return vosk.Model(str(tuned_view(path, frames_per_chunk) if frames_per_chunk else path))
    except Exception as err:  # Vosk raises a bare Exception when Kaldi cannot read the files
        raise ModelLoadError(
            f"The Vosk model at {path} cannot be loaded (damaged or incomplete); "
            "download it again with `kindwell models download en-us`."
        ) from err


def tuned_view(model: Path, frames_per_chunk: int) -> Path:
    """A folder that is the model (symlinks) with one decoding option added to conf/model.conf.

    Vosk reads its options only from the model folder, and the user's model is left untouched; the
    view is rebuilt when the model's configuration or the option changes (a hash names it).
    """
    conf = (model / "conf" / "model.conf").read_text()
    option = f"--frames-per-chunk={frames_per_chunk}"
    digest = hashlib.sha256(f"{model.resolve()}\n{conf}\n{option}".encode()).hexdigest()[:16]
    view = cache_dir() / "vosk-views" / f"{model.name}-{digest}"
    if (view / "conf" / "model.conf").is_file():
        return view
    building = view.with_name(f".{view.name}-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    (building / "conf").mkdir(parents=True)
    for entry in model.iterdir():
        if entry.name != "conf":
            (building / entry.name).symlink_to(entry.resolve())
    for entry in (model / "conf").iterdir():
        if entry.name != "model.conf":
            shutil.copy2(entry, building / "conf" / entry.name)
    (building / "conf" / "model.conf").write_text(conf.rstrip("\n") + f"\n{option}\n")
    try:
        building.rename(view)
    except OSError:  # another process built it first
        shutil.rmtree(building, ignore_errors=True)
    return view


@dataclass(frozen=True)
class Utterance:
    """One finished utterance."""

    text: str
    """What was heard, unknown-word symbols removed (never logged)."""
    raw: str
    """Vosk's text as it came."""
    ended_at: float
    """time.monotonic() when the chunk that ended it was accepted."""


class Stream:
    """Feeds chunks to a KaldiRecognizer and reports utterances at their end.

    With `renew`, reset() starts a new recognizer: Vosk's own Reset() keeps the speaker adaptation of
    earlier utterances, which made one utterance's result depend on the ones before it. A grammar
    recognizer is built in half a millisecond; an open one is not (bench/voice_latency.py: about
    0.1 s to build, and its decoding graph, composed as it goes, costs several hundred ms of CPU per
    second of audio to warm up again), so the open stream keeps its recognizer and uses Reset().
    """

    def __init__(self, make: Callable[[], Any], renew: bool = True) -> None:
        self._make = make
        self._recognizer = make()
        self.renew = renew
        """True: reset() builds a new recognizer; False: it calls the recognizer's own Reset()."""

    def accept(self, chunk: bytes) -> Utterance | None:
        """Take a chunk; an utterance when Vosk found its end (silence after speech)."""
        return self.result() if self.feed(chunk) else None

    def feed(self, chunk: bytes) -> bool:
        """Take a chunk; True when Vosk found the end of an utterance (take it with result())."""
        return bool(self._recognizer.AcceptWaveform(chunk))

    def result(self) -> Utterance | None:
        """The utterance feed() found the end of (None when only unknown words were heard)."""
        return self._utterance(self._recognizer.Result())

    def partial(self) -> str:
        """What has been heard so far of the current utterance."""
        return str(json.loads(self._recognizer.PartialResult()).get("partial", ""))

    def finish(self) -> Utterance | None:
        """End of input: whatever was still being heard."""
        return self._utterance(self._recognizer.FinalResult())

    def reset(self) -> None:
        """Forget audio heard so far (a fresh recognizer, or Vosk's Reset() when not renewing)."""
        if self.renew:
            self._recognizer = self._make()
        else:
            self._recognizer.Reset()

    @staticmethod
    def _utterance(result: str) -> Utterance | None:
        raw = str(json.loads(result).get("text", ""))
        text = strip_unknown(raw)
        if not text:
            return None
        return Utterance(text=text, raw=raw, ended_at=time.monotonic())


class CommandDetector(Protocol):
    """Spots a command word or an alarm phrase while KindWell speaks (pluggable, so tests can map words)."""

    def accept(self, chunk: bytes) -> str | None:
        """The intent of the command or alarm heard in this chunk, as soon as it shows, else None."""

    def reset(self, speaking: str = "") -> None:
        """Forget audio heard so far; `speaking` is the text KindWell is about to say."""


class VoskEngine:
    """A loaded model with the command grammar checked against its vocabulary."""

    def __init__(
        self,
        model: Any,
        grammar: CommandGrammar,
        sample_rate: int = 16000,
        settings: RecognizerSettings | None = None,
    ) -> None:
        self.model = model
        self.sample_rate = sample_rate
        self.settings = settings or RecognizerSettings()
        self.report: VocabularyReport = grammar.check(self.knows)
        self.grammar = grammar.restricted_to(self.knows)
        self.unknown_word = next((w for w in self.settings.unknown_words if self.knows(w)), None)
        if not self.grammar.phrases:
            raise ModelLoadError(
                "None of the template words are in this Vosk model's vocabulary; pass --model PATH to an English model."
            )

    @classmethod
    def load(
        cls,
        path: Path | None,
        grammar: CommandGrammar,
        sample_rate: int = 16000,
        settings: RecognizerSettings | None = None,
    ) -> VoskEngine:
        """Load the model at path (None: no model was found)."""
        if path is None:
            raise NoModelError(NO_MODEL)
        settings = settings or RecognizerSettings()
        return cls(load_model(path, settings.frames_per_chunk), grammar, sample_rate, settings)

    def knows(self, word: str) -> bool:
        """True when the model's vocabulary has word."""
        return bool(self.model.vosk_model_find_word(word) >= 0)

    def grammar_json(self) -> str:
        """The grammar as Vosk takes it (UTF-8 JSON: Vosk does not decode \\u escapes)."""
        return json.dumps(self.grammar.vosk_phrases(self.unknown_word), ensure_ascii=False)

    def command_stream(self) -> Stream:
        """A recognizer constrained to the template grammar plus the unknown word."""
        vosk = _vosk()
        grammar = self.grammar_json()
        return Stream(lambda: vosk.KaldiRecognizer(self.model, float(self.sample_rate), grammar))

    def open_stream(self) -> Stream:
        """A recognizer that hears anything the model knows (crisis language in any words, free-text
        answers), kept across utterances (see Stream)."""
        vosk = _vosk()
        return Stream(lambda: vosk.KaldiRecognizer(self.model, float(self.sample_rate)), renew=False)

    def command_detector(
        self, commands: Mapping[str, str] | Iterable[str], alarms: Iterable[str] | None = None
    ) -> VoskCommandSpotter:
        """A spotter for command words (spoken word -> command) and alarm phrases (-> CrisisSupportIntent;
        the grammar's own, prompts/safety.yaml `spoken_alarm`, unless others are given).

        Its grammar is the whole command grammar, not the command words alone: with only a few words
        to choose from, Vosk forces other speech onto them; with every phrase competing it does not.
        """
        mapping = dict(commands) if isinstance(commands, Mapping) else {w: w for w in commands}
        known = {word: command for word, command in mapping.items() if self.knows(word)}
        phrases_heard = self.grammar.alarms if alarms is None else tuple(normalize(a) for a in alarms)
        alarm_intents = {
            phrase: CareTier.CRISIS.intent for phrase in phrases_heard if all(self.knows(w) for w in phrase.split())
        }
        phrases = sorted(set(self.grammar.phrases) | set(known) | set(alarm_intents))
        if self.unknown_word:
            phrases.append(self.unknown_word)
        vosk = _vosk()
        grammar = json.dumps(phrases, ensure_ascii=False)
        return VoskCommandSpotter(
            lambda: vosk.KaldiRecognizer(self.model, float(self.sample_rate), grammar),
            known,
            self.settings.spot_confirmations,
            self.settings.spot_quiet_ratio,
            alarm_intents,
        )


#: Longest result, in words, that still counts as a spoken command during playback.
MAX_COMMAND_WORDS = 2


class VoskCommandSpotter:
    """Spots a command word, or an alarm phrase, during playback from partial results, without waiting
    for Vosk's endpoint.

    A command word counts once partial results have shown it for `confirmations` chunks in a row and
    the audio has dropped below `quiet_ratio` of the loudest chunk so far (the word has ended): the
    start of another word often shows as a command for a moment ("진행" begins as "계속"), but by
    the time the speaker falls quiet the partial has moved on. An alarm phrase ("kill myself") counts
    anywhere in what is being said once shown for `confirmations` chunks, without waiting for quiet:
    someone in crisis should not have to stop talking to be heard. A final result counts at once.
    """

    def __init__(
        self,
        make: Callable[[], Any],
        words: Mapping[str, str],
        confirmations: int = 2,
        quiet_ratio: float = 0.1,
        alarms: Mapping[str, str] | None = None,
    ) -> None:
        self._make = make
        self._recognizer = make()
        self.words = dict(words)
        """Spoken word -> command it stands for."""
        self.alarms = {normalize(phrase): intent for phrase, intent in (alarms or {}).items()}
        """Alarm phrase -> the intent it sends (CrisisSupportIntent)."""
        self.confirmations = confirmations
        self.quiet_ratio = quiet_ratio
        self._ignored: frozenset[str] = frozenset()
        self._seen: tuple[str | None, int] = (None, 0)
        self._peak = 0.0

    def accept(self, chunk: bytes) -> str | None:
        """The intent once a command word has shown steadily and ended, or an alarm phrase steadily, or
        either in a final result."""
        samples = np.frombuffer(chunk, dtype=np.int16).astype(np.float64)
        level = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
        self._peak = max(self._peak, level)
        final = self._recognizer.AcceptWaveform(chunk)
        if final:
            text = str(json.loads(self._recognizer.Result()).get("text", ""))
        else:
            text = str(json.loads(self._recognizer.PartialResult()).get("partial", ""))
        alarm = self.alarm_in(text)
        heard = alarm or self.command_in(text)
        count = self._seen[1] + 1 if heard is not None and heard == self._seen[0] else 1
        self._seen = (heard, count)
        steady = final or count >= self.confirmations
        if alarm is not None and steady:
            self._restart()
            return self.alarms[alarm]
        ended = level < self.quiet_ratio * self._peak
        if heard is not None and alarm is None and (final or (steady and ended)):
            self._restart()
            return self.words[heard]
        if final:
            self._peak = 0.0
        return None

    def command_in(self, text: str) -> str | None:
        """The command word a result opens with, when the result is short ("stop", "stop it").

        A command word inside longer speech ("... and then stop ...", or KindWell's own "say next to
        go on" heard through a laptop's speakers) is not a command.
        """
        words = strip_unknown(text).split()
        if 0 < len(words) <= MAX_COMMAND_WORDS and words[0] in self.words:
            return words[0]
        return None

    def alarm_in(self, text: str) -> str | None:
        """The first alarm phrase said anywhere in a result, as whole words (an unknown word between
        two words keeps them apart), unless KindWell is saying that phrase itself."""
        padded = f" {text} "
        return next(
            (p for p in self.alarms if p not in self._ignored and f" {p} " in padded),
            None,
        )

    def reset(self, speaking: str = "") -> None:
        """Forget audio heard so far (a fresh recognizer, as Stream.reset explains).

        Alarm phrases in `speaking`, what KindWell is about to say (a crisis line's name holds
        "suicide"), are not listened for until the next reset: through a laptop's speakers the
        microphone hears KindWell too, and its own words must not start the crisis reply again.
        """
        said = f" {normalize(speaking)} "
        self._ignored = frozenset(p for p in self.alarms if f" {p} " in said)
        self._restart()

    def _restart(self) -> None:
        self._recognizer = self._make()
        self._seen = (None, 0)
        self._peak = 0.0
