"""Typed state: parsing never raises, always gives a valid model, and round-trips what is valid."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest
from dateutil.tz import tzoffset
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.audio_catalog import AudioTrack
from skill.care import CareTier
from skill.content import PRACTICE_LENGTHS, default_content
from skill.state import (
    MAX_REQUEST_MINUTES,
    MAX_SEGMENT,
    MAX_SPEECH_CHARS,
    MAX_VARIANT,
    YEARS,
    Awaiting,
    Offer,
    Pending,
    Position,
    SessionState,
    TimerInParts,
    Vocabulary,
    as_count,
    as_moment,
)
from skill.state_user import (
    MAX_COUNT,
    MAX_DAYS_KEPT,
    MAX_HEARD,
    MAX_OFFSET_MS,
    DailyPick,
    SavedAudio,
    UserState,
    parse_token,
)

CONTENT = default_content()
VOCABULARY = Vocabulary.of(CONTENT)
PRACTICES = sorted(VOCABULARY.practices or ())
THEMES = sorted({affirmation.theme for affirmation in CONTENT.affirmations})
SESSION_KEYS = ["awaiting", "offer", "pending", "playing", "care", "last_speech", "last_reprompt", "affirm_theme",
                "timer", "timer_bells", "zone"]  # fmt: skip
USER_KEYS = ["visits", "completed", "by_practice", "days", "heard", "position", "audio", "last_done", "daily"]
TRACK = AudioTrack("soothing_breath", 10, "0123456789ab")

# Values that are nearly right are the interesting ones: known ids, offered lengths, dates, tokens.
_plausible = st.sampled_from(
    [
        *PRACTICES,
        "gone_practice",
        *[a.value for a in Awaiting],
        *[t.value for t in CareTier],
        *PRACTICE_LENGTHS,
        7,
        20,
        *THEMES,
        "threat",
        0,
        -1,
        MAX_SEGMENT + 1,
        1e400,
        -1e400,
        "2026-11-25",
        "0001-01-01",
        "2026-02-30",
        "²",
        "٣",
        TRACK.token,
        "kindwell:soothing_breath:²:0123456789ab",
        "kindwell:soothing_breath:" + "9" * 5000 + ":k",
        "<speak>",
        "x" * (MAX_SPEECH_CHARS + 1),
    ]
)
_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats()
    | st.text(max_size=30)
    | _plausible
)
_json = st.recursive(
    _leaf,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.text(max_size=10) | st.sampled_from(["practice", "minutes", "segment", "variant", "token", "offset"]),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def _shaped(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with mostly known keys and any values, nested one level like the real attributes."""
    inner = st.dictionaries(
        st.sampled_from(["practice", "minutes", "segment", "variant", "token", "offset"]), _json, max_size=5
    )
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=6), _json | inner, max_size=len(keys) + 1)


def _offered(practice: str, minutes: object) -> bool:
    return practice in PRACTICES and type(minutes) is int and minutes in CONTENT.practice(practice).lengths


def _valid_position(position: Position | None) -> bool:
    return position is None or (
        _offered(position.practice, position.minutes)
        and type(position.segment) is int
        and 0 <= position.segment <= MAX_SEGMENT
        and type(position.variant) is int
        and 0 <= position.variant <= MAX_VARIANT
    )


def assert_valid_session(state: SessionState) -> None:
    assert state.awaiting is None or isinstance(state.awaiting, Awaiting)
    assert state.care is None or isinstance(state.care, CareTier)
    assert not (state.awaiting is not None and state.awaiting.is_care and state.care is None)
    assert state.offer is None or _offered(state.offer.practice, state.offer.minutes)
    assert state.affirm_theme is None or state.affirm_theme in THEMES
    if state.pending is not None:
        assert state.pending.practice is None or state.pending.practice in PRACTICES
        minutes = state.pending.minutes
        assert minutes is None or (type(minutes) is float and math.isfinite(minutes) and 0 < minutes <= 1440)
    assert _valid_position(state.playing)
    for speech in (state.last_speech, state.last_reprompt):
        assert speech is None or (isinstance(speech, str) and len(speech) <= MAX_SPEECH_CHARS)


