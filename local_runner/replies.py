"""What the skill answered, as the device keeps it, and the small helpers around sending a request."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from skill.ssml import to_plain_text


@dataclass(frozen=True)
class Reply:
    """What the skill answered to one request."""

    request: str
    """"LaunchRequest", or the intent name sent (never what was said)."""
    ssml: str
    session_ended: bool
    free_text_next: bool
    """True when the response elicits the free-text `feeling` slot."""
    audio: tuple[dict[str, Any], ...] = ()
    """The response's AudioPlayer directives, in order."""

    @property
    def text(self) -> str:
        """The words of the reply."""
        return to_plain_text(self.ssml)


def elicits_free_text(response: dict[str, Any]) -> bool:
    """True when a response carries a Dialog.ElicitSlot directive for the `feeling` slot."""
    directives = (response.get("response") or {}).get("directives") or []
    return any(d.get("type") == "Dialog.ElicitSlot" and d.get("slotToElicit") == "feeling" for d in directives)


@contextmanager
def finish_writes_first() -> Iterator[None]:
    """Hold Ctrl-C until the skill has answered (and saved), then raise it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pending:
        raise KeyboardInterrupt


def print_error(message: str) -> None:
    """Show a one-sentence problem on stderr."""
    print(f"kindwell: {message}", file=sys.stderr, flush=True)
