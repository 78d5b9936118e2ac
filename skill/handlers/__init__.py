"""ask-sdk-core handlers: one class per intent, care first."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler

from .audio import AudioPlayerEventHandler, PlaybackControllerHandler, SystemExceptionHandler
from .base import SkillServices
from .care import CareFollowUpHandler, CareHandler
from .conversation import (
    CancelHandler,
    FallbackHandler,
    HelpHandler,
    KindExceptionHandler,
    LaunchHandler,
    NavigateHomeHandler,
    SessionEndedHandler,
    StopHandler,
    UnhandledRequestHandler,
)
from .daily import DailyPracticeHandler
from .events import SkillDisabledHandler
from .kindness import (
    AffirmationHandler,
    CheckInHandler,
    ListPracticesHandler,
    NoHandler,
    ProgressHandler,
    YesHandler,
)
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

__all__ = ["KindExceptionHandler", "SkillServices", "request_handlers"]


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
