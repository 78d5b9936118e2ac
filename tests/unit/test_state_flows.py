"""Malformed state end to end: each case the fuzz run found, posted to the real Flask endpoint.

Every one must get a 200 with a kind reply (or, for device events, a silent one), leave the state
reset, log exactly one warning naming the fields (never their values), and log no traceback.
"""

from __future__ import annotations

import json
import logging
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_model import RequestEnvelope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.app import build_skill
from skill.content import default_content
from skill.persistence import SQLitePersistenceAdapter
from skill.serializer import CheckedSerializer
from skill.settings import EndpointSettings
from skill.ssml import to_plain_text
from skill.web import create_app

from ..conftest import load_fixture
from ..unit.test_state import SESSION_KEYS, USER_KEYS, _json, _shaped

HUGE = "__1e400__"  # replaced by a bare 1e400 in the body, which JSON readers turn into infinity


@dataclass
class Endpoint:
    """The Flask app over a real SQLite file, without signature checks (bodies here are not signed)."""

    client: Any
    db_path: Path

    def post(self, envelope: dict[str, Any]) -> Any:
        body = json.dumps(envelope).replace(f'"{HUGE}"', "1e400")
        return self.client.post("/alexa", data=body, content_type="application/json")

    def stored(self) -> dict[str, Any] | None:
        with sqlite3.connect(self.db_path) as connection:
            row = connection.execute("SELECT attributes FROM attributes").fetchone()
        return json.loads(row[0]) if row else None

    def store(self, attributes: dict[str, Any]) -> None:
        """Write a user's stored attributes as they are, valid or not (the fixtures' user)."""
        request = CheckedSerializer().deserialize_object(load_fixture("launch"), RequestEnvelope)
        SQLitePersistenceAdapter(self.db_path).save_attributes(request, attributes)


def _endpoint(db_path: Path) -> Endpoint:
    skill = build_skill(SQLitePersistenceAdapter(db_path), rng=random.Random(5))
    app = create_app(EndpointSettings(verify=False), skill=skill, verifier=None)
    return Endpoint(app.test_client(), db_path)


@pytest.fixture()
def endpoint(tmp_path: Path) -> Endpoint:
    return _endpoint(tmp_path / "state.sqlite3")


def envelope(name: str, attributes: dict[str, Any] | None = None, **request_fields: Any) -> dict[str, Any]:
    data = load_fixture(name)
    if attributes is not None:
        data["session"]["attributes"] = attributes
    data["request"].update(request_fields)
    return data


def _without_user(data: dict[str, Any]) -> dict[str, Any]:
    del data["context"]["System"]["user"], data["session"]["user"]
    return data


def _null_resolution(data: dict[str, Any]) -> dict[str, Any]:
    authority = data["request"]["intent"]["slots"]["practice"]["resolutions"]["resolutionsPerAuthority"][0]
    authority["values"] = [{"value": None}, None]
    return data


def _player_offset_object(data: dict[str, Any]) -> dict[str, Any]:
    data["context"]["AudioPlayer"]["offsetInMilliseconds"] = {"ms": 65_000}
    return data


def _no_minutes(data: dict[str, Any]) -> dict[str, Any]:
    del data["request"]["intent"]["slots"]["minutes"]["value"]
    return data


def _kind(data: dict[str, Any]) -> str:
    request = data["request"]
    return f"IntentRequest:{request['intent']['name']}" if request["type"] == "IntentRequest" else request["type"]


def _speech(reply: Any) -> str:
    return to_plain_text((reply.get_json()["response"].get("outputSpeech") or {}).get("ssml", ""))


@dataclass(frozen=True)
class Case:
    """One malformed request, the fields it should reset, and what the reply and state look like after."""

    envelope: dict[str, Any]
    fields: str
    says: str | None
    """Words the reply speaks; None for device events, which must stay silent."""
    stored_before: dict[str, Any] | None = None
    session_after: Callable[[dict[str, Any]], bool] = lambda attributes: True
    stored_after: Callable[[dict[str, Any] | None], bool] = lambda stored: True
    extra: dict[str, Any] = field(default_factory=dict)


