"""The offline runner's device: a conversation that carries a session and a player, as an Echo would.

The runner and the tests talk to the skill exactly the way Alexa does: JSON request envelopes in,
JSON response envelopes out, through the core's `invoke`. A device that advertises AudioPlayer reports
its player's state in every request and sends sessionless playback events, as an Echo does. Rendered
practices play from this machine's own files (LocalAudioCatalog), so the skill answers this device
with the same AudioPlayer.Play directive an Echo gets.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ask_sdk_core.skill import CustomSkill

from skill.audio_catalog import AudioCatalog
from skill.envelopes import invoke

LOCAL_APPLICATION_ID = "amzn1.ask.skill.kindwell-local"
AUDIO_PLAYER = "AudioPlayer"
#: The playback events a device sends without a session.
PLAYBACK_EVENTS = frozenset(
    f"AudioPlayer.Playback{kind}" for kind in ("Started", "Stopped", "NearlyFinished", "Finished", "Failed")
)


def _timestamp(moment: dt.datetime | None = None) -> str:
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _request_id() -> str:
    return f"amzn1.echo-api.request.{uuid.uuid4()}"


def slot_json(name: str, value: Any, resolved_id: str | None = None, authority: str = "PracticeType") -> dict[str, Any]:
    """One slot as Alexa sends it, with an entity resolution when an id is known."""
    slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if value is None:
        return slot
    slot["value"] = str(value)
    if resolved_id is not None:
        slot["resolutions"] = {
            "resolutionsPerAuthority": [
                {
                    "authority": f"amzn1.er-authority.echo-sdk.{LOCAL_APPLICATION_ID}.{authority}",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": str(value), "id": resolved_id}}],
                }
            ]
        }
    return slot


@dataclass
class PlayerState:
    """A device's AudioPlayer as it reports itself in context.AudioPlayer."""

    token: str = ""
    """Token of the stream the player holds ("" before anything has played)."""
    offset_ms: int = 0
    """Position in that stream, in milliseconds."""
    activity: str = "IDLE"
    """IDLE, PLAYING, PAUSED, STOPPED, FINISHED or BUFFER_UNDERRUN."""

    def to_json(self) -> dict[str, Any]:
        """The context.AudioPlayer object."""
        return {"token": self.token, "offsetInMilliseconds": int(self.offset_ms), "playerActivity": self.activity}


