"""The skill as deployed (web endpoint or Lambda): persistence chosen by settings, built once per process."""

from __future__ import annotations

from ask_sdk_core.skill import CustomSkill

from ..app import build_skill
from ..audio_catalog import AudioCatalog
from ..content import default_content
from ..folders import audio_dir
from ..persistence import persistence_adapter
from ..settings import EndpointSettings


def audio_catalog(settings: EndpointSettings) -> AudioCatalog:
    """Rendered practice audio and the public URL it streams from."""
    return AudioCatalog(default_content(), settings.audio_dir or audio_dir(), settings.public_url)


def deployed_skill(settings: EndpointSettings) -> CustomSkill:
    """The skill over the configured persistence adapter, streaming rendered practices where it can."""
    from ..alexa_api import api_client

    return build_skill(persistence_adapter(settings), audio=audio_catalog(settings), api_client=api_client())