PLAYING = {"practice": "soothing_breath", "minutes": 10, "segment": 1}
CASES = {
    "segment beyond any practice": Case(
        envelope("amazon_next", {"awaiting": "segment", "playing": {**PLAYING, "segment": 10**12}}),
        "session.playing.segment",
        "no practice running",
        session_after=lambda attributes: "playing" not in attributes,
    ),
    "unknown practice in an offer": Case(
        envelope("amazon_yes", {"awaiting": "practice_offer", "offer": {"practice": "no_such_practice", "minutes": 5}}),
        "session.offer.practice",
        "not sure I caught that",
        session_after=lambda attributes: "offer" not in attributes,
    ),
    "unknown practice in play": Case(
        envelope("amazon_repeat", {"playing": {**PLAYING, "practice": "retired"}}),
        "session.playing.practice",
        "nothing to repeat",
        session_after=lambda attributes: "playing" not in attributes,
    ),
    "minutes not offered": Case(
        envelope("amazon_next", {"playing": {**PLAYING, "minutes": 7}}),
        "session.playing.minutes",
        "no practice running",
        session_after=lambda attributes: "playing" not in attributes,
    ),
    "playing not an object": Case(
        envelope("amazon_stop", {"playing": "soothing_breath"}),
        "session.playing",
        "Goodbye",
    ),
    "pending not an object": Case(
        envelope("start_practice_no_slots", {"awaiting": "practice", "pending": [5]}),
        "session.pending",
        "Which practice",
        session_after=lambda attributes: "pending" not in attributes,
    ),
    'pending minutes "x"': Case(
        _no_minutes(envelope("start_practice_breath_10", {"awaiting": "length", "pending": {"minutes": "x"}})),
        "session.pending.minutes",
        "three, five or ten minutes",
        session_after=lambda attributes: attributes["pending"] == {"practice": "soothing_breath"},
    ),
    "awaiting an unknown state": Case(
        envelope("amazon_yes", {"awaiting": "practise_offer"}),
        "session.awaiting",
        "not sure I caught that",
        session_after=lambda attributes: "awaiting" not in attributes,
    ),
    "care tier unreadable": Case(
        envelope("amazon_yes", {"awaiting": "care_followup", "care": "panic"}),
        "session.care",
        "Let's breathe together",
        session_after=lambda attributes: attributes["care"] == "crisis" and attributes["awaiting"] == "care_open",
    ),
    "token with a superscript digit": Case(
        envelope("audioplayer_playback_stopped", token="kindwell:soothing_breath:²:KEY"),
        "request.token",
        None,
        stored_after=lambda stored: stored is None,
    ),
    "token with a 5,000-digit length": Case(
        envelope("audioplayer_playback_started", token="kindwell:soothing_breath:" + "9" * 5000 + ":KEY"),
        "request.token",
        None,
        stored_after=lambda stored: stored is None,
    ),
    "timestamp at +25:00": Case(
        envelope("progress", timestamp="2026-11-25T09:30:00+25:00"),
        "request.timestamp",
        "haven't finished a practice yet",
    ),
    "timestamp in year 1": Case(
        envelope("progress", timestamp="0001-01-01T00:00:00-01:00"),
        "request.timestamp",
        "haven't finished a practice yet",
    ),
    "null entity-resolution values": Case(
        _null_resolution(envelope("start_practice_breath_10")),
        "slots.practice.resolutions",
        "Which practice",
    ),
    "no context.System.user": Case(
        _without_user(envelope("launch")),
        "context.System.user",
        "Welcome to KindWell",
        stored_after=lambda stored: stored is None,
    ),
    "malformed stored progress": Case(
        envelope("launch"),
        "user.visits, user.days, user.position.segment, user.audio.token, user.unknown",
        "Welcome",
        stored_before={
            "visits": True,
            "days": ["2026-11-24", "0001-01-01", "2026-02-30"],
            "position": {**PLAYING, "segment": 1e308 * 10},
            "audio": {"token": "kindwell:soothing_breath:²:KEY", "offset": 5},
            "what they said": "never stored, never logged",
        },
        stored_after=lambda stored: stored == {"visits": 1, "days": ["2026-11-24"]},
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_malformed_state_is_reset_with_one_warning_and_a_kind_reply(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    case = CASES[name]
    if case.stored_before is not None:
        endpoint.store(case.stored_before)
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    reply = endpoint.post(case.envelope)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    answer = reply.get_json()
    if case.says is None:
        assert "outputSpeech" not in answer["response"]
    else:
        assert case.says in _speech(reply)
        assert "went wrong" not in _speech(reply)
        assert case.session_after(answer["sessionAttributes"])
    assert case.stored_after(endpoint.stored())
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    expected = f"Reset malformed state ({case.fields}) during {_kind(case.envelope)}."
    assert [r.getMessage() for r in warnings] == [expected]
    assert all(r.exc_info is None for r in caplog.records) and "Traceback" not in caplog.text
    assert "never logged" not in caplog.text and "what they said" not in caplog.text


def test_state_after_a_reset_carries_the_conversation_on(endpoint: Endpoint) -> None:
    first = endpoint.post(envelope("amazon_next", {"awaiting": "segment", "playing": {**PLAYING, "segment": -1}}))
    attributes = first.get_json()["sessionAttributes"]
    started = endpoint.post(envelope("start_practice_breath_10", attributes))
    assert "Let's begin the soothing breath, 10 minutes" in _speech(started)
    playing = dict(started.get_json()["sessionAttributes"]["playing"])
    # The variant is the one this listener hears today (tests/integration/test_variety.py): any of the practice's.
    assert playing.pop("variant") in range(default_content().practice("soothing_breath").variant_count(10))
    assert playing == {**PLAYING, "segment": 0}


@pytest.mark.parametrize(
    "bad",
    [
        envelope("amazon_next", [1, 2]),  # type: ignore[arg-type]
        envelope("amazon_next", {"awaiting": "segment", "playing": {**PLAYING, "segment": HUGE}}),
        envelope("progress", timestamp="half past nine"),
        envelope("progress", timestamp=20261125),
        envelope("audioplayer_playback_stopped", offsetInMilliseconds={"ms": 65_000}),
        _player_offset_object(envelope("playbackcontroller_pause")),
    ],
    ids=[
        "session attributes not an object",
        "segment 1e400",
        "timestamp not a time",
        "timestamp a number",
        "event offset an object",
        "player offset an object",
    ],
)
def test_what_ask_sdk_cannot_read_gets_a_400_with_one_line_not_a_traceback(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, bad: dict[str, Any]
) -> None:
    # JSON of the wrong shape for ask-sdk's model is refused before any handler runs (skill/serializer.py):
    # the endpoint answers 400 in one sentence.
    caplog.clear()
    reply = endpoint.post(bad)
    assert reply.status_code == 400 and reply.get_json()["error"]
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    assert all(r.exc_info is None for r in caplog.records) and "Traceback" not in caplog.text


_INTENTS = ["amazon_next", "amazon_yes", "amazon_no", "amazon_repeat", "amazon_resume", "amazon_stop",
            "amazon_fallback", "amazon_pause", "amazon_start_over", "launch", "progress", "affirmation",
            "start_practice_minutes_only", "audioplayer_playback_finished", "playbackcontroller_play"]  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Endpoint:
    return _endpoint(tmp_path_factory.mktemp("state-fuzz") / "state.sqlite3")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(_INTENTS), session=_shaped(SESSION_KEYS), stored=_json | _shaped(USER_KEYS))
def test_any_session_and_stored_state_gets_an_answer_never_an_error(
    fuzz_endpoint: Endpoint, caplog: pytest.LogCaptureFixture, name: str, session: Any, stored: Any
) -> None:
    data = load_fixture(name)
    if "session" in data:
        data["session"]["attributes"] = session
    fuzz_endpoint.store(stored if isinstance(stored, dict) else {"stored": stored})
    caplog.clear()
    reply = fuzz_endpoint.post(data)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        # NaN or a number beyond a float in the body: the endpoint's JSON reader refuses the body (a 400
        # in one line, tests/integration/test_web_fuzz.py); session state that JSON can carry is the typed state's.
        assert reply.status_code == 400, reply.get_data(as_text=True)
        return
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) <= 1


@pytest.mark.parametrize(
    "resolutions",
    [[None], [{"status": None}], [{"status": {"code": "ER_SUCCESS_MATCH"}, "values": [None]}],
     [{"status": {"code": "ER_SUCCESS_MATCH"}, "values": [{"value": None}]}],
     [{"status": {"code": "ER_SUCCESS_MATCH"}, "values": [{"value": {"id": None}}]}]],
)  # fmt: skip
def test_null_resolution_parts_are_no_match(endpoint: Endpoint, resolutions: list[Any]) -> None:
    data = envelope("start_practice_unknown_practice")
    data["request"]["intent"]["slots"]["practice"]["resolutions"] = {"resolutionsPerAuthority": resolutions}
    reply = endpoint.post(data)
    assert reply.status_code == 200 and "went wrong" not in _speech(reply) and "practice" in _speech(reply)


def test_a_minutes_slot_of_infinity_is_not_kept(endpoint: Endpoint) -> None:
    data = envelope("start_practice_no_slots")
    data["request"]["intent"]["slots"] = {"minutes": {"name": "minutes", "value": "1e400"}}
    reply = endpoint.post(data)
    assert reply.status_code == 200 and "went wrong" not in _speech(reply)
    assert "Infinity" not in reply.get_data(as_text=True) and "pending" not in reply.get_json()["sessionAttributes"]