def assert_valid_user(state: UserState) -> None:
    for count in (state.visits, state.completed, *state.by_practice.values()):
        assert type(count) is int and 0 <= count <= MAX_COUNT
    assert all(isinstance(key, str) and len(key) <= 64 for key in state.by_practice)
    assert list(state.days) == sorted(set(state.days)) and len(state.days) <= MAX_DAYS_KEPT
    assert all(type(day) is dt.date and day.year in YEARS for day in state.days)
    assert len(state.heard) <= MAX_HEARD and all(isinstance(h, str) for h in state.heard)
    assert _valid_position(state.position)
    if state.audio is not None:
        assert _offered(state.audio.track.practice, state.audio.track.minutes)
        assert type(state.audio.offset_ms) is int and 0 <= state.audio.offset_ms <= MAX_OFFSET_MS


def _round_trips(raw: dict[str, Any], parse: Any, state: Any) -> None:
    text = json.dumps(raw, allow_nan=False)  # JSON-safe: no NaN or Infinity, only plain types
    again, problems = parse(json.loads(text), VOCABULARY)
    assert again == state and problems == []


@settings(max_examples=400, deadline=None)
@given(raw=_json | _shaped(SESSION_KEYS))
def test_session_parse_never_raises_and_always_gives_a_valid_model(raw: Any) -> None:
    state, problems = SessionState.parse(raw, VOCABULARY)
    assert_valid_session(state)
    assert all(isinstance(name, str) and name.startswith("session") for name in problems)
    _round_trips(state.to_raw(), SessionState.parse, state)


@settings(max_examples=400, deadline=None)
@given(raw=_json | _shaped(USER_KEYS))
def test_user_parse_never_raises_and_always_gives_a_valid_model(raw: Any) -> None:
    state, problems = UserState.parse(raw, VOCABULARY)
    assert_valid_user(state)
    assert all(isinstance(name, str) and name.startswith("user") for name in problems)
    _round_trips(state.to_raw(), UserState.parse, state)


@given(value=_leaf)
def test_problem_names_never_hold_a_value(value: Any) -> None:
    # Whatever arrives under any key, the names reported are from a fixed vocabulary.
    raw = {"playing": {"practice": value, str(value)[:20]: value}, str(value)[:20]: value}
    _, problems = SessionState.parse(raw, VOCABULARY)
    allowed = {"session.playing", "session.playing.practice", "session.playing.minutes", "session.playing.segment",
               "session.playing.variant", "session.playing.unknown", "session.unknown"}  # fmt: skip
    assert set(problems) <= allowed | {f"session.{key}" for key in SESSION_KEYS}


def test_a_full_session_round_trips() -> None:
    state = SessionState(
        awaiting=Awaiting.CARE_FOLLOW_UP,
        offer=Offer("soothing_breath", 5),
        pending=Pending("loving_kindness", 7.5),
        playing=Position("mindfulness", 10, 3, 2),
        care=CareTier.OTHER,
        last_speech='<prosody rate="90%">Breathe.</prosody>',
        last_reprompt="Shall we go on?",
        affirm_theme="rest_and_soothing",
        timer=TimerInParts(20, "every_five", 4),
        timer_bells="halfway",
        zone="Pacific/Auckland",
    )
    raw = state.to_raw()
    assert raw["timer"] == {"minutes": 20, "bells": "every_five", "part": 4} and raw["zone"] == "Pacific/Auckland"
    assert raw["awaiting"] == "care_followup" and raw["playing"] == {
        "practice": "mindfulness",
        "minutes": 10,
        "segment": 3,
        "variant": 2,
    }
    assert raw["affirm_theme"] == "rest_and_soothing"
    _round_trips(raw, SessionState.parse, state)


def test_a_full_user_round_trips() -> None:
    state = UserState(
        visits=4,
        completed=3,
        by_practice={"soothing_breath": 2, "retired_practice": 1},
        days=(dt.date(2026, 11, 24), dt.date(2026, 11, 25)),
        heard=("sk01", "sk02"),
        position=Position("loving_kindness", 5, 2),
        audio=SavedAudio(TRACK, 65_432),
        last_done={"soothing_breath": dt.date(2026, 11, 25), "timer": dt.date(2026, 11, 24)},
        daily=DailyPick(dt.date(2026, 11, 25), "mindfulness"),
    )
    raw = state.to_raw()
    assert raw["daily"] == {"day": "2026-11-25", "practice": "mindfulness"}
    assert raw["last_done"] == {"soothing_breath": "2026-11-25", "timer": "2026-11-24"}
    assert raw["days"] == ["2026-11-24", "2026-11-25"] and raw["audio"] == {"token": TRACK.token, "offset": 65_432}
    _round_trips(raw, UserState.parse, state)


def test_an_empty_state_stores_nothing() -> None:
    assert SessionState().to_raw() == {} and UserState().to_raw() == {}
    assert SessionState.parse(None, VOCABULARY) == (SessionState(), [])
    assert UserState.parse({}, VOCABULARY) == (UserState(), [])


