"""One turn heard twice: the grammar recognizer and the open recognizer take the same audio chunks.

The grammar recognizer is what makes commands reliable, but it can only write down template words,
so most crisis phrasings never reach the care check through it. The open recognizer, on the same
loaded model (one model in memory, two recognizers), writes down whatever the model knows; the loop
checks its transcript for care first and otherwise acts on the grammar transcript as before (or, when
a feeling is asked for, on the open transcript). bench/voice_latency.py measures what it costs.
An utterance ends when either recognizer finds its end (both use the model's endpoint rules), so
the two transcripts are always of the same audio.
"""

from __future__ import annotations

from dataclasses import dataclass

from .recognizer import Stream, Utterance


@dataclass(frozen=True)
class Heard:
    """One utterance as both recognizers wrote it down (never logged)."""

    command: str
    """The grammar recognizer's transcript, unknown words removed ("" when it heard none of its words)."""
    open: str
    """The open recognizer's transcript ("" when it heard nothing)."""
    ended_at: float
    """time.monotonic() when the chunk that ended it was accepted."""


class TurnListener:
    """Feeds every chunk to a grammar stream and an open stream; an utterance ends when either finds
    its end, and the other is asked for what it heard of the same audio."""

    def __init__(self, command: Stream, open_stream: Stream) -> None:
        self.command = command
        self.open = open_stream

    def accept(self, chunk: bytes) -> Heard | None:
        """Take a chunk; what both heard once one of them found the end of an utterance."""
        command_ended = self.command.feed(chunk)
        open_ended = self.open.feed(chunk)
        if not (command_ended or open_ended):
            return None
        command = self.command.result() if command_ended else self.command.finish()
        free = self.open.result() if open_ended else self.open.finish()
        return _heard(command, free)

    def finish(self) -> Heard | None:
        """End of input: whatever both were still hearing."""
        return _heard(self.command.finish(), self.open.finish())

    def reset(self) -> None:
        """Forget audio heard so far (a new grammar recognizer, the open one's own Reset(): see Stream)."""
        self.command.reset()
        self.open.reset()


def _heard(command: Utterance | None, free: Utterance | None) -> Heard | None:
    if command is None and free is None:
        return None
    ended_at = max(u.ended_at for u in (command, free) if u is not None)
    return Heard(command.text if command else "", free.text if free else "", ended_at)
