"""The skill as deployed (web endpoint or Lambda): persistence chosen by settings, built once per process."""

from __future__ import annotations

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill

from .app import build_skill
from .audio_catalog import AudioCatalog, default_audio_dir
from .content import default_content
from .settings import EndpointSettings


def persistence_adapter(settings: EndpointSettings) -> AbstractPersistenceAdapter:
    """The persistence adapter the settings choose: SQLite (embedded default) or DynamoDB."""
    if settings.persistence == "dynamodb":
        try:
            from .dynamodb import adapter_from_settings
        except ImportError:
            from .errors import KindWellError

            raise KindWellError(
                "DynamoDB persistence needs boto3: install KindWell with `pip install 'kindwell[dynamodb]'`."
            ) from None
        return adapter_from_settings(settings)
    from .persistence import SQLitePersistenceAdapter

    return SQLitePersistenceAdapter(settings.sqlite_path)


def audio_catalog(settings: EndpointSettings) -> AudioCatalog:
    """Rendered practice audio and the public URL it streams from."""
    return AudioCatalog(default_content(), settings.audio_dir or default_audio_dir(), settings.public_url)


def deployed_skill(settings: EndpointSettings) -> CustomSkill:
    """The skill over the configured persistence adapter, streaming rendered practices where it can."""
    from .alexa_api import api_client

    return build_skill(persistence_adapter(settings), audio=audio_catalog(settings), api_client=api_client())