@pytest.mark.parametrize(
    ("raw", "problems"),
    [
        ({"playing": {"practice": "soothing_breath", "minutes": 10, "segment": 1e400}}, ["session.playing.segment"]),
        ({"playing": {"practice": "nope", "minutes": 10, "segment": 1}}, ["session.playing.practice"]),
        ({"playing": {"practice": "soothing_breath", "minutes": 7, "segment": 1}}, ["session.playing.minutes"]),
        ({"playing": {"practice": "soothing_breath", "minutes": True, "segment": 0}}, ["session.playing.minutes"]),
        ({"playing": {"practice": "soothing_breath", "minutes": 10, "segment": -1}}, ["session.playing.segment"]),
        ({"playing": {"practice": "mindfulness", "minutes": 20, "segment": 0}}, ["session.playing.minutes"]),
        (
            {"playing": {"practice": "mindfulness", "minutes": 5, "segment": 0, "variant": -1}},
            ["session.playing.variant"],
        ),
        (
            {"playing": {"practice": "mindfulness", "minutes": 5, "segment": 0, "variant": "2"}},
            ["session.playing.variant"],
        ),
        ({"offer": {"practice": "loving_kindness", "minutes": 20}}, ["session.offer.minutes"]),
        ({"affirm_theme": "threat"}, ["session.affirm_theme"]),
        ({"affirm_theme": ["rest_and_soothing"]}, ["session.affirm_theme"]),
        ({"playing": [1, 2]}, ["session.playing"]),
        ({"pending": "soothing_breath"}, ["session.pending"]),
        ({"offer": {"practice": "zzz", "minutes": 5}}, ["session.offer.practice"]),
        ({"awaiting": "bogus"}, ["session.awaiting"]),
        ({"last_speech": "</speak><audio src='x'/>"}, ["session.last_speech"]),
        ({"secret words": 1}, ["session.unknown"]),
        ({"timer": {"minutes": 7, "bells": "none", "part": 0}}, ["session.timer.minutes"]),
        ({"timer": {"minutes": 10, "bells": "gong", "part": 0}}, ["session.timer.bells"]),
        ({"timer": {"minutes": 10, "bells": "none", "part": -1}}, ["session.timer.part"]),
        ({"timer": "10"}, ["session.timer"]),
        ({"zone": "Europe/London; DROP"}, ["session.zone"]),
        ([1, 2], ["session"]),
    ],
)
def test_malformed_session_fields_are_reset_and_named(raw: Any, problems: list[str]) -> None:
    state, found = SessionState.parse(raw, VOCABULARY)
    assert found == problems
    assert state.to_raw() == {}


@pytest.mark.parametrize(
    "raw", [{"care": "panic"}, {"care": 1, "awaiting": "care_open"}, {"awaiting": "care_followup"}]
)
def test_an_unreadable_care_tier_is_taken_as_the_most_careful(raw: dict[str, Any]) -> None:
    state, problems = SessionState.parse(raw, VOCABULARY)
    assert state.care is CareTier.CRISIS and problems == ["session.care"]
    assert state.awaiting == (Awaiting(raw["awaiting"]) if "awaiting" in raw else None)


def test_a_malformed_pending_part_is_dropped_alone() -> None:
    state, problems = SessionState.parse({"pending": {"practice": "soothing_breath", "minutes": "x"}}, VOCABULARY)
    assert state.pending == Pending("soothing_breath", None) and problems == ["session.pending.minutes"]
    state, problems = SessionState.parse({"pending": {"minutes": 1e400}}, VOCABULARY)
    assert state.pending is None and problems == ["session.pending.minutes"]
    assert SessionState.parse({"pending": {"minutes": MAX_REQUEST_MINUTES + 1}}, VOCABULARY)[0].pending is None


def test_malformed_user_fields_are_reset_and_named() -> None:
    raw = {
        "visits": True,
        "completed": 2.5,
        "by_practice": {"soothing_breath": 2, "Not An Id!": 1},
        "days": ["2026-11-25", "2026-02-30", "0001-01-01", "٢٠٢٦-١١-٢٤", 20261125],
        "heard": "sk01",
        "position": {"practice": "gone", "minutes": 10, "segment": 1},
        "audio": {"token": "kindwell:soothing_breath:²:0123456789ab", "offset": 5},
    }
    state, problems = UserState.parse(raw, VOCABULARY)
    assert state == UserState(by_practice={"soothing_breath": 2}, days=(dt.date(2026, 11, 25),))
    assert problems == [
        "user.visits",
        "user.completed",
        "user.by_practice",
        "user.days",
        "user.heard",
        "user.position.practice",
        "user.audio.token",
    ]


