"""Issue 9: malformed bodies over a real HTTP server never get a 5xx and never leave a traceback in the log.

The endpoint runs behind Werkzeug's threaded server on a loopback socket, as `kindwell serve` runs it,
and every log record any logger writes while a request is served is captured. Bodies come from
tests/fuzz_bodies.py: real request fixtures broken in the ways the issue lists. Seeded and bounded,
so a run is the same every time and takes well under a minute.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings

from skill.app import build_skill
from skill.persistence import SQLitePersistenceAdapter
from skill.settings import EndpointSettings
from skill.web import create_app
from skill.web.verify import RequestVerifier
from testkit.alexa_pki import TEST_SKILL_ID, FakeAmazonCertServer, signing_identity, trust_store

from ..fuzz_bodies import malformed_bodies
from ..web_support import LiveServer, live_server

FIXTURE_TIME = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
IDENTITY = signing_identity()
FUZZ = settings(
    max_examples=1200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


class LogCapture(logging.Handler):
    """Every record any logger emits, formatted as a log file would show it (tracebacks included)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        with self._guard:
            self.lines.append(text)

    def take(self) -> list[str]:
        with self._guard:
            lines, self.lines = self.lines, []
        return lines


@pytest.fixture(scope="module")
def log() -> Iterator[LogCapture]:
    capture = LogCapture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(previous)


def _serve(tmp: Path, verified: bool) -> Any:
    skill = build_skill(SQLitePersistenceAdapter(tmp / "fuzz.sqlite3"), rng=random.Random(9))
    if not verified:
        return create_app(EndpointSettings(verify=False), skill=skill)
    amazon = FakeAmazonCertServer()
    amazon.publish(IDENTITY)
    verifier = RequestVerifier(TEST_SKILL_ID, trust_store=trust_store(), fetcher=amazon, clock=lambda: FIXTURE_TIME)
    return create_app(EndpointSettings(skill_id=TEST_SKILL_ID), skill=skill, verifier=verifier)


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory, log: LogCapture) -> Iterator[LiveServer]:
    with live_server(_serve(tmp_path_factory.mktemp("open"), verified=False)) as server:
        log.take()
        yield server


@pytest.fixture(scope="module")
def verified_server(tmp_path_factory: pytest.TempPathFactory, log: LogCapture) -> Iterator[LiveServer]:
    with live_server(_serve(tmp_path_factory.mktemp("verified"), verified=True)) as server:
        log.take()
        yield server


def check_reply(server: LiveServer, log: LogCapture, body: bytes, headers: dict[str, str]) -> None:
    """One request: a 2xx or 4xx, a JSON body, and not one traceback logged while it was served."""
    log.take()
    reply = server.post(body, headers)
    lines = log.take()
    assert reply.status < 500, (reply.status, reply.body[:300])
    assert not [line for line in lines if "Traceback" in line], "\n".join(lines)
    answer = reply.json()
    if reply.status == 200:
        assert answer["version"] == "1.0"
    else:
        assert 400 <= reply.status < 500
        error = answer["error"]
        assert "\n" not in error and error.endswith(".") and len(error) < 200


@seed(20261201)
@FUZZ
@given(body=malformed_bodies)
def test_malformed_bodies_to_the_open_endpoint(open_server: LiveServer, log: LogCapture, body: bytes) -> None:
    check_reply(open_server, log, body, {"Content-Type": "application/json"})


@seed(20261202)
@settings(FUZZ, max_examples=300)
@given(body=malformed_bodies)
def test_malformed_signed_bodies_to_the_verifying_endpoint(
    verified_server: LiveServer, log: LogCapture, body: bytes
) -> None:
    # Validly signed, so each body gets past the signature to parsing, the timestamp and the skill.
    check_reply(verified_server, log, body, IDENTITY.headers(body))


def test_a_reset_is_one_log_line_and_the_turn_goes_on(open_server: LiveServer, log: LogCapture) -> None:
    from ..conftest import load_fixture

    envelope = load_fixture("amazon_next")
    envelope["session"]["attributes"] = {
        "playing": {"practice": "mindfulness", "minutes": 5, "segment": "x"},
        "pending": {"minutes": "x"},
        "offer": "soon",
    }
    log.take()
    reply = open_server.post(json.dumps(envelope).encode(), {"Content-Type": "application/json"})
    lines = [line for line in log.take() if "kindwell" in line]
    assert reply.status == 200 and reply.json()["response"]["outputSpeech"]
    assert lines == [
        "WARNING kindwell.state: Reset malformed state (session.offer, session.pending.minutes, "
        "session.playing.segment) during IntentRequest:AMAZON.NextIntent."
    ]