@dataclass
class Conversation:
    """A device's side of a conversation: one user, one locale, sessions that come and go."""

    skill: CustomSkill
    user_id: str = "amzn1.ask.account.kindwell-local-user"
    locale: str = "en-US"
    application_id: str = LOCAL_APPLICATION_ID
    device_id: str = "amzn1.ask.device.kindwell-local"
    supported_interfaces: dict[str, Any] = field(default_factory=dict)
    clock: Any = None
    """Callable returning the current UTC datetime (tests move time forward)."""
    session_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    last_response: dict[str, Any] | None = None
    player: PlayerState = field(default_factory=PlayerState)
    """The device's AudioPlayer state, sent as context.AudioPlayer while AudioPlayer is advertised."""

    @property
    def in_session(self) -> bool:
        """True while a session is open."""
        return self.session_id is not None

    @property
    def has_audio_player(self) -> bool:
        """True when the device advertises the AudioPlayer interface."""
        return AUDIO_PLAYER in self.supported_interfaces

    def context(self) -> dict[str, Any]:
        """The context object: System, and AudioPlayer on a device that has one."""
        application = {"applicationId": self.application_id}
        context: dict[str, Any] = {
            "System": {
                "application": application,
                "user": {"userId": self.user_id},
                "device": {"deviceId": self.device_id, "supportedInterfaces": self.supported_interfaces},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        }
        if self.has_audio_player:
            context[AUDIO_PLAYER] = self.player.to_json()
        return context

    def _now(self) -> dt.datetime:
        return self.clock() if self.clock else dt.datetime.now(dt.UTC)

    def _stamp(self, request: dict[str, Any]) -> dict[str, Any]:
        request.setdefault("requestId", _request_id())
        request.setdefault("timestamp", _timestamp(self._now()))
        request.setdefault("locale", self.locale)
        return request

    def envelope(self, request: dict[str, Any], new_session: bool | None = None) -> dict[str, Any]:
        """Wrap a request in a full envelope with session and context."""
        is_new = self.session_id is None if new_session is None else new_session
        if self.session_id is None:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
        return {
            "version": "1.0",
            "session": {
                "new": is_new,
                "sessionId": self.session_id,
                "application": {"applicationId": self.application_id},
                "attributes": dict(self.attributes),
                "user": {"userId": self.user_id},
            },
            "context": self.context(),
            "request": self._stamp(request),
        }

    def playback_envelope(self, kind: str, token: str, offset_ms: int, **fields: Any) -> dict[str, Any]:
        """A sessionless AudioPlayer event envelope (PlaybackStarted, ...Stopped, ...NearlyFinished, ...).

        `fields` adds to the request, e.g. `error` and `currentPlaybackState` for PlaybackFailed, which
        reports its position there instead of in offsetInMilliseconds.
        """
        if kind not in PLAYBACK_EVENTS:
            raise ValueError(f"{kind} is not an AudioPlayer playback event; use one of {sorted(PLAYBACK_EVENTS)}.")
        request: dict[str, Any] = {"type": kind, "token": token}
        if kind != "AudioPlayer.PlaybackFailed":
            request["offsetInMilliseconds"] = int(offset_ms)
        request.update(fields)
        return {"version": "1.0", "context": self.context(), "request": self._stamp(request)}

    def playback_event(self, kind: str, token: str, offset_ms: int, **fields: Any) -> dict[str, Any]:
        """Send a playback event; the open session, if any, is left as it was (events carry none)."""
        return invoke(self.skill, self.playback_envelope(kind, token, offset_ms, **fields))

    def send(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """Invoke the skill with an envelope and carry the session forward."""
        response = invoke(self.skill, envelope)
        self.last_response = response
        body = response.get("response") or {}
        if envelope["request"]["type"] == "SessionEndedRequest" or body.get("shouldEndSession") is True:
            self.session_id = None
            self.attributes = {}
        else:
            self.attributes = dict(response.get("sessionAttributes") or {})
        return response

    def launch(self) -> dict[str, Any]:
        """ "Alexa, open kind well"."""
        self.session_id = None
        return self.send(self.envelope({"type": "LaunchRequest"}))

    def intent(self, name: str, slots: dict[str, Any] | None = None, dialog_state: str | None = None) -> dict[str, Any]:
        """An IntentRequest; slots map name -> value, or name -> (value, resolved id)."""
        slot_objects: dict[str, Any] = {}
        for slot_name, value in (slots or {}).items():
            if isinstance(value, tuple):
                slot_objects[slot_name] = slot_json(slot_name, value[0], value[1])
            else:
                slot_objects[slot_name] = slot_json(slot_name, value)
        request: dict[str, Any] = {
            "type": "IntentRequest",
            "intent": {"name": name, "confirmationStatus": "NONE", "slots": slot_objects},
        }
        if dialog_state:
            request["dialogState"] = dialog_state
        return self.send(self.envelope(request))

    def end(self, reason: str = "USER_INITIATED") -> dict[str, Any]:
        """A SessionEndedRequest, as when the user leaves or stays silent."""
        if self.session_id is None:
            return {}
        return self.send(self.envelope({"type": "SessionEndedRequest", "reason": reason}))


@dataclass(frozen=True)
class LocalAudioCatalog(AudioCatalog):
    """Rendered tracks and bells on this machine, played from their own files: URLs are file:// URIs.

    Only a device on the same machine gets these; the web endpoint's catalog hands Alexa HTTPS only.
    """

    def served(self, path: Path) -> str | None:
        """The rendered file's file:// URI; None when it is not rendered."""
        return path.resolve().as_uri() if path.is_file() else None
