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
#: The shortest last segment, in seconds: a shorter one is folded into the segment before it.
MIN_FINAL_SECONDS = 60.0
#: The longest a segment may grow when a short last one is folded into it (estimates, under Alexa's 240 s).
MAX_FOLDED_SECONDS = 230.0


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


def guided(text: str, volume_db: float = 0.0) -> str:
    """Practice speech: a little slower than conversation (and quieter, by volume_db, as a practice fades)."""
    volume = f' volume="{volume_db:+.0f}dB"' if round(volume_db) else ""
    return f'<prosody rate="{PRACTICE_PROSODY_RATE}%"{volume}>{escape(text)}</prosody>'


def quiet(fragment: str) -> str:
    """An SSML fragment spoken softly (a prompt inside a practice that is fading toward sleep)."""
    return f'<prosody volume="-6dB">{fragment}</prosody>'


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
    """Cut a practice into segments at step boundaries, each within Alexa's limits.

    The last segment is never shorter than MIN_FINAL_SECONDS when it can be helped: a listener with
    closed eyes should not be asked to say "next" for a few seconds of closing words.
    """
    fragments: list[str] = []
    seconds: list[float] = []
    for index, step in enumerate(script.steps):
        # The final step's silence is left out: the closing words follow straight away.
        silence = 0.0 if index == len(script.steps) - 1 else step.pause_seconds
        fragments.append(guided(step.text, step.volume_db) + pause(silence))
        seconds.append(estimate_speech_seconds(step.text) + silence)
    groups: list[list[int]] = []
    current: list[int] = []
    for index, step in enumerate(script.steps):
        used = sum(seconds[i] for i in current)
        too_long = used + seconds[index] > max_seconds
        too_big = sum(len(fragments[i]) for i in current) + len(fragments[index]) > max_chars
        # A step that starts in lower case continues the one before ("Breathing in," -> "and out."):
        # never open a segment with it unless the limits leave no choice.
        continues = step.text[:1].islower() and not too_big and used + seconds[index] <= max_seconds * 1.15
        if current and (too_long or too_big) and not continues:
            groups.append(current)
            current = []
        current.append(index)
    if current:
        groups.append(current)
    _fold_short_ending(groups, script, seconds, fragments, max_chars)
    return [
        Segment(number, group[0], group[-1], " ".join(fragments[i] for i in group), sum(seconds[i] for i in group))
        for number, group in enumerate(groups)
    ]


def _fold_short_ending(
    groups: list[list[int]], script: PracticeScript, seconds: list[float], fragments: list[str], max_chars: int
) -> None:
    """Make a short last segment part of the one before, or move steps into it, in place."""
    if len(groups) < 2 or sum(seconds[i] for i in groups[-1]) >= MIN_FINAL_SECONDS:
        return
    merged = groups[-2] + groups[-1]
    if sum(seconds[i] for i in merged) <= MAX_FOLDED_SECONDS and sum(len(fragments[i]) for i in merged) <= max_chars:
        groups[-2:] = [merged]
        return
    # Too long together: move steps from the end of the part before until the last one is long enough.
    before, last = groups[-2], groups[-1]
    while len(before) > 1 and sum(seconds[i] for i in last) < MIN_FINAL_SECONDS:
        moved = before.pop()
        last.insert(0, moved)
        if sum(seconds[i] for i in last) > MAX_FOLDED_SECONDS or sum(len(fragments[i]) for i in last) > max_chars:
            last.pop(0)
            before.append(moved)
            return
    while len(before) > 1 and script.steps[last[0]].text[:1].islower():
        last.insert(0, before.pop())
