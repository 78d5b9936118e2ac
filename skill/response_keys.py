"""Every response key the skill speaks, so a missing one is found when prompts/ is loaded, not mid-conversation.

tests/test_content.py reads the handlers' code and fails when a key spoken there is missing here.
"""

from __future__ import annotations

from collections.abc import Iterable

from .care import CareTier
from .timer import BELLS

#: Keys the handlers speak from prompts/responses.yaml (besides checkin_<theme>, one per feeling theme).
RESPONSES = frozenset(
    {
        "affirmation",
        "affirmation_more",
        "affirmation_reprompt",
        "affirmation_to_self",
        "ask_length",
        "ask_length_reprompt",
        "ask_practice",
        "audio_next",
        "checkin_ask",
        "checkin_ask_reprompt",
        "checkin_offer_reprompt",
        "checkin_other",
        "error",
        "fallback",
        "fallback_in_practice",
        "goodbye",
        "goodbye_saved",
        "help",
        "length_snapped",
        "list_practices",
        "list_reprompt",
        "not_supported",
        "nothing_next",
        "nothing_to_repeat",
        "nothing_to_resume",
        "offer_declined",
        "offer_declined_reprompt",
        "paused",
        "practice_complete",
        "practice_complete_reprompt",
        "practice_intro",
        "progress",
        "progress_none",
        "progress_reprompt",
        "reprompt_main",
        "resume_declined",
        "resume_intro",
        "segment_continue",
        "segment_reprompt",
        "start_over",
        "streak_sentence_active",
        "streak_sentence_none",
        "welcome_new",
        "welcome_resume",
        "welcome_returning",
    }
)

#: Keys the care handlers speak from prompts/care.yaml (besides care_<tier> and care_<tier>_reprompt).
CARE = frozenset(
    {
        "care_after_breath",
        "care_after_breath_reprompt",
        "care_card",
        "care_card_title",
        "care_declined",
        "care_declined_reprompt",
        "care_fallback",
        "care_goodbye",
        "care_other_declined",
        "care_other_declined_reprompt",
    }
)


#: Keys the timer speaks from prompts/timer.yaml (besides timer_intro_<bells>, one per interval setting).
TIMER = frozenset(
    {
        "timer_ask_length",
        "timer_ask_length_reprompt",
        "timer_audio_next",
        "timer_bells_snapped",
        "timer_complete",
        "timer_cue_closing",
        "timer_cue_interval",
        "timer_cue_start",
        "timer_in_parts",
        "timer_length_snapped",
        "timer_part_done",
        "timer_part_reprompt",
        "timer_part_resume",
        "timer_stopped",
    }
)


#: Keys the practice of the day speaks from prompts/daily.yaml.
DAILY = frozenset(
    {
        "daily_practice",
        "daily_practice_done",
        "daily_practice_reprompt",
        "daily_welcome",
        "daily_welcome_reprompt",
    }
)


def required_responses(feeling_themes: Iterable[str]) -> dict[str, str]:
    """Every key the skill may speak -> the file under prompts/ it belongs in."""
    required = dict.fromkeys(RESPONSES, "responses.yaml")
    required.update({f"checkin_{theme}": "responses.yaml" for theme in feeling_themes})
    required.update(dict.fromkeys(CARE, "care.yaml"))
    required.update(dict.fromkeys(TIMER, "timer.yaml"))
    required.update(dict.fromkeys(DAILY, "daily.yaml"))
    required.update({f"timer_intro_{bells}": "timer.yaml" for bells in BELLS})
    for tier in CareTier:
        required.update({f"care_{tier.value}": "care.yaml", f"care_{tier.value}_reprompt": "care.yaml"})
    return required
