"""Shared fixtures: a real SQLite file, the real skill, and a device that replays real envelopes."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import random
import re
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest

from skill.app import build_skill
from skill.envelopes import invoke, speech_of
from skill.persistence import SQLitePersistenceAdapter
from skill.ssml import to_plain_text

from .settings_api_double import settings_api  # noqa: F401 - the Settings API test double, as a fixture

# A shell without job control starts background jobs with Ctrl-C ignored, and exec'd children keep
# an ignored signal: run that way (`make test &`), the Ctrl-C tests' subprocesses never heard it.
# Python's own handler here is reset to the default in every child, which is what a terminal gives.
signal.signal(signal.SIGINT, signal.default_int_handler)

FIXTURES = Path(__file__).parent / "fixtures" / "requests"


def load_fixture(name: str) -> dict[str, Any]:
    """A request envelope from tests/fixtures/requests."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


class FixtureDevice:
    """Plays the part of an Echo: sends fixture envelopes, carrying the session between turns."""

    def __init__(self, skill: Any, user_id: str = "amzn1.ask.account.TESTUSER", locale: str = "en-US") -> None:
        self.skill = skill
        self.user_id = user_id
        self.locale = locale
        self.now = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
        self.session_id: str | None = None
        self.attributes: dict[str, Any] = {}
        self.responses: list[dict[str, Any]] = []
        self.audio_player: dict[str, Any] | None = None
        """AudioPlayer state this device reports (None: the device has no AudioPlayer)."""

    def send(
        self,
        name: str,
        *,
        slots: dict[str, Any] | None = None,
        resolved: dict[str, str] | None = None,
        **request_fields: Any,
    ) -> dict[str, Any]:
        """Send fixture `name` in the current session (a new one if none is open).

        Fixtures without a session (AudioPlayer and PlaybackController events) stay sessionless.
        resolved: slot name -> the id Alexa's entity resolution matched (for a slot value set in slots).
        """
        envelope = self.envelope(name, slots=slots, **request_fields)
        for slot_name, value_id in (resolved or {}).items():
            slot = envelope["request"]["intent"]["slots"][slot_name]
            value = {"name": slot.get("value"), "id": value_id}
            authority = {"authority": "amzn1.er-authority.echo-sdk.Type", "status": {"code": "ER_SUCCESS_MATCH"}}
            slot["resolutions"] = {"resolutionsPerAuthority": [{**authority, "values": [{"value": value}]}]}
        request = envelope["request"]
        response = self.deliver(envelope)
        self.responses.append(response)
        if "session" not in envelope:
            return response
        if request["type"] == "SessionEndedRequest" or response["response"].get("shouldEndSession") is True:
            self.session_id = None
            self.attributes = {}
        else:
            self.attributes = response.get("sessionAttributes") or {}
        return response

    def deliver(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """Hand an envelope to the skill (the HTTP device in test_web_over_http posts it instead)."""
        return invoke(self.skill, envelope)

    def envelope(self, name: str, *, slots: dict[str, Any] | None = None, **request_fields: Any) -> dict[str, Any]:
        """Fixture `name` filled in for this device, session and clock."""
        envelope = copy.deepcopy(load_fixture(name))
        system = envelope["context"]["System"]
        system["user"]["userId"] = self.user_id
        if self.audio_player is not None:
            system["device"]["supportedInterfaces"] = {"AudioPlayer": {}}
            envelope["context"]["AudioPlayer"] = dict(self.audio_player)
            if "token" in envelope["request"]:
                envelope["request"]["token"] = self.audio_player["token"]
        else:
            envelope["context"].pop("AudioPlayer", None)
        if "session" in envelope:
            new = self.session_id is None
            if new:
                self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
                self.attributes = {}
            envelope["session"].update({"new": new, "sessionId": self.session_id, "attributes": self.attributes})
            envelope["session"]["user"]["userId"] = self.user_id
        request = envelope["request"]
        request.update({"timestamp": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"), "locale": self.locale})
        request["requestId"] = f"amzn1.echo-api.request.{uuid.uuid4()}"
        request.update(request_fields)
        for slot_name, value in (slots or {}).items():
            request["intent"]["slots"][slot_name]["value"] = value
        return envelope

    def next_day(self, days: int = 1) -> None:
        """Move the device clock forward and close the session, as a new day would."""
        self.now += dt.timedelta(days=days)
        self.session_id = None


def todays_variant(device: FixtureDevice, practice_id: str, minutes: int) -> int:
    """The variant of a practice this device's listener hears on the device's (UTC) day."""
    from skill.content import default_content
    from skill.variety import variant_for

    # The hashed user id, as the skill keys everything by it (README, Privacy).
    key = hashlib.sha256(device.user_id.encode("utf-8")).hexdigest()
    count = default_content().practice(practice_id).variant_count(minutes)
    return variant_for(key, practice_id, minutes, device.now.date(), count)


def local_variant(practice_id: str, minutes: int) -> int:
    """The variant the offline runner's one local user hears today where the runner is (KINDWELL_TIMEZONE, else UTC)."""
    from local_runner.device import Conversation
    from skill.content import default_content
    from skill.handlers.base import zone
    from skill.variety import variant_for

    user = hashlib.sha256(Conversation.user_id.encode("utf-8")).hexdigest()
    day = dt.datetime.now(zone(os.environ.get("KINDWELL_TIMEZONE"))).date()
    return variant_for(user, practice_id, minutes, day, default_content().practice(practice_id).variant_count(minutes))


def text(response: dict[str, Any]) -> str:
    """The words a response speaks."""
    return to_plain_text(speech_of(response))


def breaks_seconds(response: dict[str, Any]) -> list[float]:
    """Every <break> in the response's speech, in seconds."""
    return [int(ms) / 1000 for ms in re.findall(r'<break time="(\d+)ms"/>', speech_of(response))]


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kindwell.sqlite3"


@pytest.fixture()
def adapter(db_path: Path) -> SQLitePersistenceAdapter:
    return SQLitePersistenceAdapter(db_path)


@pytest.fixture()
def skill(adapter: SQLitePersistenceAdapter) -> Any:
    return build_skill(adapter, rng=random.Random(1))


@pytest.fixture()
def device(skill: Any) -> FixtureDevice:
    return FixtureDevice(skill)


class FreshModels(dict[str, Any]):
    """Shipped classifiers trained today with scikit-learn, by name, each trained when first asked for: a
    test that needs two of the eight models does not wait (and time out) for all of them."""

    def __init__(self) -> None:
        super().__init__()
        from skill.training import shipped_models

        self.lazy = {lazy.name: lazy for lazy in shipped_models()}

    def __missing__(self, name: str) -> Any:
        model = self[name] = self.lazy[name].train_now()
        return model


@pytest.fixture(scope="session")
def fresh_models() -> dict[str, Any]:
    """Every shipped classifier trained today with scikit-learn (a LinearTextModel with its .pipeline), by name."""
    return FreshModels()


@pytest.fixture(scope="session")
def korean_model() -> Any:
    """The real Vosk Korean model from PyPI, loaded once (about 4 s)."""
    from local_runner.recognizer import load_model
    from local_runner.settings import RecognizerSettings
    from testkit.voice import korean_model_path

    return load_model(korean_model_path(), RecognizerSettings().frames_per_chunk)


@pytest.fixture(scope="session")
def korean_engine(korean_model: Any) -> Any:
    """The real Vosk engine over the Korean model with the Korean phrasebook grammar."""
    from local_runner.recognizer import VoskEngine
    from testkit.voice import KOREAN_PHRASEBOOK, phrasebook_grammar

    return VoskEngine(korean_model, phrasebook_grammar(KOREAN_PHRASEBOOK))


@pytest.fixture(scope="session")
def renderer() -> Any:
    """The real SSML renderer over espeak-ng."""
    from local_runner.tts import EspeakSynthesizer, SpeechRenderer

    return SpeechRenderer(EspeakSynthesizer())


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding every variant of the three-minute soothing breath, rendered as `kindwell render --all` does."""
    from local_runner.render import PracticeRenderer
    from skill.audio_catalog import AudioCatalog
    from skill.content import default_content

    directory = tmp_path_factory.mktemp("audio")
    catalog = AudioCatalog(default_content(), directory, None)
    renderer = PracticeRenderer(catalog)
    for variant in range(catalog.content.practice("soothing_breath").variant_count(3)):
        track = catalog.track("soothing_breath", 3, variant)
        renderer.write(renderer.render("soothing_breath", 3, variant=variant), catalog.path(track))
    return directory


@pytest.fixture(scope="session")
def practice_file(audio_dir: Path) -> Any:
    """The rendered samples of the variant the offline runner plays today, decoded (int16 at 22050 Hz)."""
    import numpy as np
    import soundfile

    from skill.audio_catalog import AudioCatalog
    from skill.content import default_content

    catalog = AudioCatalog(default_content(), audio_dir, None)
    path = catalog.path(catalog.track("soothing_breath", 3, local_variant("soothing_breath", 3)))
    samples, rate = soundfile.read(path, dtype="int16")
    assert rate == 22050
    return np.asarray(samples)


@pytest.fixture()
def environment(audio_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """KINDWELL_AUDIO_DIR pointed at the rendered practice."""
    monkeypatch.setenv("KINDWELL_AUDIO_DIR", str(audio_dir))
    return audio_dir
