"""Session and saved state that arrives malformed is reset to a safe state, with one log line.

Session attributes come back from the device on every turn, and saved progress from a database;
either can hold what this version of KindWell never wrote (an older release, a hand-edited row, a
forged request in development). Handlers take their state as well formed; this module makes it so
before they read it, dropping only what is malformed, so the turn goes on instead of failing. The
log line names the reset keys, never their values.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, MutableMapping
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, get_request_type

from .audio_catalog import AudioTrack
from .care import CareTier
from .content import Content
from .timer import BELLS, timer_state

_LOGGER = logging.getLogger("kindwell.state")
_INT_LIMIT = 2**63
_SCRATCH_FLAG = "_kindwell_progress_checked"


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _INT_LIMIT


def _positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _practice(value: Any, content: Content) -> bool:
    return isinstance(value, str) and value in content.practices


def _offered_length(raw: dict[str, Any], content: Content) -> bool:
    """A known practice at one of the lengths it is offered at."""
    practice = raw.get("practice")
    minutes = raw.get("minutes")
    if not isinstance(practice, str) or practice not in content.practices:
        return False
    return _count(minutes) and minutes in content.practices[practice].lengths


def valid_position(raw: Any, content: Content) -> bool:
    """A practice in play or saved: a known practice, an offered length, a segment index and a variant."""
    return (
        isinstance(raw, dict)
        and _offered_length(raw, content)
        and _count(raw.get("segment"))
        and _count(raw.get("variant", 0))
    )


def _valid_offer(raw: Any, content: Content) -> bool:
    return isinstance(raw, dict) and _offered_length(raw, content)


def _valid_pending(raw: Any, content: Content) -> bool:
    """What StartPractice has heard so far: a practice, minutes asked for, both or neither."""
    if not isinstance(raw, dict) or not set(raw) <= {"practice", "minutes"}:
        return False
    practice, minutes = raw.get("practice"), raw.get("minutes")
    return (practice is None or _practice(practice, content)) and (minutes is None or _positive_number(minutes))


def _valid_timer(raw: Any, content: Content) -> bool:
    return timer_state(raw) is not None and 0 <= raw["part"] < _INT_LIMIT


def _valid_timer_pending(raw: Any, content: Content) -> bool:
    return isinstance(raw, dict) and set(raw) <= {"bells"} and raw.get("bells", "none") in BELLS


def _zone_name(raw: Any, content: Content) -> bool:
    """A time zone name as the Settings API gives it ("" when it could not be had)."""
    return isinstance(raw, str) and len(raw) <= 64 and all(c.isalnum() or c in "_+-/" for c in raw)


def _text(raw: Any, content: Content) -> bool:
    return isinstance(raw, str)


def _affirmation_theme(raw: Any, content: Content) -> bool:
    return isinstance(raw, str) and any(affirmation.theme == raw for affirmation in content.affirmations)


def _care(raw: Any, content: Content) -> bool:
    return isinstance(raw, str) and raw in {tier.value for tier in CareTier}


_SESSION_RULES: dict[str, Callable[[Any, Content], bool]] = {
    "playing": valid_position,
    "pending": _valid_pending,
    "offer": _valid_offer,
    "zone": _zone_name,
    "timer": _valid_timer,
    "timer_pending": _valid_timer_pending,
    "awaiting": _text,
    "care": _care,
    "affirm_theme": _affirmation_theme,
    "last_speech": _text,
    "last_reprompt": _text,
}
#: Progress kept in the session when the skill has no persistence adapter (tests, some tools).
_SESSION_PROGRESS = "_user"


def clean_session(attributes: MutableMapping[str, Any], content: Content) -> list[str]:
    """Drop malformed session attributes in place; the names of those dropped."""
    reset = []
    for key, valid in _SESSION_RULES.items():
        value = attributes.get(key)
        if value is not None and not valid(value, content):
            del attributes[key]
            reset.append(key)
    progress = attributes.get(_SESSION_PROGRESS)
    if progress is not None and (not isinstance(progress, dict) or clean_progress(progress, content)):
        if not isinstance(progress, dict):
            del attributes[_SESSION_PROGRESS]
        reset.append(_SESSION_PROGRESS)
    return reset


def _valid_audio(raw: Any, content: Content) -> bool:
    if not isinstance(raw, dict):
        return False
    return AudioTrack.from_token(raw.get("token")) is not None and _count(raw.get("offset", 0))


def _is_day(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def clean_progress(attributes: MutableMapping[str, Any], content: Content) -> list[str]:
    """Reset malformed saved progress in place (see skill.progress); the names of the keys reset."""
    reset = []
    for key in ("visits", "completed"):
        if key in attributes and not _count(attributes[key]):
            attributes[key] = 0
            reset.append(key)
    for key, valid in (("position", valid_position), ("audio", _valid_audio)):
        if attributes.get(key) is not None and not valid(attributes[key], content):
            del attributes[key]
            reset.append(key)
    by_practice = attributes.get("by_practice")
    if by_practice is not None:
        kept = (
            {name: count for name, count in by_practice.items() if isinstance(name, str) and _count(count)}
            if isinstance(by_practice, dict)
            else {}
        )
        if kept != by_practice:
            attributes["by_practice"] = kept
            reset.append("by_practice")
    last_done = attributes.get("last_done")
    if last_done is not None:
        kept_days = (
            {name: day for name, day in last_done.items() if isinstance(name, str) and _is_day(day)}
            if isinstance(last_done, dict)
            else {}
        )
        if kept_days != last_done:
            attributes["last_done"] = kept_days
            reset.append("last_done")
    daily = attributes.get("daily")
    if daily is not None and not (
        isinstance(daily, dict) and _is_day(daily.get("day")) and isinstance(daily.get("practice"), str)
    ):
        del attributes["daily"]
        reset.append("daily")
    for key, keep in (("days", _is_day), ("heard", lambda item: isinstance(item, str))):
        items = attributes.get(key)
        if items is not None:
            kept_items = [item for item in items if keep(item)] if isinstance(items, list) else []
            if kept_items != items:
                attributes[key] = kept_items
                reset.append(key)
    return reset


def _kind(handler_input: HandlerInput) -> str:
    kind = str(get_request_type(handler_input))
    return f"{kind}:{get_intent_name(handler_input)!s}" if kind == "IntentRequest" else kind


def guard_progress(handler_input: HandlerInput, attributes: MutableMapping[str, Any], content: Content) -> None:
    """Clean a user's saved progress before a handler reads or changes it; one log line per request."""
    reset = clean_progress(attributes, content)
    scratch = handler_input.attributes_manager.request_attributes
    if reset and not scratch.get(_SCRATCH_FLAG):
        scratch[_SCRATCH_FLAG] = True
        _LOGGER.warning("Reset malformed saved progress (%s) during %s.", ", ".join(reset), _kind(handler_input))


class SessionGuard(AbstractRequestInterceptor):
    """Before any handler runs: malformed session attributes are dropped, with one log line."""

    def __init__(self, content: Content) -> None:
        self.content = content

    def process(self, handler_input: HandlerInput) -> None:
        """Clean the request's session attributes in place."""
        if handler_input.request_envelope.session is None:
            return
        manager = handler_input.attributes_manager
        attributes = manager.session_attributes
        if attributes is None:
            return
        reset = clean_session(attributes, self.content)
        if reset:
            _LOGGER.warning("Reset malformed session state (%s) during %s.", ", ".join(reset), _kind(handler_input))