def test_over_long_lists_keep_their_newest_items() -> None:
    days = [(dt.date(2025, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(MAX_DAYS_KEPT + 5)]
    state, problems = UserState.parse({"days": days, "heard": ["sk01"] * (MAX_HEARD + 1)}, VOCABULARY)
    assert [d.isoformat() for d in state.days] == days[-MAX_DAYS_KEPT:]
    assert len(state.heard) == MAX_HEARD and problems == ["user.days", "user.heard"]


def test_a_bad_saved_offset_starts_the_stream_from_the_beginning() -> None:
    state, problems = UserState.parse({"audio": {"token": TRACK.token, "offset": {"ms": 5}}}, VOCABULARY)
    assert state.audio == SavedAudio(TRACK, 0) and problems == ["user.audio.offset"]
    assert UserState.parse({"audio": {"token": TRACK.token, "offset": -5}}, VOCABULARY)[0].audio == SavedAudio(TRACK, 0)


@pytest.mark.parametrize(
    "token",
    [
        "kindwell:soothing_breath:²:0123456789ab",  # str.isdigit() says yes; int() says no
        "kindwell:soothing_breath:٣:0123456789ab",  # int() would read 3
        "kindwell:soothing_breath:" + "9" * 5000 + ":k",  # int() refuses over 4,300 digits
        "kindwell:soothing_breath:0:0123456789ab",  # no practice lasts no time
        "kindwell:soothing_breath:61:0123456789ab",  # longer than any practice may be
        "kindwell:soothing_breath:10:key:extra",
        "kindwell:Soothing Breath:10:k",
        "other-skill:soothing_breath:10:k",
        "",
        None,
        42,
    ],
)
def test_only_tokens_this_skill_issues_parse(token: Any) -> None:
    assert parse_token(token) is None
    assert AudioTrack.from_token(token) is None


def test_an_issued_token_parses_back_to_its_track() -> None:
    assert parse_token(TRACK.token) == TRACK


def test_lengths_are_each_practices_own() -> None:
    # The wind-down also comes in twenty minutes; no other practice does.
    wind_down = {"practice": "wind_down", "minutes": 20, "segment": 0, "variant": 1}
    state, problems = SessionState.parse(
        {"playing": wind_down, "offer": {"practice": "wind_down", "minutes": 20}}, VOCABULARY
    )
    assert state.playing == Position("wind_down", 20, 0, 1) and state.offer == Offer("wind_down", 20) and problems == []
    seven = AudioTrack("soothing_breath", 7, "0123456789ab")
    saved, problems = UserState.parse({"audio": {"token": seven.token, "offset": 5}}, VOCABULARY)
    assert saved.audio is None and problems == ["user.audio.token"]
    twenty = AudioTrack("wind_down", 20, "0123456789ab")
    assert UserState.parse({"audio": {"token": twenty.token}}, VOCABULARY)[0].audio == SavedAudio(twenty, 0)


def test_a_position_saved_before_variants_means_the_first() -> None:
    state, problems = UserState.parse({"position": {"practice": "mindfulness", "minutes": 5, "segment": 2}}, VOCABULARY)
    assert state.position == Position("mindfulness", 5, 2, 0) and problems == []


@pytest.mark.parametrize("value", [True, False, -1, 1.5, math.inf, math.nan, "3", None, [3], 10**12])
def test_counts_refuse_what_is_not_a_whole_number_in_range(value: Any) -> None:
    assert as_count(value, 10**9) is None


def test_counts_accept_integral_floats() -> None:
    assert as_count(3.0, 10) == 3 and type(as_count(3.0, 10)) is int


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=tzoffset(None, 25 * 3600)),  # +25:00, as dateutil reads it
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),  # UTC would be year 0
        dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-2))),  # UTC would be year 10000
        "2026-11-25T09:30:00Z",  # not a datetime: only what the serializer made of a timestamp is read
        12345,
        None,
    ],
)
def test_absurd_or_malformed_timestamps_are_refused(moment: Any) -> None:
    assert as_moment(moment) is None


def test_timestamps_become_aware_utc() -> None:
    local = dt.datetime(2026, 11, 25, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert as_moment(local) == dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
    assert as_moment(dt.datetime(2026, 11, 25, 9, 30)) == dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
