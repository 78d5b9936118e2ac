"""The Alexa web endpoint: a Flask app serving the shared skill at POST /alexa, with GET /healthz.

Every request is verified (signature, certificate chain, timestamp, skill id) before its body is
read. Bad input of any kind gets a 4xx with one sentence, never a 500 and never a traceback; logs
name the request type and intent only, never what was said.

Production: `gunicorn --workers 2 --threads 4 --bind 127.0.0.1:8000 'skill.web:create_app()'`.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.skill import CustomSkill
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..envelopes import invoke
from ..safety import default_safety
from ..settings import EndpointSettings
from .deploy import audio_catalog, deployed_skill
from .listen import listen_blueprint
from .package_pages import package_blueprint
from .verify import (
    RequestRejected,
    RequestVerifier,
    certifi_trust_store,
    check_skill_id,
    https_cert_fetcher,
    parse_envelope,
)

_LOGGER = logging.getLogger("kindwell.web")
INSECURE_WARNING = (
    "REQUEST VERIFICATION IS OFF: anyone who can reach this server can pose as Alexa. "
    "Use this only for local development, never on a public address."
)


def _json(status: int, payload: Mapping[str, Any]) -> Response:
    return Response(json.dumps(payload, separators=(",", ":")), status=status, mimetype="application/json")


def _error(status: int, sentence: str) -> Response:
    return _json(status, {"error": sentence})


def _loggable(value: object) -> str:
    # Short and printable: a crafted name must not forge extra log lines.
    return "".join(char if char.isprintable() else "?" for char in str(value)[:64])


def request_kind(envelope: Mapping[str, Any]) -> str:
    """Request type, with the intent name for intents: all a log line may say about a request."""
    req = envelope.get("request")
    if not isinstance(req, dict):
        return "?"
    kind = _loggable(req.get("type"))
    intent = req.get("intent")
    if kind == "IntentRequest" and isinstance(intent, dict):
        return f"IntentRequest:{_loggable(intent.get('name'))}"
    return kind


def envelope_problem(envelope: Mapping[str, Any]) -> str | None:
    """Why a JSON object is not an Alexa request envelope the skill can handle, or None."""
    req = envelope.get("request")
    if not isinstance(req, dict):
        return "The request envelope has no request object."
    if not isinstance(req.get("type"), str) or not req["type"]:
        return "The request has no type."
    for part in ("session", "context"):
        if part in envelope and not isinstance(envelope[part], dict | None):
            return f"The envelope's {part} is not an object."
    # Only the shape: whether the time makes sense is judged by the skill's typed state, which falls
    # back to the clock for an absurd one (verified requests have passed the 150-second check already).
    if not isinstance(req.get("timestamp"), str | None):
        return "The request timestamp is not an ISO 8601 time."
    session = envelope.get("session")
    if isinstance(session, dict) and not isinstance(session.get("attributes"), dict | None):
        return "The session's attributes are not an object."
    if req["type"] == "IntentRequest":
        intent = req.get("intent")
        if not isinstance(intent, dict) or not isinstance(intent.get("name"), str):
            return "The intent request names no intent."
        slots = intent.get("slots")
        if slots is not None and not (isinstance(slots, dict) and all(isinstance(s, dict) for s in slots.values())):
            return "The intent's slots are not objects."
    return None


def create_app(
    settings: EndpointSettings | None = None,
    *,
    skill: CustomSkill | None = None,
    verifier: RequestVerifier | None = None,
) -> Flask:
    """The Flask app; skill and verifier default to the ones the settings (or environment) describe."""
    settings = settings or EndpointSettings.from_env()
    if verifier is None and settings.verify:
        verifier = RequestVerifier(
            settings.skill_id or "", trust_store=certifi_trust_store(), fetcher=https_cert_fetcher
        )
    if verifier is None:
        _LOGGER.warning(INSECURE_WARNING)
    if skill is None:
        skill = deployed_skill(settings)
    shared_skill: CustomSkill = skill
    # A server process lives long: it loads what free text needs now (the skill loads it lazily, for
    # Lambda's sake), so that no Alexa request waits for it and the freeze below covers it.
    default_safety().preload()
    # The content, models and ask-sdk objects just loaded live as long as the process. Freezing them
    # keeps Python's full garbage collections, which would otherwise walk all of them (about 100 ms),
    # from stalling replies now and then.
    gc.collect()
    gc.freeze()
    skill_id = verifier.skill_id if verifier is not None else settings.skill_id

    app = Flask("kindwell")
    # Werkzeug answers 413 itself, before reading a body larger than this.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.register_blueprint(listen_blueprint(audio_catalog(settings), default_safety()))
    app.register_blueprint(package_blueprint(default_safety()))

    @app.get("/healthz")
    def healthz() -> Response:
        return _json(200, {"status": "ok", "verify": verifier is not None, "persistence": settings.persistence})

    @app.post("/alexa")
    def alexa() -> Response:
        started = time.perf_counter()
        body = request.get_data(cache=False)
        if request.content_length is None and len(body) >= settings.max_body_bytes:
            # A chunked body has no length to refuse up front: Werkzeug stops reading at the limit
            # and hands over what it read, which would otherwise be judged as truncated JSON.
            raise RequestEntityTooLarge()
        try:
            envelope = verifier.verify(request.headers, body) if verifier else _unverified(body, skill_id)
        except RequestRejected as rejection:
            _LOGGER.warning("Rejected Alexa request from %s: %s", request.remote_addr, rejection)
            return _error(400, str(rejection))
        kind = request_kind(envelope)
        problem = envelope_problem(envelope)
        if problem:
            _LOGGER.warning("Rejected %s request from %s: %s", kind, request.remote_addr, problem)
            return _error(400, problem)
        try:
            result = invoke(shared_skill, envelope)
        except (SerializationException, AttributeError, TypeError, ValueError, KeyError, RecursionError) as err:
            # ask-sdk could not map the envelope onto its model: the request is malformed, not us.
            _LOGGER.warning("Could not handle %s request: %s", kind, type(err).__name__)
            return _error(400, "The request is not an Alexa request envelope this skill understands.")
        _LOGGER.debug("Answered %s in %.1f ms", kind, (time.perf_counter() - started) * 1000)
        return _json(200, result)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> Response:
        return _error(413, f"The request body is larger than {settings.max_body_bytes} bytes.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return _error(error.code or 400, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        _LOGGER.error("Unexpected %s while serving %s", type(error).__name__, request.path, exc_info=error)
        return _error(500, "KindWell could not answer this request; please try again.")

    return app


def _unverified(body: bytes, skill_id: str | None) -> dict[str, Any]:
    """Parse a body without signature checks (development only), still honouring a configured skill id."""
    envelope = parse_envelope(body)
    if skill_id:
        check_skill_id(envelope, skill_id)
    return envelope
