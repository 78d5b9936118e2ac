"""Malformed state and request fields are refused or reset at the edge, so no handler meets them."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import math
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.audio_catalog import AudioTrack
from skill.content import default_content
from skill.envelopes import invoke
from skill.persistence import SQLitePersistenceAdapter
from skill.progress import Position
from skill.serializer import CheckedSerializer
from skill.state_guard import clean_progress, clean_session

from .conftest import FIXTURES, FixtureDevice, load_fixture, text

GOOD_SESSION = {
    "playing": {"practice": "mindfulness", "minutes": 5, "segment": 1, "variant": 2},
    "pending": {"minutes": 7.5},
    "offer": {"practice": "wind_down", "minutes": 20},
    "awaiting": "segment",
    "care": "concern",
    "affirm_theme": "rest_and_soothing",
    "last_speech": "<s>Hello.</s>",
    "last_reprompt": None,
    "something_new": {"kept": True},
}

BAD_SESSION_VALUES = {
    "playing": [{"practice": "mindfulness", "minutes": 5, "segment": math.inf}, {"practice": "nope", "minutes": 5,
                "segment": 0}, {"practice": "mindfulness", "minutes": 7, "segment": 0}, "x", [1],
                {"practice": "mindfulness", "minutes": True, "segment": 0},
                {"practice": "mindfulness", "minutes": 20, "segment": 0},
                {"practice": "mindfulness", "minutes": 5, "segment": 0, "variant": -1},
                {"practice": "mindfulness", "minutes": 5, "segment": 0, "variant": "2"}],
    "pending": [{"minutes": "x"}, {"practice": "nope"}, {"minutes": math.inf}, {"minutes": -3}, "x", {"extra": 1}],
    "offer": [{"practice": "mindfulness"}, {"practice": "mindfulness", "minutes": "5"}, 5,
              {"practice": "loving_kindness", "minutes": 20}],
    "affirm_theme": ["threat", 3, ["rest_and_soothing"]],
    "awaiting": [5, ["segment"]],
    "care": ["panic", 1],
    "last_speech": [{"a": 1}],
    "last_reprompt": [[]],
}  # fmt: skip


def test_well_formed_session_state_is_left_alone() -> None:
    attributes = copy.deepcopy(GOOD_SESSION)
    assert clean_session(attributes, default_content()) == []
    assert attributes == GOOD_SESSION


@pytest.mark.parametrize(
    ("key", "value"), [(key, value) for key, values in BAD_SESSION_VALUES.items() for value in values]
)
def test_each_malformed_session_value_is_dropped_alone(key: str, value: Any) -> None:
    attributes = {**copy.deepcopy(GOOD_SESSION), key: value}
    assert clean_session(attributes, default_content()) == [key]
    assert attributes == {k: v for k, v in GOOD_SESSION.items() if k != key}


def test_malformed_saved_progress_keeps_what_is_sound() -> None:
    attributes: dict[str, Any] = {
        "visits": "many",
        "completed": 4,
        "by_practice": {"mindfulness": 2, "reframing": "x", "": -1},
        "days": ["2026-11-24", "2026-13-45", 5, "2026-11-25"],
        "heard": ["a1", None, "a2"],
        "position": {"practice": "gone", "minutes": 5, "segment": 0},
        "audio": {"token": "kindwell:mindfulness:²:abc", "offset": 10},
        "future_key": [1, 2],
    }
    reset = clean_progress(attributes, default_content())
    assert sorted(reset) == ["audio", "by_practice", "days", "heard", "position", "visits"]
    assert attributes == {
        "visits": 0,
        "completed": 4,
        "by_practice": {"mindfulness": 2},
        "days": ["2026-11-24", "2026-11-25"],
        "heard": ["a1", "a2"],
        "future_key": [1, 2],
    }


def test_stored_state_parsers_refuse_what_int_cannot_read() -> None:
    assert Position.from_dict({"practice": "mindfulness", "minutes": 5, "segment": 1e400}) is None
    for minutes in ("²", "٣", "9" * 5000, "", "-1"):
        assert AudioTrack.from_token(f"kindwell:mindfulness:{minutes}:abc") is None
    assert AudioTrack.from_token("kindwell:mindfulness:10:abc") == AudioTrack("mindfulness", 10, "abc")
    assert AudioTrack.from_token({"a": 1}) is None  # type: ignore[arg-type]


def test_a_corrupt_saved_row_is_reset_with_one_log_line(
    adapter: SQLitePersistenceAdapter, device: FixtureDevice, caplog: pytest.LogCaptureFixture
) -> None:
    device.send("launch")
    envelope = CheckedSerializer().deserialize_object(load_fixture("launch"), RequestEnvelope)
    envelope.context.system.user.user_id = device.user_id
    adapter.save_attributes(envelope, {"visits": "x", "position": {"practice": "gone", "minutes": 5, "segment": 0}})
    with caplog.at_level(logging.INFO):
        reply = device.send("launch")
    assert "went wrong" not in text(reply) and "practice" in text(reply)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith(("kindwell", "skill"))]
    assert lines == ["Reset malformed saved progress (visits, position) during LaunchRequest."]
    assert not any(record.exc_info for record in caplog.records)
    assert adapter.get_attributes(envelope)["visits"] == 1


# Fields where ask-sdk would hand a handler the wrong JSON type, or a value that overflows later.
STRICT_CASES = {
    "offset as an object": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), {"a": 1}),
    "offset as a list": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), [1]),
    "offset beyond 64 bits": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), 2**70),
    "offset infinite": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), math.inf),
    "slots as a string": ("start_practice_breath_10", ("request", "intent", "slots"), "practice"),
    "resolutions as a number": ("start_practice_breath_10", ("request", "intent", "slots", "practice", "resolutions"),
                                5),
    "timestamp as an object": ("launch", ("request", "timestamp"), {"a": 1}),
    "timestamp 25 hours east": ("launch", ("request", "timestamp"), "2026-11-25T09:30:00+25:00"),
    "timestamp in year 1": ("launch", ("request", "timestamp"), "0001-01-01T00:00:00Z"),
    "context as a list": ("launch", ("context", "System"), [1]),
    "a list as a string": ("start_practice_breath_10", ("request", "intent", "slots", "practice", "resolutions",
                           "resolutionsPerAuthority"), "abc"),
    "a key named like a model attribute": ("launch", ("request", "object_type"), {"not": "a type"}),
    "a key named like a model method": ("launch", ("request", "to_dict"), 5),
    "a request type that names no request": ("launch", ("request", "type"), {"a": 1}),
    "a timestamp no parser reads": ("launch", ("request", "timestamp"), "yesterday-ish"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(STRICT_CASES))
def test_the_serializer_refuses_values_of_the_wrong_type(case: str) -> None:
    name, path, value = STRICT_CASES[case]
    envelope = load_fixture(name)
    node = envelope
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(SerializationException):
        CheckedSerializer().deserialize_object(envelope, RequestEnvelope)


def test_unknown_keys_are_kept_as_ask_sdk_keeps_them() -> None:
    envelope = load_fixture("launch")
    envelope["request"]["extra"] = "kept"
    envelope["context"]["SomeNewInterface"] = {"new": [1, 2]}
    request = CheckedSerializer().deserialize_object(envelope, RequestEnvelope)
    assert request.request.object_type == "LaunchRequest" and request.request.extra == "kept"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_passes_the_check_and_reads_as_ask_sdk_reads_it(path: Path) -> None:
    payload = path.read_text()
    expected = DefaultSerializer().deserialize(payload, RequestEnvelope)
    assert CheckedSerializer().deserialize(payload, RequestEnvelope) == expected
    assert CheckedSerializer().deserialize_object(json.loads(payload), RequestEnvelope) == expected


def test_a_real_moment_in_another_offset_is_accepted() -> None:
    envelope = (FIXTURES / "launch.json").read_text().replace("2026-11-25T09:30:00Z", "2026-11-25T10:30:00+01:00")
    checked = CheckedSerializer().deserialize(envelope, RequestEnvelope)
    assert checked.request.timestamp == dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "resolutions",
    [[None], [{"status": None}], [{"status": {"code": "ER_SUCCESS_MATCH"}, "values": [None]}],
     [{"status": {"code": "ER_SUCCESS_MATCH"}, "values": [{"value": None}]}],
     [{"status": {"code": "ER_SUCCESS_MATCH"}, "values": [{"value": {"id": None}}]}]],
)  # fmt: skip
def test_null_resolution_parts_are_no_match(skill: Any, resolutions: list[Any]) -> None:
    envelope = load_fixture("start_practice_unknown_practice")
    envelope["request"]["intent"]["slots"]["practice"]["resolutions"] = {"resolutionsPerAuthority": resolutions}
    reply = invoke(skill, json.loads(json.dumps(envelope)))
    assert "went wrong" not in text(reply) and "practice" in text(reply)


def test_a_minutes_slot_of_infinity_is_not_kept(skill: Any) -> None:
    envelope = load_fixture("start_practice_no_slots")
    envelope["request"]["intent"]["slots"] = {"minutes": {"name": "minutes", "value": "1e400"}}
    reply = invoke(skill, envelope)
    assert "Infinity" not in json.dumps(reply) and "went wrong" not in text(reply)
