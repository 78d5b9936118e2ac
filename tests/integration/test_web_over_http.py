"""The skill-core conversation tests again, every envelope signed and sent through the real HTTP server.

Each test from test_skill_intents and test_skill_flows that talks through the `device` fixture is
collected here a second time, with a device that posts signed envelopes to the Flask app on loopback
instead of calling the skill directly. Same envelopes, same assertions, real transport.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from typing import Any

import pytest

from skill.settings import EndpointSettings
from skill.web import create_app
from skill.web.verify import RequestVerifier
from testkit.alexa_pki import TEST_SKILL_ID, FakeAmazonCertServer, SigningIdentity, signing_identity, trust_store

from ..conftest import FixtureDevice
from ..integration import test_skill_intents
from ..unit import test_skill_flows
from ..web_support import LiveServer, live_server


class HttpDevice(FixtureDevice):
    """A FixtureDevice whose envelopes travel signed over HTTP, as Alexa's would."""

    def __init__(self, skill: Any, server: LiveServer | None = None, identity: SigningIdentity | None = None) -> None:
        super().__init__(skill)
        self.server = server
        self.identity = identity or signing_identity()

    def deliver(self, envelope: dict[str, Any]) -> dict[str, Any]:
        assert self.server is not None
        body = json.dumps(envelope).encode("utf-8")
        reply = self.server.post(body, self.identity.headers(body))
        assert reply.status == 200, reply.body
        answer: dict[str, Any] = reply.json()
        return answer


@pytest.fixture()
def device(skill: Any) -> Iterator[HttpDevice]:
    http_device = HttpDevice(skill)
    amazon = FakeAmazonCertServer()
    amazon.publish(http_device.identity)
    # The verifier's clock follows the device's, which tests move a day at a time.
    verifier = RequestVerifier(TEST_SKILL_ID, trust_store=trust_store(), fetcher=amazon, clock=lambda: http_device.now)
    app = create_app(EndpointSettings(skill_id=TEST_SKILL_ID), skill=skill, verifier=verifier)
    with live_server(app) as server:
        http_device.server = server
        yield http_device


def _device_tests() -> dict[str, Any]:
    collected = {}
    for module in (test_skill_intents, test_skill_flows):
        for name, function in vars(module).items():
            if name.startswith("test_") and "device" in inspect.signature(function).parameters:
                collected[name] = function
    return collected


globals().update(_device_tests())


def test_the_http_device_really_reaches_the_skill_over_http(device: HttpDevice) -> None:
    assert device.server is not None
    response = device.send("launch")
    assert "Welcome to KindWell" in response["response"]["outputSpeech"]["ssml"]
    assert device.server.request("GET", "/healthz").json()["verify"] is True
