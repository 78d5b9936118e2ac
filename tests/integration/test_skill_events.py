"""Skill events: disabling KindWell deletes what it kept, through the skill and over signed HTTP."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skill.envelopes import invoke
from skill.settings import EndpointSettings
from skill.web import create_app
from skill.web.verify import RequestVerifier
from testkit.alexa_pki import TEST_SKILL_ID, FakeAmazonCertServer, signing_identity, trust_store

from ..conftest import FixtureDevice, load_fixture
from ..web_support import LiveServer, live_server


def rows(db_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute("SELECT id, attributes FROM attributes").fetchall()


def _practise(device: FixtureDevice) -> None:
    device.send("launch")
    device.send("affirmation")
    device.send("start_practice_breath_10")
    device.send("amazon_pause")


def test_disabling_the_skill_deletes_that_persons_record_only(skill: Any, db_path: Path) -> None:
    leaving = FixtureDevice(skill, user_id="amzn1.ask.account.LEAVING")
    staying = FixtureDevice(skill, user_id="amzn1.ask.account.STAYING")
    _practise(leaving)
    _practise(staying)
    assert len(rows(db_path)) == 2
    response = leaving.send("skill_disabled")
    assert "outputSpeech" not in response["response"]  # an event outside any conversation says nothing
    remaining = rows(db_path)
    assert len(remaining) == 1
    assert json.loads(remaining[0][1])["visits"] == 1
    # Enabling KindWell again starts afresh: a first visit's welcome, no saved place.
    leaving.session_id = None
    assert "partway through" not in json.dumps(leaving.send("launch"))
    assert json.loads(next(r for r in rows(db_path) if r[0] != remaining[0][0])[1]) == {"visits": 1}


def test_disabling_with_nothing_stored_is_fine(device: FixtureDevice, db_path: Path) -> None:
    response = device.send("skill_disabled")
    assert response["response"].get("outputSpeech") is None
    assert rows(db_path) == []


def test_an_event_without_a_user_deletes_nothing_and_logs_one_reset(
    skill: Any, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    staying = FixtureDevice(skill, user_id="amzn1.ask.account.STAYING")
    _practise(staying)
    event = load_fixture("skill_disabled")
    del event["context"]["System"]["user"]
    with caplog.at_level(logging.INFO):
        response = invoke(skill, event)
    assert response["response"].get("outputSpeech") is None
    assert len(rows(db_path)) == 1
    messages = [r.getMessage() for r in caplog.records if r.name.startswith(("kindwell", "skill"))]
    assert messages == []  # read at the edge as having no user: nothing to delete, nothing reset
    assert not any(record.exc_info for record in caplog.records)


class SignedSender:
    """Posts envelopes signed as Alexa signs them to the endpoint on loopback, at a chosen age."""

    def __init__(self, server: LiveServer, clock: list[dt.datetime]) -> None:
        self.server = server
        self.clock = clock
        self.identity = signing_identity()

    def post(self, envelope: dict[str, Any]) -> int:
        body = json.dumps(envelope).encode()
        return self.server.post(body, self.identity.headers(body)).status


@pytest.fixture()
def signed(skill: Any) -> Iterator[tuple[SignedSender, FixtureDevice]]:
    device = FixtureDevice(skill)
    now = [device.now]
    amazon = FakeAmazonCertServer()
    verifier = RequestVerifier(TEST_SKILL_ID, trust_store=trust_store(), fetcher=amazon, clock=lambda: now[0])
    app = create_app(EndpointSettings(skill_id=TEST_SKILL_ID), skill=skill, verifier=verifier)
    with live_server(app) as server:
        sender = SignedSender(server, now)
        amazon.publish(sender.identity)
        yield sender, device


def test_a_skill_event_may_arrive_up_to_an_hour_late(signed: tuple[SignedSender, FixtureDevice], db_path: Path) -> None:
    sender, device = signed
    assert sender.post(device.envelope("launch")) == 200
    assert len(rows(db_path)) == 1
    sender.clock[0] = device.now + dt.timedelta(minutes=40)
    # An ordinary request 40 minutes old is refused; a skill event that old is delivered as Amazon may.
    assert sender.post(device.envelope("affirmation")) == 400
    assert sender.post(device.envelope("skill_disabled")) == 200
    assert rows(db_path) == []


def test_a_skill_event_older_than_an_hour_is_refused(signed: tuple[SignedSender, FixtureDevice], db_path: Path) -> None:
    sender, device = signed
    assert sender.post(device.envelope("launch")) == 200
    sender.clock[0] = device.now + dt.timedelta(minutes=61)
    assert sender.post(device.envelope("skill_disabled")) == 400
    assert len(rows(db_path)) == 1
