"""The Flask endpoint behind a real HTTP server on loopback: verification, bad input, logs, concurrency."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.app import build_skill
from skill.persistence import SQLitePersistenceAdapter
from skill.settings import EndpointSettings
from skill.web import create_app
from skill.web.verify import RequestVerifier
from testkit.alexa_pki import (
    TEST_SKILL_ID,
    FakeAmazonCertServer,
    SigningIdentity,
    signed,
    signing_identity,
    trust_store,
)

from ..conftest import load_fixture
from ..web_support import LiveServer, live_server

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
GOOD = signing_identity()
SECRET = "I feel worthless and alone"  # stands for anything a user might say; must never reach a log


def envelope(name: str = "launch", **request_fields: Any) -> dict[str, Any]:
    data = load_fixture(name)
    data["request"].update(request_fields)
    return data


def make_app(tmp_path: Path, *identities: SigningIdentity, max_body: int = 128 * 1024) -> Flask:
    amazon = FakeAmazonCertServer()
    for identity in identities or (GOOD,):
        amazon.publish(identity)
    verifier = RequestVerifier(TEST_SKILL_ID, trust_store=trust_store(), fetcher=amazon, clock=lambda: NOW)
    skill = build_skill(SQLitePersistenceAdapter(tmp_path / "web.sqlite3"), rng=random.Random(3))
    return create_app(EndpointSettings(skill_id=TEST_SKILL_ID, max_body_bytes=max_body), skill=skill, verifier=verifier)


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(make_app(tmp_path)) as running:
        yield running


def test_a_signed_request_is_answered_over_http(server: LiveServer) -> None:
    reply = server.post(*signed(envelope(), GOOD))
    assert reply.status == 200 and reply.content_type == "application/json"
    answer = reply.json()
    assert answer["version"] == "1.0" and "Welcome to KindWell" in answer["response"]["outputSpeech"]["ssml"]


def test_health_check(server: LiveServer) -> None:
    reply = server.request("GET", "/healthz")
    assert (reply.status, reply.json()) == (200, {"status": "ok", "verify": True, "persistence": "sqlite"})


def _drop(*names: str) -> Callable[[dict[str, str]], None]:
    def change(headers: dict[str, str]) -> None:
        for name in names:
            headers.pop(name)

    return change


def _sha1_only(headers: dict[str, str]) -> None:
    headers["Signature"] = headers.pop("Signature-256")


def _url(url: str) -> Callable[[dict[str, str]], None]:
    return lambda headers: headers.__setitem__("SignatureCertChainUrl", url)


HEADER_REJECTIONS: dict[str, tuple[Callable[[dict[str, str]], None], str]] = {
    "unsigned": (_drop("Signature-256", "SignatureCertChainUrl"), "no SignatureCertChainUrl"),
    "no signature": (_drop("Signature-256"), "no Signature-256"),
    "old SHA-1 Signature only": (_sha1_only, "only the SHA-1 Signature"),
    "http url": (_url("http://s3.amazonaws.com/echo.api/echo-api-cert-kindwell-test.pem"), "not https"),
    "other host": (_url("https://notamazon.com/echo.api/echo-api-cert-kindwell-test.pem"), "host"),
    "path case": (_url("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-kindwell-test.pem"), "path"),
    "other path": (_url("https://s3.amazonaws.com/invalid.path/echo-api-cert-kindwell-test.pem"), "path"),
    "dot segments out": (_url("https://s3.amazonaws.com/echo.api/../other/echo-api-cert-kindwell-test.pem"), "path"),
    "port 563": (_url("https://s3.amazonaws.com:563/echo.api/echo-api-cert-kindwell-test.pem"), "port"),
    "unknown chain": (_url("https://s3.amazonaws.com/echo.api/missing.pem"), "could not be downloaded"),
}


@pytest.mark.parametrize("case", sorted(HEADER_REJECTIONS))
def test_bad_signature_headers_get_400(server: LiveServer, case: str) -> None:
    change, reason = HEADER_REJECTIONS[case]
    body, headers = signed(envelope(), GOOD)
    change(headers)
    reply = server.post(body, headers)
    assert reply.status == 400 and reason in reply.json()["error"]


CERTIFICATE_REJECTIONS = {
    "expired certificate": (signing_identity(not_after=NOW - dt.timedelta(days=1)), "validity dates"),
    "wrong SAN": (signing_identity(san=("echo-api.example.com",)), "SAN does not name"),
    "untrusted root": (signing_identity(root_name="stranger"), "does not validate to a trusted root"),
}


@pytest.mark.parametrize("case", sorted(CERTIFICATE_REJECTIONS))
def test_bad_certificates_get_400(tmp_path: Path, case: str) -> None:
    identity, reason = CERTIFICATE_REJECTIONS[case]
    with live_server(make_app(tmp_path, identity)) as running:
        reply = running.post(*signed(envelope(), identity))
    assert reply.status == 400 and reason in reply.json()["error"]


BODY_REJECTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "stale timestamp": (envelope(timestamp="2026-11-25T09:27:29Z"), "more than 150 seconds"),
    "future timestamp": (envelope(timestamp="2026-11-25T09:32:31Z"), "more than 150 seconds"),
    "wrong skill id": (
        {**envelope(), "context": {"System": {"application": {"applicationId": "amzn1.ask.skill.other"}}}},
        "another skill id",
    ),
}


@pytest.mark.parametrize("case", sorted(BODY_REJECTIONS))
def test_stale_future_and_foreign_requests_get_400(server: LiveServer, case: str) -> None:
    data, reason = BODY_REJECTIONS[case]
    reply = server.post(*signed(data, GOOD))
    assert reply.status == 400 and reason in reply.json()["error"]


def test_a_tampered_body_gets_400(server: LiveServer) -> None:
    body, headers = signed(envelope(), GOOD)
    tampered = body.replace(b"LaunchRequest", b"SessionEndedRequest")
    reply = server.post(tampered, headers)
    assert reply.status == 400 and "does not match the request body" in reply.json()["error"]


def test_a_rejection_is_logged_as_one_line_without_the_body(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    data = envelope(timestamp="2020-01-01T00:00:00Z")
    data["request"]["type"] = "IntentRequest"
    data["request"]["intent"] = {"name": "CheckInIntent", "slots": {"feeling": {"name": "feeling", "value": SECRET}}}
    with caplog.at_level(logging.INFO, logger="kindwell"):
        reply = server.post(*signed(data, GOOD))
    assert reply.status == 400
    lines = [record.getMessage() for record in caplog.records if record.name.startswith("kindwell")]
    assert len(lines) == 1 and "\n" not in lines[0] and "timestamp" in lines[0]
    assert SECRET not in caplog.text and SECRET not in reply.body.decode()


BAD_BODIES: dict[str, tuple[bytes, int, str]] = {
    "not json": (b"this is not json", 400, "not JSON"),
    "json array": (b"[1, 2, 3]", 400, "not a JSON object"),
    "json, not an envelope": (
        json.dumps(
            {
                "hello": "world",
                "request": {"timestamp": "2026-11-25T09:30:00Z"},
                "context": {"System": {"application": {"applicationId": TEST_SKILL_ID}}},
            }
        ).encode(),
        400,
        "no type",
    ),
    "unknown request type": (json.dumps(envelope(type="Alexa.Future.Thing")).encode(), 400, "not an Alexa request"),
    "intent without a name": (json.dumps(envelope(type="IntentRequest", intent={})).encode(), 400, "names no intent"),
    "not utf-8": (b"\xff\xfe{\x00}\x00", 400, "not JSON"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_bodies_get_a_clear_4xx(server: LiveServer, case: str) -> None:
    body, status, reason = BAD_BODIES[case]
    reply = server.post(body, GOOD.headers(body))
    assert reply.status == status and reason in reply.json()["error"]
    assert b"Traceback" not in reply.body


def test_an_oversized_body_gets_413_before_it_is_read(tmp_path: Path) -> None:
    with live_server(make_app(tmp_path, max_body=4096)) as running:
        body = json.dumps({**envelope(), "padding": "x" * 8192}).encode()
        reply = running.post(body, GOOD.headers(body))
    assert reply.status == 413 and "error" in reply.json()


def test_a_chunked_body_over_the_limit_gets_413_too(tmp_path: Path) -> None:
    import http.client
    import socket

    body = json.dumps({**envelope(), "padding": "x" * 8192}).encode()
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 1000]), body[i : i + 1000]) for i in range(0, len(body), 1000)
    )
    head = b"POST /alexa HTTP/1.1\r\nHost: kindwell\r\nTransfer-Encoding: chunked\r\n"
    headers = "".join(f"{key}: {value}\r\n" for key, value in GOOD.headers(body).items()).encode()
    with (
        live_server(make_app(tmp_path, max_body=4096)) as running,
        socket.create_connection((running.host, running.port), timeout=30) as connection,
    ):
        connection.sendall(head + headers + b"\r\n" + chunks + b"0\r\n\r\n")
        reply = http.client.HTTPResponse(connection)
        reply.begin()
        status, answer = reply.status, json.loads(reply.read())
    assert status == 413 and answer["error"] == "The request body is larger than 4096 bytes."


def test_wrong_method_and_unknown_path_are_json_4xx(server: LiveServer) -> None:
    assert server.request("GET", "/alexa").status == 405
    missing = server.request("GET", "/nothing")
    assert missing.status == 404 and "error" in missing.json()


def test_a_request_without_a_user_still_gets_a_spoken_reply(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    data = envelope()
    del data["context"]["System"]["user"], data["session"]["user"]
    with caplog.at_level(logging.INFO, logger="kindwell"):
        reply = server.post(*signed(data, GOOD))
    assert reply.status == 200 and reply.json()["response"]["outputSpeech"]["ssml"].startswith("<speak>")
    # One line saying why, not a traceback through ask-sdk's dispatcher.
    assert "Traceback" not in caplog.text and not any(record.exc_info for record in caplog.records)
    # The typed state works on a fresh user for this request, so the welcome is the real one.
    assert "Welcome" in reply.json()["response"]["outputSpeech"]["ssml"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "Reset malformed state (context.System.user) during LaunchRequest."
    ]


def test_concurrent_launches_by_one_user_lose_no_visit(server: LiveServer, tmp_path: Path) -> None:
    threads, per_thread = 12, 15
    failures: list[int] = []

    def work() -> None:
        for _ in range(per_thread):
            reply = server.post(*signed(envelope(), GOOD))
            if reply.status != 200:
                failures.append(reply.status)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    stored = SQLitePersistenceAdapter(tmp_path / "web.sqlite3")
    request = DefaultSerializer().deserialize(json.dumps(envelope()), RequestEnvelope)
    assert stored.get_attributes(request)["visits"] == threads * per_thread


# Bodies that reach the skill: JSON objects shaped more or less like envelopes, plus arbitrary JSON and bytes.
_json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_request_types = st.sampled_from(
    ["LaunchRequest", "IntentRequest", "SessionEndedRequest", "AudioPlayer.PlaybackStopped", "Nonsense", ""]
)
_intent_names = st.sampled_from(
    ["StartPracticeIntent", "CheckInIntent", "AMAZON.HelpIntent", "AMAZON.PauseIntent", "NoSuchIntent"]
) | st.text(max_size=12)


@st.composite
def _envelopes(draw: st.DrawFn) -> bytes:
    data = envelope()
    data["request"]["type"] = draw(_request_types)
    if draw(st.booleans()):
        data["request"]["intent"] = draw(
            st.fixed_dictionaries({"name": _intent_names}, optional={"slots": _json, "confirmationStatus": _json})
        )
    for _ in range(draw(st.integers(0, 3))):
        section = draw(st.sampled_from(["request", "session", "context", "root"]))
        target = data if section == "root" else data.get(section)
        if isinstance(target, dict):
            key = draw(st.sampled_from([*sorted(target), "locale", "attributes", "dialogState", "reason", "new"]))
            if key not in ("timestamp",) and not (section == "context" and key == "System"):
                target[key] = draw(_json)
    return json.dumps(data).encode()


_bodies = _envelopes() | _json.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=200)


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_app(tmp_path_factory.mktemp("fuzz")).test_client()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_bodies)
def test_fuzzed_signed_bodies_never_cause_a_5xx(fuzz_client: Any, body: bytes) -> None:
    # Signed with the test CA, so every body passes the signature check and reaches parsing and the skill.
    response = fuzz_client.post("/alexa", data=body, headers=GOOD.headers(body))
    assert response.status_code < 500, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if response.status_code == 200:
        assert response.get_json()["version"] == "1.0"
    else:
        assert response.status_code == 400 and response.get_json()["error"]
