"""Where each user's progress is kept: persistence backends, chosen by name.

Every backend stores one record per user under a SHA-256 of the user id, with a version that makes a
read-modify-write atomic (updates.optimistic_update). `sqlite` is the embedded default; `dynamodb`
needs boto3 (the `dynamodb` extra) and is imported only when chosen.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

from ..errors import KindWellError, UserInputError
from .sqlite import SQLitePersistenceAdapter
from .updates import Updater, atomic_update, optimistic_update, user_key

if TYPE_CHECKING:
    from ..settings import EndpointSettings

__all__ = [
    "BACKENDS",
    "Backend",
    "SQLitePersistenceAdapter",
    "Updater",
    "atomic_update",
    "check_backend",
    "optimistic_update",
    "persistence_adapter",
    "user_key",
]


@dataclass(frozen=True)
class Backend:
    """A persistence backend: the module whose `adapter_from_settings(settings)` builds its adapter."""

    module: str
    """Dotted module name, imported only when the backend is chosen."""
    extra: str | None = None
    """The pip extra that installs what the backend needs (None: nothing beyond KindWell itself)."""


#: Backends by the name KINDWELL_PERSISTENCE (EndpointSettings.persistence) gives.
BACKENDS: dict[str, Backend] = {
    "sqlite": Backend("skill.persistence.sqlite"),
    "dynamodb": Backend("skill.persistence.dynamodb", extra="dynamodb"),
}


def check_backend(settings: EndpointSettings) -> None:
    """One sentence with the fix when the chosen backend cannot work (checked at start, before serving)."""
    check = getattr(_backend_module(settings), "check_settings", None)
    if check is not None:
        check(settings)


def persistence_adapter(settings: EndpointSettings) -> AbstractPersistenceAdapter:
    """The adapter of the backend the settings name, built from the settings."""
    adapter: AbstractPersistenceAdapter = _backend_module(settings).adapter_from_settings(settings)
    return adapter


def _backend_module(settings: EndpointSettings) -> Any:
    backend = BACKENDS.get(settings.persistence)
    if backend is None:
        raise UserInputError(
            f"There is no persistence backend {settings.persistence!r}; choose one of {', '.join(BACKENDS)}."
        )
    try:
        module = importlib.import_module(backend.module)
    except ImportError as err:
        if backend.extra is None:
            raise
        raise KindWellError(
            f"{settings.persistence} persistence needs {err.name or 'a missing package'}: "
            f"install KindWell with `pip install 'kindwell[{backend.extra}]'`."
        ) from None
    return module
