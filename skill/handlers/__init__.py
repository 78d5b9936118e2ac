"""ask-sdk-core handlers: one class per intent, care first."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import (
    AbstractRequestHandler,
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)

from .audio import AudioPlayerEventHandler, PlaybackControllerHandler, SystemExceptionHandler
from .base import SkillServices
from .care import CareFollowUpHandler, CareHandler
from .conversation import (
    CancelHandler,
    HelpHandler,
    KindExceptionHandler,
    LaunchHandler,
    NavigateHomeHandler,
    SessionEndedHandler,
    StopHandler,
    UnhandledRequestHandler,
)
from .daily import DailyPracticeHandler
from .dialog import FallbackHandler, NoHandler, YesHandler
from .events import SkillDisabledHandler
from .kindness import AffirmationHandler, CheckInHandler, ListPracticesHandler, ProgressHandler
from .practice import (
    NextHandler,
    PauseHandler,
    RepeatHandler,
    ResumeHandler,
    StartOverHandler,
    StartPracticeHandler,
    UnsupportedHandler,
)
from .timer import TimerHandler, TimerPartHandler
from .turn import CommitInterceptor, StateInterceptor

__all__ = ["KindExceptionHandler", "SkillServices", "request_handlers", "state_interceptors"]


def state_interceptors(
    services: SkillServices,
) -> tuple[AbstractRequestInterceptor, AbstractResponseInterceptor]:
    """The global request interceptor that parses state into typed models, and the response one that writes it back."""
    return StateInterceptor(services), CommitInterceptor()


def request_handlers(services: SkillServices) -> list[AbstractRequestHandler]:
    """Every request handler in dispatch order: care first, the catch-all last."""
    handler_types = (
        CareHandler,
        CareFollowUpHandler,
        LaunchHandler,
        TimerPartHandler,
        TimerHandler,
        DailyPracticeHandler,
        StartPracticeHandler,
        NextHandler,
        ResumeHandler,
        PauseHandler,
        RepeatHandler,
        StartOverHandler,
        AffirmationHandler,
        CheckInHandler,
        ListPracticesHandler,
        ProgressHandler,
        HelpHandler,
        YesHandler,
        NoHandler,
        StopHandler,
        CancelHandler,
        NavigateHomeHandler,
        FallbackHandler,
        UnsupportedHandler,
        SessionEndedHandler,
        AudioPlayerEventHandler,
        PlaybackControllerHandler,
        SystemExceptionHandler,
        SkillDisabledHandler,
        UnhandledRequestHandler,
    )
    return [handler_type(services) for handler_type in handler_types]
