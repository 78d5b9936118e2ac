"""Request envelopes: JSON whose shape cannot be ask-sdk's model is refused (400) before any handler;
well-shaped JSON is read exactly as ask-sdk's own DefaultSerializer reads it. Whether a well-shaped value
makes sense (a time in year 1, at +25:00) is the typed state's judgement (tests/unit/test_state_request.py)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.serializer import CheckedSerializer

from ..conftest import FIXTURES, load_fixture


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_passes_the_check_and_reads_as_ask_sdk_reads_it(path: Path) -> None:
    payload = path.read_text()
    expected = DefaultSerializer().deserialize(payload, RequestEnvelope)
    assert CheckedSerializer().deserialize(payload, RequestEnvelope) == expected
    assert CheckedSerializer().deserialize_object(json.loads(payload), RequestEnvelope) == expected


def test_a_real_moment_in_another_offset_is_accepted() -> None:
    envelope = (FIXTURES / "launch.json").read_text().replace("2026-11-25T09:30:00Z", "2026-11-25T10:30:00+01:00")
    checked = CheckedSerializer().deserialize(envelope, RequestEnvelope)
    assert checked.request.timestamp == DefaultSerializer().deserialize(envelope, RequestEnvelope).request.timestamp
    assert checked.request.timestamp == dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)


def test_the_serializer_fails_like_ask_sdk_on_nonsense() -> None:
    bad = load_fixture("launch")
    bad["request"]["timestamp"] = "yesterday-ish"
    with pytest.raises(SerializationException):
        DefaultSerializer().deserialize(json.dumps(bad), RequestEnvelope)
    with pytest.raises(SerializationException):
        CheckedSerializer().deserialize_object(bad, RequestEnvelope)


# JSON whose shape cannot be ask-sdk's model: ask-sdk would hand a handler the wrong JSON type, a number
# that overflows later, a string read as a list of characters, or a key that replaces one of its own.
SHAPE_CASES = {
    "offset as an object": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), {"a": 1}),
    "offset as a list": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), [1]),
    "offset beyond 64 bits": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), 2**70),
    "offset infinite": ("audioplayer_playback_started", ("request", "offsetInMilliseconds"), math.inf),
    "slots as a string": ("start_practice_breath_10", ("request", "intent", "slots"), "practice"),
    "resolutions as a number": ("start_practice_breath_10", ("request", "intent", "slots", "practice", "resolutions"),
                                5),
    "timestamp as an object": ("launch", ("request", "timestamp"), {"a": 1}),
    "context as a list": ("launch", ("context", "System"), [1]),
    "a list as a string": ("start_practice_breath_10", ("request", "intent", "slots", "practice", "resolutions",
                           "resolutionsPerAuthority"), "abc"),
    "a key named like a model attribute": ("launch", ("request", "object_type"), {"not": "a type"}),
    "a key named like a model method": ("launch", ("request", "to_dict"), 5),
    "a request type that names no request": ("launch", ("request", "type"), {"a": 1}),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(SHAPE_CASES))
def test_the_serializer_refuses_values_of_the_wrong_shape(case: str) -> None:
    name, path, value = SHAPE_CASES[case]
    envelope = load_fixture(name)
    node = envelope
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(SerializationException):
        CheckedSerializer().deserialize_object(envelope, RequestEnvelope)


@pytest.mark.parametrize("stamp", ["2026-11-25T09:30:00+25:00", "0001-01-01T00:00:00-01:00", "0001-01-01T00:00:00Z"])
def test_well_shaped_absurd_times_are_read_for_the_typed_state_to_judge(stamp: str) -> None:
    envelope = load_fixture("launch")
    envelope["request"]["timestamp"] = stamp
    request = CheckedSerializer().deserialize_object(envelope, RequestEnvelope).request
    assert isinstance(request.timestamp, dt.datetime)


def test_unknown_keys_are_kept_as_ask_sdk_keeps_them() -> None:
    envelope = load_fixture("launch")
    envelope["request"]["extra"] = "kept"
    envelope["context"]["SomeNewInterface"] = {"new": [1, 2]}
    request = CheckedSerializer().deserialize_object(envelope, RequestEnvelope).request
    assert request.object_type == "LaunchRequest" and request.extra == "kept"
