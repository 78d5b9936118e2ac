"""Every intent, through real Alexa request envelopes deserialized by ask-sdk and skill.invoke."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from skill.envelopes import speech_of
from skill.persistence import SQLitePersistenceAdapter
from skill.ssml import MAX_BREAK_SECONDS

from ..conftest import FIXTURES, FixtureDevice, breaks_seconds, load_fixture, text

ALL_FIXTURES = sorted(p.stem for p in FIXTURES.glob("*.json"))


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_request_gets_a_well_formed_response(device: FixtureDevice, name: str) -> None:
    response = device.send(name)
    assert response["version"] == "1.0"
    speech = speech_of(response)
    if name.startswith("session_ended") or "session" not in load_fixture(name):
        # Session ends and device events (AudioPlayer, PlaybackController) must not speak.
        assert speech == ""
        return
    assert speech.startswith("<speak>") and speech.endswith("</speak>")
    assert len(speech) < 8000
    assert all(0 < b <= MAX_BREAK_SECONDS for b in breaks_seconds(response))
    assert "error" not in text(response).lower() or name == "session_ended_error"


def test_launch_welcomes_new_then_returning_user(device: FixtureDevice) -> None:
    first = device.send("launch")
    assert "Welcome to KindWell" in text(first)
    assert first["response"]["shouldEndSession"] is False
    device.next_day()
    second = device.send("launch")
    assert "Welcome to KindWell" not in text(second)
    assert any(word in text(second) for word in ("Welcome back", "good to hear"))


def test_help_says_what_to_say_and_that_it_is_not_professional_care(device: FixtureDevice) -> None:
    spoken = text(device.send("amazon_help"))
    assert "soothing breath" in spoken
    assert "not therapy" in spoken and "professional care" in spoken


def test_list_practices_names_all_eight_in_plain_words(device: FixtureDevice) -> None:
    spoken = text(device.send("list_practices"))
    for title in (
        "mindful pause",
        "kindness break",
        "kinder voice practice",
        "you're not alone practice",
        "kindness to others practice",
        "soothing breath",
        "loving kindness",
        "wind-down",
    ):
        assert title in spoken


def test_stop_and_cancel_end_the_session_kindly(device: FixtureDevice) -> None:
    for name in ("amazon_stop", "amazon_cancel"):
        response = device.send(name)
        assert response["response"]["shouldEndSession"] is True
        assert "goodbye" in text(response).lower()


def test_fallback_and_unsupported_keep_the_session_open(device: FixtureDevice) -> None:
    for name in ("amazon_fallback", "amazon_loop_on", "amazon_shuffle_on", "amazon_previous"):
        response = device.send(name)
        assert response["response"]["shouldEndSession"] is False
        assert text(response)


def test_navigate_home_offers_the_main_choices(device: FixtureDevice) -> None:
    device.send("start_practice_breath_10")
    response = device.send("amazon_navigate_home")
    assert "playing" not in response["sessionAttributes"]
    assert "practice" in text(response).lower()


def test_yes_and_no_with_nothing_offered(device: FixtureDevice) -> None:
    assert device.send("amazon_yes")["response"]["shouldEndSession"] is False
    assert device.send("amazon_no")["response"]["shouldEndSession"] is True


def test_session_ended_saves_nothing_new_and_says_nothing(device: FixtureDevice, db_path: Path) -> None:
    response = device.send("session_ended")
    assert response["response"].get("outputSpeech") is None


def test_check_in_without_a_feeling_elicits_it_as_free_text(device: FixtureDevice) -> None:
    response = device.send("checkin_no_feeling")
    directives = response["response"]["directives"]
    assert directives[0]["type"] == "Dialog.ElicitSlot"
    assert directives[0]["slotToElicit"] == "feeling"
    assert directives[0]["updatedIntent"]["name"] == "CheckInIntent"
    assert "How are you feeling" in text(response)


@pytest.mark.parametrize(
    ("feeling", "expected_title"),
    [
        ("really anxious about tomorrow", "soothing breath"),
        ("like such a failure", "kinder voice"),
        ("so lonely since the move", "you're not alone"),
        ("flat and stuck", "kindness to others"),
        ("wide awake and can't switch off", "wind-down"),
        ("pretty good actually", "mindful pause"),
    ],
)
def test_check_in_answers_each_system_with_its_practice(
    device: FixtureDevice, feeling: str, expected_title: str
) -> None:
    response = device.send("checkin_anxious", slots={"feeling": feeling})
    assert expected_title in text(response)
    assert response["sessionAttributes"]["awaiting"] == "practice_offer"


def test_unknown_practice_is_asked_about_not_guessed(device: FixtureDevice) -> None:
    response = device.send("start_practice_unknown_practice")
    assert "Which practice" in text(response)
    assert response["sessionAttributes"]["awaiting"] == "practice"


def test_progress_with_no_history(device: FixtureDevice) -> None:
    assert "haven't finished a practice yet" in text(device.send("progress"))


def test_persistent_store_holds_no_free_text_and_no_raw_user_id(device: FixtureDevice, db_path: Path) -> None:
    device.send("launch")
    device.send("checkin_anxious", slots={"feeling": "ashamed of the argument with my sister"})
    device.send("amazon_yes")
    device.send("affirmation")
    raw = db_path.read_bytes() + b"".join(p.read_bytes() for p in db_path.parent.glob("*-wal"))
    for secret in (b"ashamed", b"sister", b"argument", device.user_id.encode()):
        assert secret not in raw
    with sqlite3.connect(db_path) as connection:
        stored: Any = connection.execute("SELECT attributes FROM attributes").fetchall()
    assert len(stored) == 1
    assert set(__import__("json").loads(stored[0][0])) <= {
        "visits",
        "position",
        "heard",
        "days",
        "completed",
        "by_practice",
    }


class BrokenAdapter(SQLitePersistenceAdapter):
    """A persistence adapter whose storage fails, as a full disk or a lost database would."""

    def get_attributes(self, request_envelope: Any) -> dict[str, Any]:
        raise sqlite3.OperationalError("disk I/O error")

    def update(self, request_envelope: Any, updater: Any) -> dict[str, Any]:
        raise sqlite3.OperationalError("disk I/O error")


def test_an_internal_failure_gets_a_kind_reply_and_logs_no_user_words(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from skill.app import build_skill

    caplog.set_level(logging.DEBUG)
    device = FixtureDevice(build_skill(BrokenAdapter(db_path)))
    device.send("checkin_anxious", slots={"feeling": "worried about my brother's surgery"})
    response = device.send("amazon_yes")  # starting the offered practice needs the store
    spoken = text(response)
    assert "something went wrong on my side" in spoken
    assert response["response"]["shouldEndSession"] is False
    assert "surgery" not in caplog.text and "brother" not in caplog.text
    assert "Error handling IntentRequest:AMAZON.YesIntent" in caplog.text


def test_nlu_survives_undecodable_input() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "nlu", "--templates-only"],
        input=b"\xff\xfe stop\nhelp\n",
        capture_output=True,
    )
    assert result.returncode == 0
    assert b"Traceback" not in result.stderr
    assert result.stdout.decode().count("\n") == 2


def test_export_to_an_unwritable_place_is_one_clear_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "export-model", str(blocker / "pkg")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.startswith("kindwell: cannot use") and result.stderr.count("\n") == 1
