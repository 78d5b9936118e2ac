"""One turn's typed state: parsed at the edge before any handler runs, written back once at the end.

`StateInterceptor` (a global request interceptor) reads the request and its session attributes into
the models of skill/state.py and skill/state_request.py; the user's persistent attributes are read
the first time a handler asks for them. Handlers see and change only the models (through the
accessors in base.py). `CommitInterceptor` (a global response interceptor), or the exception handler
when a handler failed, turns the session model back into attributes and logs, in one line, the
names of the fields that had to be reset. Never the values: they could hold what someone said.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, get_request_type
from ask_sdk_model import Response

from ..persistence import atomic_update
from ..state import Problems, SessionState, Vocabulary
from ..state_request import RequestFacts
from ..state_user import UserState

if TYPE_CHECKING:
    from .base import SkillServices

_LOGGER = logging.getLogger("kindwell.state")
_TURN = "kindwell.turn"
#: Session attribute holding the user's state when no persistence adapter is configured.
_SESSION_USER = "_user"


def request_kind(handler_input: HandlerInput) -> str:
    """The request type, with the intent name for intent requests: all a log line may say of a request."""
    kind = str(get_request_type(handler_input))
    if kind == "IntentRequest":
        return f"IntentRequest:{get_intent_name(handler_input)!s}"
    return kind


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Turn:
    """The typed state of one request. The models are frozen; this holder tracks the current ones."""

    services: SkillServices
    vocabulary: Vocabulary
    facts: RequestFacts
    session: SessionState
    has_session: bool
    """False for device events (AudioPlayer, PlaybackController), which carry no session."""
    problems: Problems = field(default_factory=Problems)
    user: UserState | None = None
    """The user's state once read (None until a handler asks for it)."""
    stashed_user: Any = None
    """Raw user state kept in the session when there is no persistence adapter."""
    committed: bool = False

    def note(self, problems: Problems) -> None:
        """Add names of reset fields to this request's list."""
        for name in problems:
            self.problems.add(name)


def begin(handler_input: HandlerInput, services: SkillServices, clock: Callable[[], dt.datetime] = _utc_now) -> Turn:
    """Parse the request and its session attributes into this request's Turn (once); never raises."""
    scratch = handler_input.attributes_manager.request_attributes
    existing = scratch.get(_TURN)
    if isinstance(existing, Turn):
        return existing
    envelope = handler_input.request_envelope
    vocabulary = Vocabulary.of(services.content)
    facts, problems = RequestFacts.parse(handler_input, vocabulary, clock)
    has_session = envelope.session is not None
    raw: Any = handler_input.attributes_manager.session_attributes if has_session else None
    stashed = None
    if isinstance(raw, dict) and _SESSION_USER in raw and services.adapter is None:
        raw = dict(raw)
        stashed = raw.pop(_SESSION_USER)
    session, session_problems = SessionState.parse(raw, vocabulary)
    turn = Turn(services, vocabulary, facts, session, has_session, problems, stashed_user=stashed)
    turn.note(session_problems)
    scratch[_TURN] = turn
    return turn


def current(handler_input: HandlerInput) -> Turn:
    """This request's Turn; the skill must be built with the state interceptors (skill.app.build_skill)."""
    turn = handler_input.attributes_manager.request_attributes.get(_TURN)
    if not isinstance(turn, Turn):
        raise LookupError("No typed state for this request: add StateInterceptor to the skill (build_skill does).")
    return turn


def change_session(handler_input: HandlerInput, **changes: Any) -> SessionState:
    """Replace fields of the session state; returns the new state."""
    turn = current(handler_input)
    turn.session = replace(turn.session, **changes)
    return turn.session


def load_user(handler_input: HandlerInput) -> UserState:
    """The user's state, read and parsed on first use."""
    turn = current(handler_input)
    if turn.user is None:
        state, problems = UserState.parse(_read_user(handler_input, turn), turn.vocabulary)
        turn.note(problems)
        turn.user = state
    return turn.user


def _read_user(handler_input: HandlerInput, turn: Turn) -> Any:
    if turn.services.adapter is None:
        return turn.stashed_user
    if turn.facts.user_id is None:
        # Nothing can be stored for a request without a user: this request works on a fresh state.
        turn.problems.add("context.System.user")
        return None
    return handler_input.attributes_manager.persistent_attributes


def save_user(handler_input: HandlerInput, change: Callable[[UserState], UserState]) -> UserState:
    """Apply change to the user's state and store it atomically; returns the state stored.

    change may run more than once (when another request wrote first), on the state read each time.
    """
    turn = current(handler_input)
    adapter = turn.services.adapter
    if adapter is None or turn.facts.user_id is None:
        turn.user = change(load_user(handler_input))
        return turn.user
    results: list[UserState] = []

    def updater(raw: dict[str, Any]) -> None:
        state, problems = UserState.parse(raw, turn.vocabulary)
        turn.note(problems)
        results.append(change(state))
        # Only what the product needs is stored: malformed and unknown fields are gone after this.
        raw.clear()
        raw.update(results[-1].to_raw())

    atomic_update(adapter, handler_input.request_envelope, updater)
    turn.user = results[-1]
    return turn.user


def commit(handler_input: HandlerInput) -> None:
    """Write the session state back as attributes and log the reset fields, once per request."""
    turn = handler_input.attributes_manager.request_attributes.get(_TURN)
    if not isinstance(turn, Turn) or turn.committed:
        return
    turn.committed = True
    if turn.has_session:
        attributes = turn.session.to_raw()
        if turn.services.adapter is None and turn.user is not None:
            attributes[_SESSION_USER] = turn.user.to_raw()
        elif turn.stashed_user is not None:
            attributes[_SESSION_USER] = turn.stashed_user
        handler_input.attributes_manager.session_attributes = attributes
    if turn.problems:
        _LOGGER.warning("Reset malformed state (%s) during %s.", ", ".join(turn.problems), request_kind(handler_input))


class StateInterceptor(AbstractRequestInterceptor):
    """Parses each request's state into typed models before any handler sees it."""

    def __init__(self, services: SkillServices) -> None:
        self.services = services

    def process(self, handler_input: HandlerInput) -> None:
        begin(handler_input, self.services)


class CommitInterceptor(AbstractResponseInterceptor):
    """Writes the typed session state back into the response's session attributes."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        commit(handler_input)
