"""Typed session state: what KindWell remembers within one conversation, parsed at the edge.

Alexa hands session attributes back on every turn, so they are input like any other: `parse` turns
them into frozen dataclasses and never raises. Whatever it cannot use (an unknown practice, a length
that is not offered, a number that is not finite or too large, a wrong container type, an over-long
string) is dropped or reset to its default, and the field's name, never its value, goes on the list
of problems the request logs once. `to_raw` gives back plain JSON-safe attributes.

The small parsers at the top (counts, ids, texts, dates, timestamps) are shared with the per-user
state (skill/state_user.py) and the request edge (skill/state_request.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from .care import CareTier
from .content import Content
from .practices import MAX_PRACTICE_MINUTES
from .state_parse import (  # noqa: F401 - re-exported: the parsers are part of the state API
    MAX_REQUEST_MINUTES,
    MAX_SEGMENT,
    MAX_SPEECH_CHARS,
    MAX_VARIANT,
    YEARS,
    Problems,
    as_amount,
    as_count,
    as_day,
    as_id,
    as_mapping,
    as_moment,
    as_text,
    note_unknown,
)
from .timer import BELLS, DEFAULT_BELLS, TIMER_LENGTHS, TimerPlan, plan_for_track

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class Vocabulary:
    """What stored state may refer to: the practices the loaded content offers, each at its own
    lengths (Practice.lengths), and the affirmation themes a check-in may leave for later."""

    practices: Mapping[str, tuple[int, ...]] | None
    """Known practice ids -> the lengths each is offered at, in minutes; None accepts any id at any
    length up to MAX_PRACTICE_MINUTES (for raw records read without content at hand)."""
    affirmation_themes: frozenset[str] | None = None
    """Known affirmation themes; None accepts any id-shaped name."""

    @classmethod
    def of(cls, content: Content) -> Vocabulary:
        """The vocabulary of loaded content."""
        return cls(
            {practice.id: practice.lengths for practice in content.practices.values()},
            frozenset(affirmation.theme for affirmation in content.affirmations),
        )

    def practice(self, value: object) -> str | None:
        """value when it names a known practice."""
        if self.practices is None:
            return as_id(value)
        return value if isinstance(value, str) and value in self.practices else None

    def length(self, practice: str | None, value: object) -> int | None:
        """value when it is a length in minutes that practice is offered at (any length a practice may
        have, when the practice is not known: the practice is then the part reported)."""
        minutes = as_count(value, MAX_PRACTICE_MINUTES)
        lengths = self.practices.get(practice) if self.practices is not None and practice is not None else None
        if lengths is None:
            return minutes if minutes else None
        return minutes if minutes in lengths else None

    def offered(self, practice: object, minutes: object) -> bool:
        """True when practice is known and offered at minutes, or when the two name a timer stream
        (timer, timer_halfway, timer_every_five at one of the timer's lengths)."""
        if isinstance(practice, str) and isinstance(minutes, int) and plan_for_track(practice, minutes) is not None:
            return True
        known = self.practice(practice)
        return known is not None and self.length(known, minutes) is not None

    def affirmation_theme(self, value: object) -> str | None:
        """value when it names a known affirmation theme."""
        if self.affirmation_themes is None:
            return as_id(value)
        return value if isinstance(value, str) and value in self.affirmation_themes else None


#: Any id-shaped practice at any plausible length: for raw records read without content at hand.
ANY_PRACTICE = Vocabulary(None)


# --- The models. ---


class Awaiting(StrEnum):
    """What KindWell asked last, so that a bare yes, no or unclear answer can be understood.

    The values are what session attributes hold, so conversations in flight survive a deploy.
    """

    PRACTICE_OFFER = "practice_offer"
    """A practice was offered after a check-in: yes starts it."""
    RESUME_OFFER = "resume_offer"
    """The welcome offered to resume a saved practice: yes resumes it."""
    SEGMENT = "segment"
    """A part of a practice just ended: yes plays the next part, no leaves it saved."""
    AFFIRMATION_OFFER = "affirmation_offer"
    """An affirmation was offered: yes speaks one."""
    FEELING = "feeling"
    """How someone feels was asked (a free-text slot)."""
    PRACTICE = "practice"
    """Which practice was asked."""
    LENGTH = "length"
    """How long a practice should be was asked."""
    CARE_FOLLOW_UP = "care_followup"
    """The question after a care reply: a breath, or the steps again."""
    CARE_OPEN = "care_open"
    """The door left open after a breath or a no: yes is a breath, no is warm words again."""
    TIMER_LENGTH = "timer_length"
    """How long to sit with the timer was asked: a bare length starts it."""
    TIMER_PART = "timer_part"
    """A part of a timer spoken in SSML parts just ended: continue goes on, stop ends it."""

    @property
    def is_care(self) -> bool:
        """True for the questions that follow a care reply."""
        return self in (Awaiting.CARE_FOLLOW_UP, Awaiting.CARE_OPEN)


@dataclass(frozen=True)
class Position:
    """Where a listener is in a practice."""

    practice: str
    minutes: int
    segment: int
    """Index of the segment to play next."""
    variant: int = 0
    """Which variant of the practice is playing: the segments are that variant's, so it is kept with
    them (a position saved before variants existed has none and means the first)."""

    def to_dict(self) -> dict[str, Any]:
        """Stored form."""
        return {"practice": self.practice, "minutes": self.minutes, "segment": self.segment, "variant": self.variant}

    @classmethod
    def parse(cls, raw: object, vocabulary: Vocabulary, name: str, problems: Problems) -> Position | None:
        """A stored position, or None when absent; a position with any bad part is dropped whole."""
        fields = as_mapping(raw, name, problems)
        if fields is None:
            return None
        practice = vocabulary.practice(fields.get("practice"))
        minutes = vocabulary.length(practice, fields.get("minutes"))
        segment = as_count(fields.get("segment"), MAX_SEGMENT)
        variant = as_count(fields.get("variant", 0), MAX_VARIANT)
        parts = (("practice", practice), ("minutes", minutes), ("segment", segment), ("variant", variant))
        for part, value in parts:
            if value is None:
                problems.add(f"{name}.{part}")
        note_unknown(fields, _POSITION_KEYS, name, problems)
        if practice is None or minutes is None or segment is None or variant is None:
            return None
        return cls(practice, minutes, segment, variant)


_POSITION_KEYS = frozenset({"practice", "minutes", "segment", "variant"})


@dataclass(frozen=True)
class Offer:
    """A practice KindWell offered (after a check-in), at an offered length."""

    practice: str
    minutes: int

    @classmethod
    def parse(cls, raw: object, vocabulary: Vocabulary, name: str, problems: Problems) -> Offer | None:
        """A stored offer, or None; an offer with any bad part is dropped whole."""
        fields = as_mapping(raw, name, problems)
        if fields is None:
            return None
        practice = vocabulary.practice(fields.get("practice"))
        minutes = vocabulary.length(practice, fields.get("minutes"))
        if practice is None:
            problems.add(f"{name}.practice")
        if minutes is None:
            problems.add(f"{name}.minutes")
        note_unknown(fields, frozenset({"practice", "minutes"}), name, problems)
        return cls(practice, minutes) if practice is not None and minutes is not None else None


@dataclass(frozen=True)
class Pending:
    """A practice request still being completed: what has been chosen so far."""

    practice: str | None = None
    minutes: float | None = None
    """The length asked for, in minutes, before it is snapped to an offered one."""

    @classmethod
    def parse(cls, raw: object, vocabulary: Vocabulary, name: str, problems: Problems) -> Pending | None:
        """A stored pending choice; each part is kept or dropped on its own."""
        fields = as_mapping(raw, name, problems)
        if fields is None:
            return None
        practice = vocabulary.practice(fields.get("practice"))
        minutes = as_amount(fields.get("minutes"), MAX_REQUEST_MINUTES)
        if practice is None and fields.get("practice") is not None:
            problems.add(f"{name}.practice")
        if minutes is None and fields.get("minutes") is not None:
            problems.add(f"{name}.minutes")
        note_unknown(fields, frozenset({"practice", "minutes"}), name, problems)
        return cls(practice, minutes) if practice is not None or minutes is not None else None

    def to_dict(self) -> dict[str, Any]:
        """Stored form (only the parts chosen)."""
        raw: dict[str, Any] = {}
        if self.practice is not None:
            raw["practice"] = self.practice
        if self.minutes is not None:
            raw["minutes"] = self.minutes
        return raw


@dataclass(frozen=True)
class TimerInParts:
    """A timer being spoken in SSML parts (no AudioPlayer stream): its plan and the part last spoken."""

    minutes: int
    """One of the timer's lengths (skill.timer.TIMER_LENGTHS)."""
    bells: str
    """An interval setting (skill.timer.BELLS), in canonical form."""
    part: int
    """Index of the part last spoken; delivery clamps it to the real count."""

    @property
    def plan(self) -> TimerPlan:
        """The timer this is a part of."""
        return TimerPlan.of(self.minutes, self.bells)

    def to_dict(self) -> dict[str, Any]:
        """Stored form."""
        return {"minutes": self.minutes, "bells": self.bells, "part": self.part}

    @classmethod
    def parse(cls, raw: object, name: str, problems: Problems) -> TimerInParts | None:
        """A stored timer in parts, or None; a timer with any bad part is dropped whole."""
        fields = as_mapping(raw, name, problems)
        if fields is None:
            return None
        minutes = as_count(fields.get("minutes"), max(TIMER_LENGTHS))
        minutes = minutes if minutes in TIMER_LENGTHS else None
        bells = fields.get("bells") if fields.get("bells") in BELLS else None
        part = as_count(fields.get("part"), MAX_SEGMENT)
        for field_name, value in (("minutes", minutes), ("bells", bells), ("part", part)):
            if value is None:
                problems.add(f"{name}.{field_name}")
        note_unknown(fields, frozenset({"minutes", "bells", "part"}), name, problems)
        if minutes is None or not isinstance(bells, str) or part is None:
            return None
        return cls(minutes, TimerPlan.of(minutes, bells).bells, part)


def _bells(value: object, problems: Problems) -> str | None:
    """The interval setting heard before the timer's length was asked."""
    if value is None:
        return None
    if isinstance(value, str) and value in BELLS:
        return value
    problems.add("session.timer_bells")
    return DEFAULT_BELLS


@dataclass(frozen=True)
class SessionState:
    """Everything KindWell keeps between the turns of one conversation."""

    awaiting: Awaiting | None = None
    offer: Offer | None = None
    pending: Pending | None = None
    playing: Position | None = None
    """The practice in play in this session (SSML segments), at the segment last spoken."""
    care: CareTier | None = None
    """The care tier offered in this session: a tier name, never any words."""
    last_speech: str | None = None
    """The SSML body last spoken, for Repeat."""
    last_reprompt: str | None = None
    affirm_theme: str | None = None
    """The affirmation theme the session's check-in suggested (a theme name, never the feeling's words),
    so an affirmation asked for later follows it."""
    timer: TimerInParts | None = None
    """The timer being spoken in parts, at the part last spoken."""
    timer_bells: str | None = None
    """The interval setting heard while the timer's length is being asked (skill.timer.BELLS)."""
    zone: str | None = None
    """The device's time zone name as the Settings API gave it, looked up once per session ("" when
    it could not be had); a zone name, never stored beyond the session."""

    @classmethod
    def parse(cls, raw: object, vocabulary: Vocabulary) -> tuple[SessionState, Problems]:
        """Session attributes as a model and the names of the fields that were reset; never raises."""
        problems = Problems()
        fields = as_mapping(raw, "session", problems) or {}
        awaiting = _enum(Awaiting, fields.get("awaiting"), "session.awaiting", problems)
        care = _enum(CareTier, fields.get("care"), "session.care", problems)
        if care is None and ("session.care" in problems or (awaiting is not None and awaiting.is_care)):
            # Care first: a tier that cannot be read, or a care question without one, is taken as the
            # most careful tier, so the conversation stays gentle and the line is named again.
            problems.add("session.care")
            care = CareTier.CRISIS
        state = cls(
            awaiting=awaiting,
            offer=Offer.parse(fields.get("offer"), vocabulary, "session.offer", problems),
            pending=Pending.parse(fields.get("pending"), vocabulary, "session.pending", problems),
            playing=Position.parse(fields.get("playing"), vocabulary, "session.playing", problems),
            care=care,
            last_speech=_speech(fields.get("last_speech"), "session.last_speech", problems),
            last_reprompt=_speech(fields.get("last_reprompt"), "session.last_reprompt", problems),
            affirm_theme=_theme(fields.get("affirm_theme"), vocabulary, problems),
            timer=TimerInParts.parse(fields.get("timer"), "session.timer", problems),
            timer_bells=_bells(fields.get("timer_bells"), problems),
            zone=_zone(fields.get("zone"), problems),
        )
        note_unknown(fields, _SESSION_KEYS, "session", problems)
        return state, problems

    def to_raw(self) -> dict[str, Any]:
        """Session attributes: only what is set, in JSON-safe types."""
        raw: dict[str, Any] = {}
        if self.awaiting is not None:
            raw["awaiting"] = self.awaiting.value
        if self.offer is not None:
            raw["offer"] = {"practice": self.offer.practice, "minutes": self.offer.minutes}
        if self.pending is not None and self.pending.to_dict():
            raw["pending"] = self.pending.to_dict()
        if self.playing is not None:
            raw["playing"] = self.playing.to_dict()
        if self.care is not None:
            raw["care"] = self.care.value
        if self.last_speech is not None:
            raw["last_speech"] = self.last_speech
        if self.last_reprompt is not None:
            raw["last_reprompt"] = self.last_reprompt
        if self.affirm_theme is not None:
            raw["affirm_theme"] = self.affirm_theme
        if self.timer is not None:
            raw["timer"] = self.timer.to_dict()
        if self.timer_bells is not None:
            raw["timer_bells"] = self.timer_bells
        if self.zone is not None:
            raw["zone"] = self.zone
        return raw


_SESSION_KEYS = frozenset(
    {
        "awaiting",
        "offer",
        "pending",
        "playing",
        "care",
        "last_speech",
        "last_reprompt",
        "affirm_theme",
        "timer",
        "timer_bells",
        "zone",
    }
)
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+/-]{0,64}", re.ASCII)


def _zone(value: object, problems: Problems) -> str | None:
    """An IANA zone name as the Settings API gives it (or "" for none found); anything else is looked up again."""
    if value is None:
        return None
    if isinstance(value, str) and _ZONE_NAME.fullmatch(value):
        return value
    problems.add("session.zone")
    return None


def _theme(value: object, vocabulary: Vocabulary, problems: Problems) -> str | None:
    if value is None:
        return None
    theme = vocabulary.affirmation_theme(value)
    if theme is None:
        problems.add("session.affirm_theme")
    return theme


def _enum(kind: type[E], value: object, name: str, problems: Problems) -> E | None:
    if value is None:
        return None
    for member in kind:
        if member.value == value:
            return member
    problems.add(name)
    return None


def _speech(value: object, name: str, problems: Problems) -> str | None:
    if value is None:
        return None
    text = as_text(value, MAX_SPEECH_CHARS)
    # Remembered speech is a body placed inside <speak>; anything that could close it is refused.
    if text is None or "speak>" in text:
        problems.add(name)
        return None
    return text
