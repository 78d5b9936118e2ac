"""Build the SSML KindWell speaks, within Alexa's limits.

Alexa allows at most 10 s per <break>, under 8,000 characters of speech per response and at most
240 s of audio; longer practices are cut into segments at step boundaries to stay inside them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .content import PRACTICE_PROSODY_RATE, PracticeScript, estimate_speech_seconds

MAX_BREAK_SECONDS = 10.0
#: Alexa rejects outputSpeech of 8,000 characters or more; keep a margin for the wrapper text.
MAX_SPEECH_CHARS = 7000
#: Alexa plays at most 240 s per response; segments aim lower so estimates can run long safely.
MAX_SEGMENT_SECONDS = 200.0


def escape(text: str) -> str:
    """Text made safe inside SSML."""
    return html.escape(text, quote=False)


def pause(seconds: float) -> str:
    """Silence of any length as consecutive breaks of at most 10 s each."""
    parts: list[str] = []
    remaining = round(seconds * 1000)
    limit = int(MAX_BREAK_SECONDS * 1000)
    while remaining > 0:
        chunk = min(remaining, limit)
        parts.append(f'<break time="{chunk}ms"/>')
        remaining -= chunk
    return "".join(parts)


def audio(url: str) -> str:
    """An <audio> clip (Alexa plays MP3 at 48 kbps, 16,000, 22,050 or 24,000 Hz, at most 240 s per reply)."""
    return f'<audio src="{html.escape(url, quote=True)}"/>'


def speak(*fragments: str) -> str:
    """Join SSML fragments into one <speak> document."""
    body = " ".join(f for f in fragments if f)
    return f"<speak>{body}</speak>"


def sentence(text: str) -> str:
    """Plain text as an SSML fragment."""
    return escape(text)


def guided(text: str) -> str:
    """Practice speech: a little slower than conversation."""
    return f'<prosody rate="{PRACTICE_PROSODY_RATE}%">{escape(text)}</prosody>'


_TAG = re.compile(r"<[^>]+>")


def to_plain_text(ssml: str) -> str:
    """The words of an SSML document, for cards and transcripts."""
    return " ".join(html.unescape(_TAG.sub(" ", ssml)).split())


@dataclass(frozen=True)
class Segment:
    """A run of practice steps spoken in one response."""

    index: int
    first_step: int
    last_step: int
    """Index of the last step included (inclusive)."""
    ssml_body: str
    """SSML fragment (no <speak> wrapper)."""
    seconds: float
    """Estimated length, speech and silence, in seconds."""


def segment_practice(
    script: PracticeScript,
    max_seconds: float = MAX_SEGMENT_SECONDS,
    max_chars: int = MAX_SPEECH_CHARS,
) -> list[Segment]:
    """Cut a practice into segments at step boundaries, each within Alexa's limits."""
    segments: list[Segment] = []
    parts: list[str] = []
    seconds = 0.0
    first = 0
    for index, step in enumerate(script.steps):
        # The final step's silence is left out: the closing words follow straight away.
        is_last = index == len(script.steps) - 1
        silence = 0.0 if is_last else step.pause_seconds
        fragment = guided(step.text) + pause(silence)
        step_seconds = estimate_speech_seconds(step.text) + silence
        too_long = seconds + step_seconds > max_seconds
        too_big = sum(len(p) for p in parts) + len(fragment) > max_chars
        # A step that starts in lower case continues the one before ("Breathing in," -> "and out."):
        # never open a segment with it unless the limits leave no choice.
        continues = step.text[:1].islower() and not too_big and seconds + step_seconds <= max_seconds * 1.15
        if parts and (too_long or too_big) and not continues:
            segments.append(Segment(len(segments), first, index - 1, " ".join(parts), seconds))
            parts, seconds, first = [], 0.0, index
        parts.append(fragment)
        seconds += step_seconds
    if parts:
        segments.append(Segment(len(segments), first, len(script.steps) - 1, " ".join(parts), seconds))
    return segments
