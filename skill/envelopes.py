"""Alexa-format envelopes in and out of the skill: the one door every front end uses.

The web endpoint, the Lambda entry, the offline runner and the tests all call the skill the way
Alexa does: a JSON request envelope in, deserialized with ask-sdk's model (by its DefaultSerializer,
after a check that the JSON types fit the model), and a JSON response envelope out.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope, ResponseEnvelope

from .serializer import CheckedSerializer

_SERIALIZER = CheckedSerializer()


def invoke(skill: CustomSkill, envelope: dict[str, Any] | str) -> dict[str, Any]:
    """Deserialize an envelope with ask-sdk's serializer, invoke the skill, return JSON."""
    if isinstance(envelope, str):
        request_envelope = _SERIALIZER.deserialize(envelope, RequestEnvelope)
    else:
        request_envelope = _SERIALIZER.deserialize_object(envelope, RequestEnvelope)
    response_envelope: ResponseEnvelope = skill.invoke(request_envelope=request_envelope, context=None)
    result = _SERIALIZER.serialize(response_envelope)
    if not isinstance(result, dict):
        raise TypeError("ask-sdk serialized a response envelope to something other than an object")
    return result


def speech_of(response: dict[str, Any]) -> str:
    """The SSML a response speaks ("" when silent)."""
    speech = (response.get("response") or {}).get("outputSpeech") or {}
    return str(speech.get("ssml") or speech.get("text") or "")
