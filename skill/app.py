"""Build the KindWell skill: one ask-sdk CustomSkill object shared by every front end."""

from __future__ import annotations

import datetime as dt
import os
import random

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model.services import ApiClient

from .audio_catalog import AudioCatalog
from .content import Content
from .handlers import KindExceptionHandler, SkillServices, request_handlers, state_interceptors
from .handlers.base import zone
from .persistence import SQLitePersistenceAdapter
from .prompts import Prompts, default_prompts
from .safety import SafetyPolicy, default_safety, load_safety


def build_skill(
    persistence_adapter: AbstractPersistenceAdapter | None = None,
    *,
    content: Content | None = None,
    safety: SafetyPolicy | None = None,
    skill_id: str | None = None,
    timezone: dt.tzinfo | None = None,
    rng: random.Random | None = None,
    prompts: Prompts | None = None,
    audio: AudioCatalog | None = None,
    country: str | None = None,
    api_client: ApiClient | None = None,
) -> CustomSkill:
    """The skill with every handler, over the given persistence adapter (SQLite by default).

    prompts: everything the skill says and understands (default: the Prompts in prompts_dir(), loaded once).
    country: where the person is, when the skill serves one place (the offline runner).
    api_client: for Alexa's service APIs (the device's time zone, to name the right crisis line);
    without one, the crisis line follows `country`, else the request's locale.
    """
    if prompts is None:
        prompts, safety = default_prompts(), safety or default_safety()
    adapter = persistence_adapter if persistence_adapter is not None else SQLitePersistenceAdapter()
    services = SkillServices(
        prompts=prompts,
        content=content or prompts.content,
        safety=safety or load_safety(prompts),
        adapter=adapter,
        timezone=timezone or zone(os.environ.get("KINDWELL_TIMEZONE")),
        rng=rng or random.Random(),
        audio=audio,
        country=country,
        settings_api=api_client is not None,
    )
    builder = (
        CustomSkillBuilder(persistence_adapter=adapter, api_client=api_client)
        if api_client is not None
        else CustomSkillBuilder(persistence_adapter=adapter)
    )
    if skill_id:
        # ask-sdk rejects requests whose application id differs from this one.
        builder.skill_id = skill_id  # type: ignore[assignment]
    parse_state, write_state = state_interceptors(services)
    builder.add_global_request_interceptor(parse_state)
    builder.add_global_response_interceptor(write_state)
    for handler in request_handlers(services):
        builder.add_request_handler(handler)
    builder.add_exception_handler(KindExceptionHandler(services))
    skill: CustomSkill = builder.create()
    return skill
